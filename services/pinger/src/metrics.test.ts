import { expect } from 'chai';
import { find, parseExposition, value } from '../../../test/support/exposition.ts';
import { createRegistry } from '../../shared/src/metrics.ts';
import { createPingerMetrics } from './metrics.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

describe('pinger metrics', () => {
  async function scrape(registry: ReturnType<typeof createRegistry>) {
    return parseExposition(await registry.metrics());
  }

  it('starts every outcome at 0 and the gauges at 0', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    createPingerMetrics(registry);
    const s = await scrape(registry);
    for (const outcome of ['success', 'http_error', 'timeout', 'connection_error', 'body_too_large', 'skipped']) {
      expect(value(s, 'pinger_requests_total', { outcome }), outcome).to.equal(0);
    }
    // only what can be retried has a retries series
    expect(
      find(s, 'pinger_retries_total')
        .map((x) => x.labels.outcome)
        .sort(),
    ).to.deep.equal(['connection_error', 'http_error', 'timeout']);
    expect(value(s, 'pinger_last_success_timestamp_seconds')).to.equal(0);
    expect(value(s, 'pinger_requests_in_flight')).to.equal(0);
    expect(find(s, 'http_client_request_duration_seconds_count')).to.have.length(0);
  });

  it('counts outcomes, retries, skips; observes durations with the trace id exemplar', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const m = createPingerMetrics(registry);
    m.recordPing({ outcome: 'success', latencyMs: 3, retried: ['http_error', 'timeout'] }, TRACE, 1_700_000_000_500);
    m.recordPing({ outcome: 'timeout', latencyMs: 800, retried: [] });
    m.recordPing({ outcome: 'http_error', latencyMs: 2, retried: [] }, TRACE, 1_700_000_009_000);
    m.recordSkipped(2);
    m.setInFlight(1);
    const s = await scrape(registry);
    expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(1);
    expect(value(s, 'pinger_requests_total', { outcome: 'timeout' })).to.equal(1);
    expect(value(s, 'pinger_requests_total', { outcome: 'http_error' })).to.equal(1);
    expect(value(s, 'pinger_requests_total', { outcome: 'skipped' })).to.equal(2);
    expect(value(s, 'pinger_retries_total', { outcome: 'http_error' })).to.equal(1);
    expect(value(s, 'pinger_retries_total', { outcome: 'timeout' })).to.equal(1);
    expect(value(s, 'pinger_last_success_timestamp_seconds')).to.equal(1_700_000_000.5); // only success moves it
    expect(value(s, 'pinger_requests_in_flight')).to.equal(1);
    expect(value(s, 'http_client_request_duration_seconds_count', { http_request_method: 'GET', outcome: 'timeout' })).to.equal(1);
    expect(value(s, 'http_client_request_duration_seconds_sum', { outcome: 'timeout' })).to.equal(0.8);
    const bucket = find(s, 'http_client_request_duration_seconds_bucket', { outcome: 'success', le: '0.005' })[0];
    expect(bucket?.value).to.equal(1);
    expect(bucket?.exemplar?.labels).to.deep.equal({ trace_id: TRACE });
    expect(find(s, 'http_client_request_duration_seconds_count', { outcome: 'skipped' })).to.have.length(0);
  });
});
