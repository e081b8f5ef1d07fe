// Loopback HTTP servers with scripted behaviour, for the pinger unit tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../../shared/src/listen.ts';

export interface TestServer {
  url: string;
  port: number;
  /** requests seen, in order */
  requests: IncomingMessage[];
  /** TCP connections accepted */
  connections: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  const state = { connections: 0 };
  server.on('connection', (s) => {
    state.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const pong: Handler = (_req, res) => {
  res.setHeader('x-ponger-client-id', 'none');
  res.end('pong');
};
export const unavailable: Handler = (_req, res) => {
  res.statusCode = 503;
  res.end('unavailable');
};
/** Reads the request and never answers. */
export const silent: Handler = () => {};
/** Destroys the socket without a response (the client sees ECONNRESET or a socket hang up). */
export const reset: Handler = (req) => {
  req.socket.destroy();
};
