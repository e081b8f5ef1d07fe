// The ceiling for Node on this machine: a bare node:http server answering GET /ping with `pong`,
// no framework, no metrics, no tracing, no logging. Run as its own process:
// `PORT=0 node bench/bare-server.ts` prints {"listening":PORT} on stdout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export function createBareServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '4' }).end('pong');
    } else {
      res.writeHead(404).end();
    }
  });
}

if (import.meta.main) {
  const server = createBareServer();
  server.listen(Number(process.env['PORT'] ?? 0), process.env['HOST'] ?? '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`);
  });
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
