import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { ConfigError } from './config.ts';
import { checkOtelEnv, tracingExports } from './otel-env.ts';

const refused = (env: Record<string, string>): ConfigError => thrown(() => checkOtelEnv(env), ConfigError);

const ENDPOINT = 'an http:// or https:// URL with host, no credentials';
const EXPORTERS = 'a comma-separated list of otlp, zipkin, console, or none alone';
const PROPAGATORS = 'a comma-separated list of tracecontext, baggage, b3, b3multi, or none alone';
const B3_FIRST =
  "b3 and b3multi listed before tracecontext (the last one listed wins; behind Linkerd's proxies only traceparent names their span)";
const SAMPLERS = 'one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio';
const PROTOCOLS = 'one of http/json';
const MS = 'a number of milliseconds > 0';
const KEY_VALUES = 'comma-separated key=value pairs';
const RESOURCE = 'comma-separated key=value pairs, percent-encoded, each side at most 255 characters';

describe('shared/otel-env', () => {
  it('accepts what the SDK acts on, including what the manifests, bench and tests set', () => {
    for (const env of [
      {},
      { OTEL_SDK_DISABLED: 'TRUE ' },
      { OTEL_TRACES_EXPORTER: 'none' },
      { OTEL_TRACES_EXPORTER: 'otlp, console' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4318' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: ' HTTP://Collector:4318 ' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_COMPRESSION: ' gzip ' }, // trimmed upstream (otlp-exporter-base shared-env-configuration.mjs)
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      { OTEL_TRACES_SAMPLER_ARG: '0' },
      { OTEL_TRACES_SAMPLER_ARG: '1' },
      { OTEL_PROPAGATORS: 'b3,tracecontext,baggage' },
      { OTEL_PROPAGATORS: 'b3multi, b3, tracecontext' },
      { OTEL_PROPAGATORS: 'b3' },
      { OTEL_PROPAGATORS: 'b3,tracecontext,b3' }, // a repeated name keeps its first place upstream
      { OTEL_PROPAGATORS: 'tracecontext, ,baggage,' }, // empty items are dropped upstream
      { OTEL_PROPAGATORS: 'none' },
      { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100' },
      { OTEL_BSP_MAX_QUEUE_SIZE: ' 100 ', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: ' 100' },
      { OTEL_BSP_MAX_QUEUE_SIZE: ' ', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' }, // blank queue size: our default queue, 512 (budgets.ts)
      { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1024', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '0' },
      { OTEL_RESOURCE_ATTRIBUTES: 'k8s.namespace.name=pingpong-mesh,k8s.pod.name=pinger-7d9f-abc,k8s.pod.uid=0f3e' },
      { OTEL_RESOURCE_ATTRIBUTES: 'a=b,, ,c=,' }, // blank entries skipped, an empty value allowed
      { OTEL_RESOURCE_ATTRIBUTES: `${'k'.repeat(255)} = ${'%76'.repeat(255)}` }, // 255 each side, trimmed and decoded
      { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x' },
      { OTEL_LOG_LEVEL: 'warn', OTEL_SERVICE_NAME: 'pinger' },
      { OTEL_NODE_RESOURCE_DETECTORS: 'env, host' },
      { OTEL_TRACES_SAMPLER: '   ' }, // blank is unset, as upstream
    ])
      expect(() => checkOtelEnv(env), JSON.stringify(env)).not.to.throw();
  });

  it('refuses garbage in each variable, naming it, what was expected and what was given', () => {
    const cases: [string, string, string, Record<string, string>?][] = [
      ['OTEL_SDK_DISABLED', 'yes', 'one of true, false'],
      ['OTEL_TRACES_EXPORTER', 'jaeger', EXPORTERS],
      ['OTEL_TRACES_EXPORTER', 'otlp,none', EXPORTERS],
      ['OTEL_TRACES_EXPORTER', 'none,otlp', EXPORTERS],
      ['OTEL_TRACES_EXPORTER', ' , ', EXPORTERS],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', ENDPOINT],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://collector', ENDPOINT],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'shttp://collector', ENDPOINT],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://', ENDPOINT],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http:/collector', ENDPOINT],
      ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'http:///v1/traces', ENDPOINT],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http', PROTOCOLS],
      ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'json', PROTOCOLS],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', ' http/json', PROTOCOLS], // the SDK compares it untrimmed and falls back to http/protobuf
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', PROTOCOLS], // the services send OTLP/HTTP JSON only
      ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/protobuf', PROTOCOLS],
      ['OTEL_EXPORTER_OTLP_TIMEOUT', '0', MS],
      ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'soon', MS],
      ['OTEL_EXPORTER_OTLP_COMPRESSION', 'zstd', 'one of none, gzip'],
      ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'br', 'one of none, gzip'],
      ['OTEL_TRACES_SAMPLER', 'sometimes', SAMPLERS],
      ['OTEL_TRACES_SAMPLER', ' always_on', SAMPLERS], // the SDK compares the name untrimmed
      ['OTEL_TRACES_SAMPLER', 'ops@example', SAMPLERS],
      ['OTEL_TRACES_SAMPLER_ARG', '1.5', 'a number in 0..1'],
      ['OTEL_TRACES_SAMPLER_ARG', '-0.1', 'a number in 0..1'],
      ['OTEL_TRACES_SAMPLER_ARG', 'half', 'a number in 0..1'],
      ['OTEL_PROPAGATORS', 'w3c', PROPAGATORS],
      ['OTEL_PROPAGATORS', 'tracecontext,xray', PROPAGATORS],
      ['OTEL_PROPAGATORS', 'tracecontext,baggage,b3', B3_FIRST],
      ['OTEL_PROPAGATORS', 'b3, tracecontext, b3multi', B3_FIRST],
      ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', '-1', 'an integer >= 0'],
      ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'many', 'an integer >= 0'],
      ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', '1.5', 'an integer >= 0'],
      ['OTEL_ATTRIBUTE_COUNT_LIMIT', '-2', 'an integer >= 0'],
      ['OTEL_SPAN_EVENT_COUNT_LIMIT', 'x', 'an integer >= 0'],
      ['OTEL_SPAN_LINK_COUNT_LIMIT', 'x', 'an integer >= 0'],
      ['OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'x', 'an integer >= 0'],
      ['OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 'x', 'an integer >= 0'],
      ['OTEL_BSP_SCHEDULE_DELAY', '0', MS],
      ['OTEL_BSP_EXPORT_TIMEOUT', '-5', MS],
      ['OTEL_BSP_MAX_QUEUE_SIZE', '1.5', 'an integer > 0'],
      ['OTEL_BSP_MAX_QUEUE_SIZE', '0', 'an integer > 0'],
      ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '1.5', 'an integer > 0'],
      ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '513', 'an integer > 0 and <= OTEL_BSP_MAX_QUEUE_SIZE (512)'],
      [
        'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
        '101',
        'an integer > 0 and <= OTEL_BSP_MAX_QUEUE_SIZE (100)',
        { OTEL_BSP_MAX_QUEUE_SIZE: ' 100 ' },
      ],
      ['OTEL_LOG_LEVEL', 'loud', 'one of NONE, ERROR, WARN, INFO, DEBUG, VERBOSE, ALL'],
      ['OTEL_NODE_RESOURCE_DETECTORS', 'k8s', 'a comma-separated list of all, none, env, host, os, process, serviceinstance'],
      ['OTEL_NODE_RESOURCE_DETECTORS', 'host,k8s', 'a comma-separated list of all, none, env, host, os, process, serviceinstance'],
      ['OTEL_NODE_RESOURCE_DETECTORS', ',', 'a comma-separated list of all, none, env, host, os, process, serviceinstance'],
      ['OTEL_RESOURCE_ATTRIBUTES', 'a=b,c', RESOURCE],
      ['OTEL_RESOURCE_ATTRIBUTES', ' =v', RESOURCE],
      ['OTEL_RESOURCE_ATTRIBUTES', 'a=b=c', RESOURCE],
      ['OTEL_RESOURCE_ATTRIBUTES', `a=${'x'.repeat(256)}`, RESOURCE],
      ['OTEL_RESOURCE_ATTRIBUTES', `${'k'.repeat(256)}=v`, RESOURCE],
      ['OTEL_RESOURCE_ATTRIBUTES', 'a=%E0%A4%A', RESOURCE],
    ];
    for (const [name, raw, expected, more] of cases) {
      const err = refused({ ...more, [name]: raw });
      const shown = raw.length > 80 ? `${raw.slice(0, 80)}...` : raw;
      expect(err.message, `${name}=${raw}`).to.equal(`${name}: expected ${expected}, got ${JSON.stringify(shown)} (from env ${name})`);
    }
    expect(refused({ OTEL_TRACES_SAMPLER: 'x'.repeat(80) }).got).to.equal(`"${'x'.repeat(80)}" (from env OTEL_TRACES_SAMPLER)`);
  });

  it('never shows a secret: headers are not echoed, endpoint credentials are refused and redacted', () => {
    for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
      expect(refused({ [name]: 's3cret-token' }).message).to.equal(
        `${name}: expected ${KEY_VALUES}, got a value (not shown) (from env ${name})`,
      );
    }
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:s3cret@collector:4318' }).message).to.equal(
      `OTEL_EXPORTER_OTLP_ENDPOINT: expected ${ENDPOINT} (credentials in the URL would be logged), got "http://REDACTED@collector:4318" (from env OTEL_EXPORTER_OTLP_ENDPOINT)`,
    );
    for (const url of ['https://:s3cret@collector', 'https://s3cret@collector']) {
      expect(refused({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url }).message).to.equal(
        `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: expected ${ENDPOINT} (credentials in the URL would be logged), got "https://REDACTED@collector" (from env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)`,
      );
    }
  });

  it('tells whether spans are exported (the shutdown budget then holds a flush)', () => {
    expect(tracingExports({})).to.equal(true);
    expect(tracingExports({ OTEL_SDK_DISABLED: 'true' })).to.equal(false);
    expect(tracingExports({ OTEL_SDK_DISABLED: ' TRUE ' })).to.equal(false);
    expect(tracingExports({ OTEL_SDK_DISABLED: 'false' })).to.equal(true);
    expect(tracingExports({ OTEL_TRACES_EXPORTER: ' none ' })).to.equal(false);
    expect(tracingExports({ OTEL_TRACES_EXPORTER: 'console' })).to.equal(true);
  });
});
