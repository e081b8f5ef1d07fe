// A small parser for the Prometheus / OpenMetrics text exposition, enough to read values back in
// tests: samples with labels, and the exemplar attached to a sample if any; and the sample names
// the metric families of an exposition can produce.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: { labels: Record<string, string>; value: number };
}

const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;

function parseLabels(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (m === null || m.index !== start) throw new Error(`exposition: bad label set {${text}} in ${where}`);
    out[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return out;
}

function parseValue(text: string | undefined, where: string): number {
  if (text === undefined) throw new Error(`exposition: missing value in ${where}`);
  // Prometheus parses these case-insensitively (Go's ParseFloat); prom-client 15 writes "Nan"
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`exposition: bad value ${JSON.stringify(text)} in ${where}`);
  return n;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*?)\})?\s+(\S+)(?:\s+\S+)?(?:\s+#\s+\{(.*?)\}\s+(\S+)(?:\s+\S+)?)?\s*$/;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`exposition: cannot parse line ${JSON.stringify(line)}`);
    const sample: Sample = { name: m[1] as string, labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3], line) };
    if (m[4] !== undefined) sample.exemplar = { labels: parseLabels(m[4], line), value: parseValue(m[5], line) };
    samples.push(sample);
  }
  return samples;
}

/** The samples named `name` whose labels include `labels`. */
export function find(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of exactly one matching sample; throws naming the query when there is none or more. */
export function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels);
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return (found[0] as Sample).value;
}

/** Sum over all matching samples (0 when none). */
export function sum(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return find(samples, name, labels).reduce((a, s) => a + s.value, 0);
}

/**
 * Metric families of a Prometheus/OpenMetrics exposition, mapped to the sample names each can
 * produce (a counter `x` -> `x_total`, a histogram `h` -> `h_bucket`, `h_sum`, `h_count`).
 */
export function exposedSampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) {
      const [, name = '', type = ''] = m;
      if (type === 'counter') {
        names.add(name.endsWith('_total') ? name : `${name}_total`);
        names.add(name);
      } else if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
      else names.add(name);
      continue;
    }
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (s?.[1]) names.add(s[1]);
  }
  return names;
}
