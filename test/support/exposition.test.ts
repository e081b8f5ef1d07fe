import { expect } from 'chai';
import { find, parseExposition, sum, value } from './exposition.ts';

const TEXT = `# HELP pinger_requests Pings.
# TYPE pinger_requests counter
pinger_requests_total{outcome="success"} 3
pinger_requests_total{outcome="skipped"} 0
x_bucket{le="0.005",outcome="success"} 1 # {trace_id="0af7651916cd43dd8448eb211c80319c"} 0.003 1795395480.555
x_bucket{le="+Inf",outcome="success"} 1
esc{path="a\\"b\\\\c"} 1.5e3
plain 7
lag_mean Nan
up +Inf
# EOF
`;

describe('test helper: exposition parser', () => {
  it('reads samples, labels, escapes and exemplars', () => {
    const s = parseExposition(TEXT);
    expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(3);
    expect(sum(s, 'pinger_requests_total')).to.equal(3);
    expect(value(s, 'plain')).to.equal(7);
    expect(value(s, 'lag_mean')).to.be.NaN;
    expect(value(s, 'up')).to.equal(Number.POSITIVE_INFINITY);
    expect(value(s, 'esc')).to.equal(1500);
    expect(find(s, 'esc')[0]?.labels.path).to.equal('a"b\\c');
    expect(find(s, 'x_bucket', { le: '0.005' })[0]?.exemplar).to.deep.equal({
      labels: { trace_id: '0af7651916cd43dd8448eb211c80319c' },
      value: 0.003,
    });
    expect(value(s, 'x_bucket', { le: '+Inf' })).to.equal(1);
  });

  it('fails clearly on a broken line or an ambiguous query', () => {
    expect(() => parseExposition('foo{a="1" 2')).to.throw(/cannot parse line|bad label set/);
    expect(() => parseExposition('foo{a=1} 2')).to.throw(/bad label set/);
    expect(() => parseExposition('foo twelve')).to.throw(/bad value "twelve"/);
    expect(() => value(parseExposition(TEXT), 'pinger_requests_total')).to.throw(/found 2/);
    expect(() => value(parseExposition(TEXT), 'nope')).to.throw(/found 0/);
  });
});
