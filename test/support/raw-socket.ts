// Raw loopback TCP to a server under test, for what an HTTP client would not send or would hide:
// pipelined requests, malformed bytes, connections left idle or half-sent.
import { connect, type Socket } from 'node:net';

/** A raw loopback connection: everything the server sent, and whether it closed. */
export interface RawConnection {
  socket: Socket;
  /** all bytes received so far, as latin1 */
  text(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

/** Connects to 127.0.0.1:port; resolves once connected. */
export function openRaw(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let text = '';
    let isClosed = false;
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, text: () => text, closed, isClosed: () => isClosed }));
    const closed = new Promise<void>((r) =>
      socket.on('close', () => {
        isClosed = true;
        r();
      }),
    );
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', reject);
  });
}

/** Writes raw bytes on a fresh connection; resolves with what the server sent before closing (a reset counts as closed). */
export function rawExchange(port: number, data: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('server neither answered nor closed'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(data);
  });
}
