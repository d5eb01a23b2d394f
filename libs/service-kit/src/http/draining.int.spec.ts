import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { drainConnections } from './draining';

/**
 * Issue 9: while a service stops, answers said `Connection: keep-alive`, so the server's close
 * waited out the keep-alive timeout and a slow upload in flight held the process until its
 * shutdown deadline. The server here keeps connections alive for ten minutes: a close that
 * waited on one would never resolve within the spec's timeout.
 */
describe('draining an HTTP server', () => {
  let server: Server;
  let port: number;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;
  const sockets: Socket[] = [];

  const start = async () => {
    server = createServer((request, response) => handler(request, response));
    server.keepAliveTimeout = 600_000;
    const draining = drainConnections(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return draining;
  };

  /** A raw client connection that stays open until the server closes it. */
  const client = async () => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const closedByServer = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    const answer = async (count = 1): Promise<string> => {
      while ((received.match(/HTTP\/1\.1 /g) ?? []).length < count || !completeAnswers(received, count)) {
        await new Promise((resolve) => socket.once('data', resolve));
      }
      return received;
    };
    return { socket, answer, closedByServer };
  };

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    server.closeAllConnections();
    server.close();
  });

  it('answers a request in flight with Connection: close and resolves without waiting for the client to go', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    handler = (request, response) => {
      if (request.url === '/slow') {
        arrived();
        void released.then(() => response.end('done'));
      } else response.end('quick');
    };
    const draining = await start();
    const kept = await client();
    kept.socket.write('GET /quick HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await kept.answer()).toMatch(/Connection: keep-alive/i);
    kept.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inFlight;

    const closed = draining.close();
    expect(draining.draining).toBe(true);
    release();

    const answers = await kept.answer(2);
    const second = answers.slice(answers.lastIndexOf('HTTP/1.1 '));
    expect(second).toMatch(/^HTTP\/1\.1 200/);
    expect(second).toMatch(/\r\nConnection: close\r\n/i);
    expect(second.endsWith('done')).toBe(true);
    await kept.closedByServer;
    await closed;
  });

  it('lets a slow upload in flight finish, answers it with Connection: close and then closes', async () => {
    handler = (request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => response.end(`received ${bytes}`));
    };
    const draining = await start();
    const upload = await client();
    upload.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\nhello');
    // The first half is in the server before it starts draining.
    await new Promise<void>((resolve) => server.once('request', () => resolve()));

    const closed = draining.close();
    upload.socket.write('world');

    const answer = await upload.answer();
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.endsWith('received 10')).toBe(true);
    await upload.closedByServer;
    await closed;
  });

  it('closes a connection whose answer began before the drain as soon as that answer ends', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let headersSent!: () => void;
    const started = new Promise<void>((resolve) => (headersSent = resolve));
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('part one;', () => headersSent());
      void finished.then(() => response.end('part two'));
    };
    const draining = await start();
    const stream = await client();
    stream.socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    await started;

    const closed = draining.close();
    finish();

    // Its headers said keep-alive (sent before the drain); the connection closes all the same.
    await stream.closedByServer;
    await closed;
  });

  it('closes idle kept-alive connections at once', async () => {
    handler = (_request, response) => response.end('ok');
    const draining = await start();
    const idle = await client();
    idle.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await idle.answer()).toMatch(/Connection: keep-alive/i);

    await draining.close();
    await idle.closedByServer;
  });
});

/** Whether `text` holds `count` whole answers (each with a Content-Length or chunked body). */
const completeAnswers = (text: string, count: number): boolean => {
  let rest = text;
  for (let n = 0; n < count; n += 1) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return false;
    const head = rest.slice(0, headEnd);
    const length = /\r\nContent-Length: (\d+)/i.exec(head);
    if (!length) return false;
    const end = headEnd + 4 + Number(length[1]);
    if (rest.length < end) return false;
    rest = rest.slice(end);
  }
  return true;
};
