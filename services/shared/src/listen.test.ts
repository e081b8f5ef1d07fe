import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { ListenError, listen } from './listen.ts';

describe('shared/listen', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const server = (): Server => {
    const s = createServer();
    servers.push(s);
    return s;
  };
  /** the server's 'error' and 'listening' listeners: listen() must leave none of its own behind */
  const listeners = (s: Server): number[] => [s.listenerCount('error'), s.listenerCount('listening')];
  const failure = async (p: Promise<unknown>): Promise<ListenError> => {
    const err = await p.then(
      () => expect.fail('listen should fail'),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ListenError);
    return err as ListenError;
  };

  it('resolves with the bound address on port 0, and leaves later server errors to the caller', async () => {
    const s = server();
    const own = listeners(s);
    const addr = await listen(s, 0, '127.0.0.1');
    expect(addr.port).to.be.greaterThan(0);
    expect(addr.address).to.equal('127.0.0.1');
    expect(listeners(s)).to.deep.equal(own);
  });

  it('rejects EADDRINUSE naming the server, address, cause and the key to change', async () => {
    const { port } = await listen(server(), 0, '127.0.0.1');
    const second = server();
    const own = listeners(second);
    const err = await failure(listen(second, port, '127.0.0.1', 'app', 'service.port (PORT)'));
    expect([err.name, err.code]).to.deep.equal(['ListenError', 'EADDRINUSE']);
    expect(err.message).to.equal(`app cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); change service.port (PORT)`);
    expect((err.cause as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
    expect(listeners(second)).to.deep.equal(own);
    // the same server can try again
    expect((await listen(second, 0, '127.0.0.1')).port).to.be.greaterThan(0);
  });

  it('rejects an address this host does not have, naming the host key too', async () => {
    // 192.0.2.1: TEST-NET-1 (RFC 5737), never a local address
    const err = await failure(listen(server(), 0, '192.0.2.1', 'admin', 'admin.port (METRICS_PORT)'));
    expect(err.message).to.equal(
      'admin cannot listen on 192.0.2.1:0: address not available on this host (EADDRNOTAVAIL); change admin.port (METRICS_PORT) or service.host (HOST)',
    );
  });

  it("explains EACCES, and gives an unknown error's own message (without a code when it has none)", async () => {
    // a server whose listen() fails with the given error (root may bind any port, so EACCES is made here)
    const failing = (error: Error) => Object.assign(new EventEmitter(), { listen: () => fake.emit('error', error) });
    let fake = failing(Object.assign(new Error('listen EACCES'), { code: 'EACCES' }));
    expect((await failure(listen(fake as unknown as Server, 80, '0.0.0.0', 'app'))).message).to.equal(
      'app cannot listen on 0.0.0.0:80: permission denied (ports below 1024 need privileges) (EACCES)',
    );
    fake = failing(new Error('socket exploded'));
    const err = await failure(listen(fake as unknown as Server, 8080, '0.0.0.0'));
    expect(err.message).to.equal('server cannot listen on 0.0.0.0:8080: socket exploded');
    expect(err.code).to.equal(undefined);
    expect(thrown(() => fake.emit('error', new Error('later')), Error).message).to.equal('later');
  });
});
