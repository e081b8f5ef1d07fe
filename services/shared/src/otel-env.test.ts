import { expect } from 'chai';
import { ConfigError } from './config.ts';
import { checkOtelEnv, tracingExports } from './otel-env.ts';

function refused(env: Record<string, string>): ConfigError {
  try {
    checkOtelEnv(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('shared/otel-env', () => {
  it('accepts what the SDK acts on, including what the manifests, bench and tests set', () => {
    for (const env of [
      {},
      { OTEL_SDK_DISABLED: 'TRUE ' },
      { OTEL_TRACES_EXPORTER: 'none' },
      { OTEL_TRACES_EXPORTER: 'otlp, console' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4318' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      { OTEL_PROPAGATORS: 'tracecontext,baggage,b3' },
      { OTEL_PROPAGATORS: 'none' },
      { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100' },
      { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1024', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '0' },
      { OTEL_RESOURCE_ATTRIBUTES: 'k8s.namespace.name=pingpong-mesh,k8s.pod.name=pinger-7d9f-abc,k8s.pod.uid=0f3e' },
      { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x' },
      { OTEL_LOG_LEVEL: 'warn', OTEL_SERVICE_NAME: 'pinger' },
      { OTEL_TRACES_SAMPLER: '   ' }, // blank is unset, as upstream
    ])
      expect(() => checkOtelEnv(env), JSON.stringify(env)).not.to.throw();
  });

  it('refuses garbage in each variable, naming it and what was expected', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED', /one of true, false/],
      [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER', /otlp, zipkin, console, or none alone/],
      [{ OTEL_TRACES_EXPORTER: 'otlp,none' }, 'OTEL_TRACES_EXPORTER', /none alone/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT', /http:\/\/ or https:\/\//],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' }, 'OTEL_EXPORTER_OTLP_ENDPOINT', /URL/],
      [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http:///v1/traces' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', /URL with host/],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, 'OTEL_EXPORTER_OTLP_PROTOCOL', /grpc, http\/json, http\/protobuf/],
      [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER', /parentbased_traceidratio/],
      [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG', /0\.\.1/],
      [{ OTEL_TRACES_SAMPLER_ARG: 'half' }, 'OTEL_TRACES_SAMPLER_ARG', /0\.\.1/],
      [{ OTEL_PROPAGATORS: 'w3c' }, 'OTEL_PROPAGATORS', /tracecontext, baggage, b3, b3multi/],
      [{ OTEL_PROPAGATORS: 'tracecontext,xray' }, 'OTEL_PROPAGATORS', /tracecontext/],
      [{ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-1' }, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', /integer >= 0/],
      [{ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: 'many' }, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', /integer >= 0/],
      [{ OTEL_BSP_SCHEDULE_DELAY: '0' }, 'OTEL_BSP_SCHEDULE_DELAY', /> 0/],
      [{ OTEL_BSP_MAX_QUEUE_SIZE: '1.5' }, 'OTEL_BSP_MAX_QUEUE_SIZE', /integer > 0/],
      [{ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096' }, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', /<= OTEL_BSP_MAX_QUEUE_SIZE \(2048\)/],
      [{ OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, 'OTEL_EXPORTER_OTLP_TIMEOUT', /> 0/],
      [{ OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }, 'OTEL_EXPORTER_OTLP_COMPRESSION', /none, gzip/],
      [{ OTEL_LOG_LEVEL: 'loud' }, 'OTEL_LOG_LEVEL', /VERBOSE/],
      [{ OTEL_NODE_RESOURCE_DETECTORS: 'k8s' }, 'OTEL_NODE_RESOURCE_DETECTORS', /host/],
      [{ OTEL_RESOURCE_ATTRIBUTES: 'a=b,c' }, 'OTEL_RESOURCE_ATTRIBUTES', /key=value/],
      [{ OTEL_RESOURCE_ATTRIBUTES: `a=${'x'.repeat(256)}` }, 'OTEL_RESOURCE_ATTRIBUTES', /255/],
      [{ OTEL_RESOURCE_ATTRIBUTES: 'a=%E0%A4%A' }, 'OTEL_RESOURCE_ATTRIBUTES', /percent-encoded/],
    ];
    for (const [env, key, expected] of cases) {
      const err = refused(env);
      expect(err.key, JSON.stringify(env)).to.equal(key);
      expect(err.expected, JSON.stringify(env)).to.match(expected);
      expect(err.got).to.include(`(from env ${key})`);
    }
  });

  it('never shows a secret: headers are not echoed, endpoint credentials are refused and redacted', () => {
    const headers = refused({ OTEL_EXPORTER_OTLP_HEADERS: 's3cret-token' });
    expect(headers.message).not.to.include('s3cret');
    const endpoint = refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:s3cret@collector:4318' });
    expect(endpoint.expected).to.include('no credentials');
    expect(endpoint.message).not.to.include('s3cret');
  });

  it('tells whether spans are exported (the shutdown budget then holds a flush)', () => {
    expect(tracingExports({})).to.equal(true);
    expect(tracingExports({ OTEL_SDK_DISABLED: 'true' })).to.equal(false);
    expect(tracingExports({ OTEL_TRACES_EXPORTER: 'none' })).to.equal(false);
    expect(tracingExports({ OTEL_TRACES_EXPORTER: 'console' })).to.equal(true);
  });
});
