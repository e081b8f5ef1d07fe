// Promise-based listen that rejects with an error naming what could not bind and the config key
// that sets the port.
import type { AddressInfo, Server } from 'node:net';

export class ListenError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'ListenError';
    this.code = code;
  }
}

const HINTS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this host',
};

/** `key` names the setting to change, e.g. `service.port (PORT)`; it ends the error message. */
export function listen(server: Server, port: number, host: string, name = 'server', key?: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const hint = (err.code && HINTS[err.code]) ?? err.message;
      const change = key === undefined ? '' : `; change ${key}${err.code === 'EADDRNOTAVAIL' ? ' or service.host (HOST)' : ''}`;
      reject(
        new ListenError(`${name} cannot listen on ${host}:${port}: ${hint}${err.code ? ` (${err.code})` : ''}${change}`, err.code, err),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      // a numeric port and a host: a TCP address (null or a pipe path only for closed or IPC servers)
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
