import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OspreyError } from '../../util/errors.js';
import { IngestServer } from '../testdata/ingest-server.js';
import { makeRecord, spanIdOf } from '../testdata/records.js';
import { parseOtlpHeadersEnv, resolveOtlpSinkConfig } from './config.js';
import { encodeSpan, encodeTraces, isoToUnixNano, parseOtlpResponse, SPAN_KIND_CLIENT, STATUS_CODE_ERROR, toAnyValue, type KeyValue } from './encoder.js';
import { createOtlpSink } from './sink.js';

type T = { after: (fn: () => void | Promise<void>) => void };

const attr = (kvs: KeyValue[], key: string): unknown => kvs.find((kv) => kv.key === key)?.value;

test('otlp: ISO-8601 times become Unix nanoseconds as strings, any precision, Z or offset', () => {
  assert.equal(isoToUnixNano('2026-11-28T19:38:11.123456Z'), '1795894691123456000');
  assert.equal(isoToUnixNano('2026-11-28T19:38:11Z'), '1795894691000000000');
  assert.equal(isoToUnixNano('2026-11-28T19:38:11.123456789Z'), '1795894691123456789');
  assert.equal(isoToUnixNano('2026-11-28T20:38:11.5+01:00'), '1795894691500000000');
  assert.equal(isoToUnixNano('1970-01-01T00:00:00.000001Z'), '1000');
  for (const bad of ['', 'yesterday', '2026-11-28 19:38:11Z', '2026-11-28T19:38:11.1234567891Z']) assert.equal(isoToUnixNano(bad), null, bad);
});

test('otlp: attribute values map to AnyValue; objects and object arrays become JSON strings', () => {
  assert.deepEqual(toAnyValue('x'), { stringValue: 'x' });
  assert.deepEqual(toAnyValue(true), { boolValue: true });
  assert.deepEqual(toAnyValue(12), { intValue: '12' });
  assert.deepEqual(toAnyValue(0.2), { doubleValue: 0.2 });
  assert.deepEqual(toAnyValue(['stop', 'length']), { arrayValue: { values: [{ stringValue: 'stop' }, { stringValue: 'length' }] } });
  assert.deepEqual(toAnyValue([1, 2]), { arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }] } });
  assert.deepEqual(toAnyValue([1, 'a']), { stringValue: '[1,"a"]' }, 'mixed arrays are JSON');
  const messages = [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }];
  assert.deepEqual(toAnyValue(messages), { stringValue: JSON.stringify(messages) });
  assert.deepEqual(toAnyValue({ a: 1 }), { stringValue: '{"a":1}' });
  assert.equal(toAnyValue(null), null);
  assert.equal(toAnyValue(undefined), null);
  assert.equal(toAnyValue(Number.NaN), null);
});

test('otlp: an LlmCall becomes a CLIENT span with hex ids, parent, times and GenAI attributes', () => {
  const call = makeRecord(4);
  const span = encodeSpan(call);
  assert.equal(span.traceId, call.trace_id);
  assert.equal(span.spanId, call.span_id);
  assert.equal(span.parentSpanId, call.parent_span_id);
  assert.equal(span.kind, SPAN_KIND_CLIENT);
  assert.equal(span.name, 'chat gpt-4o-mini');
  assert.equal(span.startTimeUnixNano, '1795894691123456000');
  assert.equal(span.endTimeUnixNano, '1795894692000001000');
  assert.deepEqual(span.status, {});
  assert.deepEqual(attr(span.attributes, 'gen_ai.provider.name'), { stringValue: 'openai' });
  assert.deepEqual(attr(span.attributes, 'gen_ai.usage.input_tokens'), { intValue: '16' });
  assert.deepEqual(attr(span.attributes, 'gen_ai.response.finish_reasons'), { arrayValue: { values: [{ stringValue: 'stop' }] } });
  const input = attr(span.attributes, 'gen_ai.input.messages') as { stringValue: string };
  assert.deepEqual(JSON.parse(input.stringValue), call.attributes['gen_ai.input.messages']);
  assert.deepEqual(attr(span.attributes, 'process.pid'), { intValue: '4242' }, 'process.* stay on the span');
  assert.equal(encodeSpan(makeRecord(3)).parentSpanId, undefined, 'a root span has no parentSpanId');
});

test('otlp: status is ERROR when the provider answered >= 400 or the call failed', () => {
  const e = encodeSpan(makeRecord(6)); // makeRecord gives n % 7 === 6 an HTTP 429
  assert.deepEqual(e.status, { code: STATUS_CODE_ERROR, message: 'HTTP 429' });
  const call = makeRecord(1);
  call.attributes['error.type'] = 'timeout';
  assert.deepEqual(encodeSpan(call).status, { code: STATUS_CODE_ERROR, message: 'timeout' });
});

test('otlp: resourceSpans → scopeSpans → spans, with service.name=osprey-agent and host.name', () => {
  const req = encodeTraces([makeRecord(0), makeRecord(1)], { serviceName: 'osprey-agent', serviceVersion: '0.1.0', hostName: 'h1' });
  assert.equal(req.resourceSpans.length, 1);
  const rs = req.resourceSpans[0]!;
  assert.deepEqual(rs.resource.attributes, [
    { key: 'service.name', value: { stringValue: 'osprey-agent' } },
    { key: 'service.version', value: { stringValue: '0.1.0' } },
    { key: 'host.name', value: { stringValue: 'h1' } },
  ]);
  assert.deepEqual(rs.scopeSpans[0]!.scope, { name: 'osprey', version: '0.1.0' });
  assert.equal(rs.scopeSpans[0]!.spans.length, 2);
});

test('otlp: partialSuccess.rejectedSpans (string or number) is read as rejected', () => {
  assert.deepEqual(parseOtlpResponse('{}', 5), { accepted: 5, rejected: 0, firstError: null });
  assert.deepEqual(parseOtlpResponse('{"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad span"}}', 5), { accepted: 3, rejected: 2, firstError: 'bad span' });
  assert.deepEqual(parseOtlpResponse('{"partialSuccess":{"rejectedSpans":1}}', 5), { accepted: 4, rejected: 1, firstError: null });
  assert.deepEqual(parseOtlpResponse('', 5), { accepted: 5, rejected: 0, firstError: null });
});

test('otlp config: base URL or full traces URL; bad values name the field', () => {
  const c = (url: string) => resolveOtlpSinkConfig({ url, spoolDir: '/tmp/x' }).tracesUrl;
  assert.equal(c('http://collector:4318'), 'http://collector:4318/v1/traces');
  assert.equal(c('http://collector:4318/'), 'http://collector:4318/v1/traces');
  assert.equal(c('http://collector:4318/v1/traces'), 'http://collector:4318/v1/traces');
  assert.equal(c('https://gw/otel/'), 'https://gw/otel/v1/traces');
  for (const [cfg, field] of [
    [{ url: 'collector:4318', spoolDir: '/x' }, 'url'],
    [{ url: 'http://c', spoolDir: '/x', headers: { 'bad header': 'v' } }, 'headers'],
    [{ url: 'http://c', spoolDir: '' }, 'spoolDir'],
  ] as const) {
    assert.throws(
      () => resolveOtlpSinkConfig(cfg),
      (e: unknown) => e instanceof OspreyError && e.code === 'OSP_ERR_SINK_CONFIG' && e.message.startsWith(`${field}:`),
    );
  }
});

test('otlp: OTEL_EXPORTER_OTLP_HEADERS is key=value pairs, percent-encoded; a bad one names the variable', () => {
  assert.deepEqual(parseOtlpHeadersEnv('Authorization=Bearer%20tok, x-tenant = a=b '), { authorization: 'Bearer tok', 'x-tenant': 'a=b' });
  assert.deepEqual(parseOtlpHeadersEnv(undefined), {});
  assert.deepEqual(parseOtlpHeadersEnv(''), {});
  assert.throws(
    () => parseOtlpHeadersEnv('novalue'),
    (e: unknown) => e instanceof OspreyError && e.message.startsWith('OTEL_EXPORTER_OTLP_HEADERS: expected key=value'),
  );
});

test('otlp sink: spans reach a collector; with the collector down they wait in the spool, none lost', async (t: T) => {
  const collector = await new IngestServer().start();
  t.after(() => collector.stop());
  await collector.stop();
  const dir = mkdtempSync(join(tmpdir(), 'osprey-otlp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sink = createOtlpSink({
    url: collector.url,
    spoolDir: dir,
    headers: { 'x-api-key': 'k' },
    serviceVersion: '9.9.9',
    batch: { maxBatchSize: 40, scheduledDelayMs: 10 },
    retry: { initialBackoffMs: 10, maxBackoffMs: 50 },
    exportDeadlineMs: 200,
    holdMs: 30,
  });
  const N = 200;
  for (let n = 0; n < N; n++) sink.write(makeRecord(n));
  await sink.sync();
  await collector.start();
  await collector.waitFor(() => collector.spans.size >= N, 10_000, `${N} spans`);
  for (let n = 0; n < N; n++) assert.ok(collector.spans.has(spanIdOf(n)), `span ${n}`);
  const req = collector.log.find((r) => r.path === '/v1/traces')!;
  assert.equal(req.headers['content-encoding'], 'gzip');
  assert.equal(req.headers['x-api-key'], 'k');
  const body = collector.otlpBodies[0] as ReturnType<typeof encodeTraces>;
  assert.deepEqual(body.resourceSpans[0]!.resource.attributes, [
    { key: 'service.name', value: { stringValue: 'osprey-agent' } },
    { key: 'service.version', value: { stringValue: '9.9.9' } },
    { key: 'host.name', value: { stringValue: hostname() } },
  ]);
  await sink.close();
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('segment-')), []);
});
