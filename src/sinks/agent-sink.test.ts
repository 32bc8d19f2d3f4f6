import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OspreyError } from '../util/errors.js';
import { checkDestinationFlags, createAgentSink, NO_DESTINATION } from './agent-sink.js';
import { IngestServer } from './testdata/ingest-server.js';
import { makeRecord, spanIdOf } from './testdata/records.js';

const fails = (flags: Parameters<typeof checkDestinationFlags>[0], message: string | RegExp): void =>
  assert.throws(
    () => checkDestinationFlags(flags),
    (e: unknown) => e instanceof OspreyError && (typeof message === 'string' ? e.message === message : message.test(e.message)),
  );

test('agent sink flags: at least one destination; token goes with server; errors name the flag', () => {
  fails({}, NO_DESTINATION);
  fails({ server: 'http://127.0.0.1:7070' }, /^--server needs --token/);
  fails({ server: 'localhost:7070', token: 't' }, /^--server: expected an http:\/\/ or https:\/\/ URL/);
  fails({ server: 'http://h', token: 'a b' }, /^--token: must not contain whitespace/);
  fails({ otlp: 'collector' }, /^--otlp: expected an http:\/\/ or https:\/\/ URL/);
  checkDestinationFlags({ jsonl: '-' });
  checkDestinationFlags({ otlp: 'http://c:4318' });
});

test('agent sink: --jsonl + --server + --otlp all receive every record, each remote with its own spool', async (t) => {
  const server = await new IngestServer().start();
  t.after(() => server.stop());
  const dir = mkdtempSync(join(tmpdir(), 'osprey-agent-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const jsonl = join(dir, 'calls.jsonl');
  const sink = createAgentSink({ jsonl, server: server.url, token: 'test-token', otlp: server.url, spoolDir: join(dir, 'spool'), version: '1.2.3' });
  assert.ok(existsSync(join(dir, 'spool', 'server')) && existsSync(join(dir, 'spool', 'otlp')));
  for (let n = 0; n < 20; n++) sink.write(makeRecord(n));
  await sink.flush();
  await server.waitFor(() => server.received.size === 20 && server.spans.size === 20, 10_000, '20 records and 20 spans');
  await sink.close();
  assert.equal(readFileSync(jsonl, 'utf8').trim().split('\n').length, 20);
  assert.ok(server.received.has(spanIdOf(19)) && server.spans.has(spanIdOf(19)));
});

test('agent sink: OTLP headers come from OTEL_EXPORTER_OTLP_TRACES_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS', async () => {
  const { otlpHeadersFromEnv } = await import('./agent-sink.js');
  assert.deepEqual(otlpHeadersFromEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1' }), { a: '1' });
  assert.deepEqual(otlpHeadersFromEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=2' }), { b: '2' });
  assert.throws(() => otlpHeadersFromEnv({ OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x' }), /^OspreyError: OTEL_EXPORTER_OTLP_TRACES_HEADERS:|OTEL_EXPORTER_OTLP_TRACES_HEADERS: expected/);
});
