import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** An HTTP server's graceful close, without waiting on kept-alive connections. */
export interface ConnectionDraining {
  /** True from the first `close()` on: every response sent from then on says `Connection: close`. */
  readonly draining: boolean;
  /**
   * Stops accepting connections and resolves once every connection has closed: requests in
   * flight finish (their answers carrying `Connection: close`, after which Node ends the
   * connection), idle kept-alive connections close at once, and a connection that turns idle
   * later (an answer whose headers were sent before the close) closes as soon as it does.
   */
  close(): Promise<void>;
}

/**
 * `server.close()` only stops accepting connections: it waits for every open one to end. Node
 * closes those idle at that moment, but an answer sent afterwards on a kept-alive connection
 * still says `Connection: keep-alive`, so its connection stays open until the client's or the
 * server's keep-alive timeout, and a slow upload in flight during a stop held the process
 * until the shutdown deadline (exit 1). Installed on the server before it serves (a listener
 * put ahead of the application's on `request`), this marks the answers of a draining server
 * `Connection: close`, those already under way included while their headers are unsent, and
 * closes connections the moment they are idle.
 */
export const drainConnections = (server: Server): ConnectionDraining => {
  let draining = false;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<ServerResponse>();

  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    inFlight.add(response);
    if (draining) sayClose(response);
    response.once('close', () => {
      inFlight.delete(response);
      // Its connection is idle now unless another request already arrived on it (Node keeps those).
      if (draining) server.closeIdleConnections();
    });
  });

  return {
    get draining() {
      return draining;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        draining = true;
        for (const response of inFlight) sayClose(response);
        // The callback gets ERR_SERVER_NOT_RUNNING when the server was already closed: closed is closed.
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
};

/** Node ends the connection after an answer whose headers say `Connection: close`. */
const sayClose = (response: ServerResponse): void => {
  if (!response.headersSent) response.setHeader('Connection', 'close');
};
