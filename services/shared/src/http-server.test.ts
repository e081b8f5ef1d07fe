// The limited node:http server in-process, on port 0 with shortened limits: pipelining past the
// limit, exact answers to malformed and late requests, timeouts at the time they name, shutdown.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import { captureLogger } from '../../../test/support/capture-logger.ts';
import { closeNow } from '../../../test/support/http.ts';
import { pollUntil, REAL_CLOCK_RETRIES } from '../../../test/support/poll.ts';
import { openRaw } from '../../../test/support/raw-socket.ts';
import { ADMIN_LIMITS, APP_LIMITS, checkingIntervalMs, closeConnections, createLimitedServer, type HttpLimits } from './http-server.ts';
import { listen } from './listen.ts';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);

describe('shared/http-server (limited node:http server)', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    if (server) await closeNow(server);
    server = undefined;
  });

  async function start(handler: RequestListener, limits: Partial<HttpLimits> = {}, withLogger = true) {
    const log = captureLogger();
    server = createLimitedServer(handler, { limits: { ...APP_LIMITS, ...limits }, logger: withLogger ? log.logger : undefined });
    const { port } = await listen(server, 0, '127.0.0.1');
    const connect = async () => {
      const raw = await openRaw(port);
      sockets.push(raw.socket);
      return raw;
    };
    return { server, port, log, connect };
  }

  it('checks the timeouts every tenth of the shorter one, within 50 ms..1 s', () => {
    expect(checkingIntervalMs(APP_LIMITS)).to.equal(1000);
    expect(checkingIntervalMs(ADMIN_LIMITS)).to.equal(500);
    expect(checkingIntervalMs({ ...APP_LIMITS, headersTimeoutMs: 1234, requestTimeoutMs: 5000 })).to.equal(123);
    expect(checkingIntervalMs({ ...APP_LIMITS, headersTimeoutMs: 5000, requestTimeoutMs: 870 })).to.equal(87);
    expect(checkingIntervalMs({ ...APP_LIMITS, headersTimeoutMs: 300, requestTimeoutMs: 400 })).to.equal(50);
  });

  it('past maxPipelined requests on a connection: 503 and close; it is read no further, the rest never reach the handler', async () => {
    let handled = 0;
    let bytesRead = 0;
    const { connect } = await start(
      (req, res) => {
        handled++;
        setTimeout(() => {
          bytesRead = req.socket.bytesRead;
          res.end('ok');
        }, 300);
      },
      { maxPipelined: 3 },
    );
    const raw = await connect();
    raw.socket.write(GET('/').repeat(6)); // 3 in progress, the 4th gets the 503, 2 more parsed behind it
    // the late bytes must come while the connection is still open: the three answers (and the 503
    // behind them) are written only after 300 ms, so wait for the handlers, not for the 503
    await pollUntil(() => handled === 3, 2000, 'three requests in progress');
    raw.socket.write(GET('/').repeat(1000)); // arrives after the 503: never read
    await Promise.race([raw.closed, new Promise((r) => setTimeout(r, 5000))]);
    expect(raw.isClosed(), 'the server closes the connection').to.equal(true);
    expect(statuses(raw.text())).to.deep.equal(['200', '200', '200', '503']);
    const shed = raw.text().slice(raw.text().indexOf('HTTP/1.1 503'));
    expect(shed).to.match(/\r\nconnection: close\r\n/i);
    expect(shed).to.match(/\r\ncontent-type: text\/plain; charset=utf-8\r\n/i);
    expect(shed.endsWith('\r\n\r\ntoo many pipelined requests\n')).to.equal(true);
    expect(handled, 'requests handed to the app').to.equal(3);
    expect(bytesRead, 'bytes the server read from the connection').to.equal(GET('/').length * 6);
  });

  it('answers oversized headers 431 and garbage 400, exactly, then closes; logs the parser code at debug', async () => {
    const { connect, log } = await start((_req, res) => res.end('ok'), { maxHeaderSize: 1024 });
    const big = await connect();
    big.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2048)}\r\n\r\n`);
    const garbage = await connect();
    garbage.socket.write('HELLO THERE\r\n\r\n');
    await Promise.all([big.closed, garbage.closed]);
    expect(big.text()).to.equal('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(garbage.text()).to.equal('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    const codes = log.lines.filter((l) => l.msg === 'client error').map((l) => [l.level, l.code]);
    expect(codes).to.have.deep.members([
      ['debug', 'HPE_HEADER_OVERFLOW'],
      ['debug', 'HPE_INVALID_METHOD'],
    ]);
  });

  it("without a logger (pinger's admin port) answers the same", async () => {
    const { connect } = await start((_req, res) => res.end('ok'), {}, false);
    const garbage = await connect();
    garbage.socket.write('HELLO THERE\r\n\r\n');
    await garbage.closed;
    expect(garbage.text()).to.equal('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  describe('timeouts fire at the time they name (shortened here: 10 s and 30 s in production)', function () {
    this.retries(REAL_CLOCK_RETRIES);
    /** Sends with `send`, then waits up to 5 s for the server to close; the time taken and the answer. */
    async function cutAfter(limits: Partial<HttpLimits>, send: (s: Socket) => NodeJS.Timeout): Promise<{ ms: number; answer: string }> {
      const { connect } = await start((req, res) => {
        res.statusCode = req.method === 'GET' ? 200 : 405;
        res.end(); // answered before any body has arrived
      }, limits);
      const raw = await connect();
      const t0 = Date.now();
      const trickle = send(raw.socket);
      await Promise.race([raw.closed, new Promise((r) => setTimeout(r, 5000))]);
      clearInterval(trickle);
      return { ms: Date.now() - t0, answer: raw.text() };
    }

    it('a slowloris sending one header byte every 100 ms is cut at the header timeout (1 s here), with 408', async () => {
      const { ms, answer } = await cutAfter({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 }, (s) => {
        s.write('GET /ping HTTP/1.1\r\nHost: x\r\n');
        return setInterval(() => s.write('X'), 100);
      });
      console.log(`      slowloris: cut after ${ms} ms (header timeout 1000 ms)`);
      expect(answer).to.equal('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      expect(ms).to.be.within(900, 1000 + 100 + 600);
    });

    it('a body sent one byte every 100 ms is cut at the request timeout (2 s here)', async () => {
      const { ms, answer } = await cutAfter({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 }, (s) => {
        s.write('POST /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
        return setInterval(() => s.write('x'), 100);
      });
      console.log(`      slow body: cut after ${ms} ms (request timeout 2000 ms)`);
      expect(answer, 'answered before the body arrived (405), then cut').to.match(/^HTTP\/1\.1 405 /);
      expect(ms).to.be.within(1900, 2000 + 100 + 600);
    });
  });

  it('shutdown: keep-alive holds until closeConnections; then idle ones close now, busy ones after their answer, new ones at once', async () => {
    const delays: Record<string, number> = { '/slow': 300, '/slower': 600 };
    const begun: string[] = [];
    const { server, connect } = await start((req, res) => {
      begun.push(req.url ?? '');
      setTimeout(() => res.end('ok'), delays[req.url ?? ''] ?? 0);
    });
    const busy = await connect();
    for (const n of [1, 2]) {
      busy.socket.write(GET('/'));
      await pollUntil(() => statuses(busy.text()).length === n, 2000, `answer ${n} on one keep-alive connection`);
    }
    expect(busy.isClosed(), 'keep-alive: open after two answers').to.equal(false);
    const idle = await connect();
    idle.socket.write(GET('/'));
    await pollUntil(() => statuses(idle.text()).length === 1, 2000, 'the idle connection answered');
    busy.socket.write(GET('/slow') + GET('/slower'));
    await pollUntil(() => begun.includes('/slow') && begun.includes('/slower'), 2000, '/slow and /slower in progress');

    expect(closeConnections(server)).to.equal(true);
    await idle.closed;
    expect(busy.isClosed(), 'the busy connection waits for its answers').to.equal(false);
    const late = await connect();
    await Promise.race([late.closed, new Promise((r) => setTimeout(r, 2000))]);
    expect(late.isClosed(), 'a connection made after closeConnections is closed at once').to.equal(true);
    expect(late.text()).to.equal('');
    await Promise.race([busy.closed, new Promise((r) => setTimeout(r, 3000))]);
    expect(busy.isClosed(), 'closed once /slower was answered (keep-alive is 65 s)').to.equal(true);
    expect(statuses(busy.text())).to.deep.equal(['200', '200', '200', '200']);
    expect(busy.text().endsWith('\r\n\r\nok')).to.equal(true);
    expect(closeConnections(createServer()), 'not a limited server').to.equal(false);
  });
});
