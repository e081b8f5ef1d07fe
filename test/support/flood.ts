// A connection flood for load tests, run as its own process (spawnService) so the test process that
// measures latencies is not the one busy with the flood: `flood.ts PORT CONNECTIONS SECONDS [PATH]`.
// Each connection sends `GET PATH` again as soon as any answer bytes arrive; a closed connection is
// not reopened. Stops by itself after SECONDS and prints one JSON line {connected, closed, bytes}.
import { connect, type Socket } from 'node:net';

const [port, connections, seconds, path = '/ping'] = process.argv.slice(2);
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: flood\r\n\r\n`);
const sockets: Socket[] = [];
const stats = { connected: 0, closed: 0, bytes: 0 };
for (let i = 0; i < Number(connections); i++) {
  const s = connect(Number(port), '127.0.0.1');
  s.on('error', () => {});
  s.on('connect', () => {
    stats.connected++;
    s.write(request);
  });
  s.on('data', (d: Buffer) => {
    stats.bytes += d.length;
    s.write(request);
  });
  s.on('close', () => stats.closed++);
  sockets.push(s);
}
setTimeout(() => {
  for (const s of sockets) s.destroy();
  process.stdout.write(`${JSON.stringify({ msg: 'flood done', ...stats })}\n`);
}, Number(seconds) * 1000);
