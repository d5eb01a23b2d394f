import type { Server } from 'node:http';
import { connect, Socket } from 'node:net';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken } from '@oriental/service-kit';
import { startTestNetwork, TestNetwork } from './network-routes';

/**
 * Issue 9: a stop waited on kept-alive connections (answers sent while draining said keep-alive),
 * so a slow upload in flight held the process until the shutdown deadline, which exits 1. Here
 * intake keeps connections alive for ten minutes: a stop that waited on one would time out.
 */
describe('stopping the network while a slow upload is in flight', () => {
  let test: TestNetwork | undefined;
  let socket: Socket | undefined;

  afterAll(async () => {
    // A failed run leaves the connection open: end it so the network can stop.
    socket?.destroy();
    await test?.stop();
  });

  it('lets the upload finish, answers it with Connection: close, and stops without waiting on the connection', async () => {
    test = await startTestNetwork('graceful-stop');
    const intake = test.network.services.find((service) => service.name === 'intake')!;
    (intake.app.getHttpServer() as Server).keepAliveTimeout = 600_000;
    const token = await issueToken(test.config, { role: 'cell_agent', cellId: 'oujda' });
    const url = new URL(test.network.urls['intake']!);

    const client = connect({ host: url.hostname, port: Number(url.port) });
    socket = client;
    await new Promise((resolve) => client.once('connect', resolve));
    let received = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => (received += chunk));
    const closedByServer = new Promise<void>((resolve) => client.once('end', () => resolve()));

    // A kept-alive connection, then a registration whose body arrives in two halves.
    client.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    while (!wholeAnswer(received)) await new Promise((resolve) => client.once('data', resolve));
    expect(received).toMatch(/Connection: keep-alive/i);
    received = '';
    const body = JSON.stringify(aRegistrationBody());
    const half = Math.floor(body.length / 2);
    client.write(
      `POST /beneficiaries HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nIdempotency-Key: graceful-stop-${process.pid}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
    );
    await new Promise<void>((resolve) => (intake.app.getHttpServer() as Server).once('request', () => resolve()));

    const stopped = test.network.stop();
    client.write(body.slice(half));

    await closedByServer;
    expect(received).toMatch(/^HTTP\/1\.1 201/);
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
    expect(received).toMatch(/"beneficiaryId"/);
    await stopped;
  });
});

/** Whether `text` holds one whole answer with a Content-Length. */
const wholeAnswer = (text: string): boolean => {
  const headEnd = text.indexOf('\r\n\r\n');
  const length = /\r\nContent-Length: (\d+)/i.exec(text.slice(0, Math.max(headEnd, 0)));
  return headEnd >= 0 && length !== null && Buffer.byteLength(text.slice(headEnd + 4)) >= Number(length[1]);
};
