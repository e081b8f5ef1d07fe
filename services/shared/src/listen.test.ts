import { createServer } from 'node:http';
import { expect } from 'chai';
import { ListenError, listen } from './listen.ts';

describe('shared/listen', () => {
  it('resolves with the bound address on port 0', async () => {
    const server = createServer();
    const addr = await listen(server, 0, '127.0.0.1');
    expect(addr.port).to.be.greaterThan(0);
    expect(addr.address).to.equal('127.0.0.1');
    server.close();
  });

  it('rejects with a clear EADDRINUSE error', async () => {
    const first = createServer();
    const { port } = await listen(first, 0, '127.0.0.1');
    const second = createServer();
    try {
      await listen(second, port, '127.0.0.1', 'app');
      expect.fail('second listen should fail');
    } catch (err) {
      expect(err).to.be.instanceOf(ListenError);
      expect((err as ListenError).code).to.equal('EADDRINUSE');
      expect((err as Error).message).to.equal(`app cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`);
    } finally {
      first.close();
    }
  });
});
