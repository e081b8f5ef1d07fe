import { expect } from 'chai';
import { formatLine } from './log-format.ts';

describe('scripts/log-format', () => {
  it('prints a request line without repeating method, route and status', () => {
    const line = JSON.stringify({ time: '2026-11-23T12:00:01.123Z', level: 'info', service: 'ponger', msg: 'GET /ping 200', trace_id: 'abc', method: 'GET', route: '/ping', status: 200, duration_ms: 1.5, client_id: 'none' });
    const { text, record } = formatLine('ponger', line);
    expect(text).to.equal('ponger | 12:00:01 info GET /ping 200 duration_ms=1.5 client_id=none');
    expect(record?.status).to.equal(200);
  });

  it('quotes values with spaces and passes non-JSON lines through', () => {
    expect(formatLine('pinger', JSON.stringify({ time: '2026-11-23T12:00:02Z', level: 'warn', msg: 'ping', error: 'socket hang up', status: null })).text)
      .to.equal('pinger | 12:00:02 warn ping error="socket hang up" status=null');
    expect(formatLine('pinger', 'config error: x: expected y, got z')).to.deep.equal({ text: 'pinger | config error: x: expected y, got z' });
    expect(formatLine('pinger', '[1,2]').text).to.equal('pinger | [1,2]');
  });
});
