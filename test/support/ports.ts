// Loopback ports for tests, harnesses and benchmarks.
import { createServer } from 'node:http';
import { listen } from '../../services/shared/src/listen.ts';
import { closeNow } from './http.ts';

/** A loopback port with nothing listening on it (bound on 0, then released): for a process to take later, or for a client to be refused by. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, 0, '127.0.0.1');
  await closeNow(server);
  return port;
}
