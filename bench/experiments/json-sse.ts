/**
 * Experiment (not part of `make bench`): CPU to turn the data of 200 OpenAI chat-completion SSE
 * chunks into objects, as src/llm/sse-events.ts does today (one JSON.parse per event), against a
 * fast path that matches the common content-delta chunk with one anchored regular expression and
 * parses only the content string (anything else falls back to JSON.parse). Writes
 * bench/results/experiments/json-sse.md.
 *
 *   node dist/bench/experiments/json-sse.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/servers.js';

const chunk = (i: number): string =>
  `{"id":"chatcmpl-bench1","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"word${i} \\"q\\" "},"finish_reason":null}]}`;
const datas = Array.from({ length: 200 }, (_, i) => chunk(i));

const FAST =
  /^\{"id":"((?:[^"\\]|\\.)*)","object":"chat\.completion\.chunk","created":\d+,"model":"((?:[^"\\]|\\.)*)"(?:,"system_fingerprint":(?:null|"(?:[^"\\]|\\.)*"))?,"choices":\[\{"index":0,"delta":\{"content":("(?:[^"\\]|\\.)*")\},"finish_reason":null\}\]\}$/;

function full(): number {
  let n = 0;
  for (const d of datas) n += ((JSON.parse(d) as { choices: unknown[] }).choices.length);
  return n;
}

function fast(): number {
  let n = 0;
  for (const d of datas) {
    const m = FAST.exec(d);
    if (m) n += (JSON.parse(m[3] as string) as string).length;
    else n += ((JSON.parse(d) as { choices: unknown[] }).choices.length);
  }
  return n;
}

// The fast path must read the same text as the full parse.
for (const d of datas) {
  const m = FAST.exec(d);
  const viaFull = (JSON.parse(d) as { choices: Array<{ delta: { content: string } }> }).choices[0]?.delta.content;
  if (!m || JSON.parse(m[3] as string) !== viaFull) throw new Error(`fast path disagrees on ${d}`);
}

function measure(f: () => number, rounds: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / rounds;
}

const rounds = 3000;
measure(full, 300);
measure(fast, 300);
const rows: Array<[string, number]> = [];
for (let k = 0; k < 3; k++) rows.push(['JSON.parse per event (today)', measure(full, rounds)], ['fast path', measure(fast, rounds)]);
const med = (name: string): number => {
  const v = rows.filter((r) => r[0] === name).map((r) => r[1]).sort((a, b) => a - b);
  return v[1] ?? v[0] ?? NaN;
};
const out = join(REPO_ROOT, 'bench', 'results', 'experiments');
mkdirSync(out, { recursive: true });
const a = med('JSON.parse per event (today)');
const b = med('fast path');
const md = [
  '# SSE chunk parsing: JSON.parse per event vs a fast path',
  '',
  `Run ${new Date().toISOString()} by \`node dist/bench/experiments/json-sse.js\`. CPU per body of 200 chat.completion.chunk events (median of 3 × ${rounds} bodies).`,
  '',
  '| method | µs CPU per 200-event body |',
  '|---|---:|',
  `| JSON.parse per event (today) | ${a.toFixed(1)} |`,
  `| fast path (anchored regexp, JSON.parse of the content string only) | ${b.toFixed(1)} |`,
  '',
  `Speed-up ${(a / b).toFixed(1)}×. The fast path is checked against the full parse on every event before timing.`,
  '',
].join('\n');
writeFileSync(join(out, 'json-sse.md'), md);
process.stdout.write(md);
