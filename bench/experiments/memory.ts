/**
 * Experiment (not part of `make bench`): memory one idle connection costs the pipeline, as the code
 * is and with ByteStream patched to release its buffer once empty (lib/conn-cost-child.ts), for
 * 10K connections. Writes bench/results/experiments/memory.md.
 *
 *   node dist/bench/experiments/memory.js
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT, REPO_ROOT } from '../lib/servers.js';

interface Cost {
  connections: number;
  heapBytesPerConnection: number;
  arrayBufferBytesPerConnection: number;
  rssDeltaMB: number;
}

async function cost(extra: string[]): Promise<Cost> {
  const child = spawn(process.execPath, ['--expose-gc', join(APP_ROOT, 'dist', 'bench', 'lib', 'conn-cost-child.js'), '10000', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  await new Promise((r) => child.on('close', r));
  return JSON.parse(out.trim().split('\n').pop() as string) as Cost;
}

const today = await cost([]);
const released = await cost(['--release-empty']);
const out = join(REPO_ROOT, 'bench', 'results', 'experiments');
mkdirSync(out, { recursive: true });
const row = (name: string, c: Cost): string =>
  `| ${name} | ${c.connections} | ${c.heapBytesPerConnection.toFixed(0)} | ${c.arrayBufferBytesPerConnection.toFixed(0)} | ${c.rssDeltaMB.toFixed(1)} |`;
const md = [
  '# Memory per idle connection',
  '',
  `Run ${new Date().toISOString()} by \`node dist/bench/experiments/memory.js\`: 10,000 connections, each one small chat completion, left open, in one Pipeline (no kernel); after a forced GC.`,
  '',
  '| build | connections | heap B / connection | array buffers B / connection | RSS growth MB |',
  '|---|---:|---:|---:|---:|',
  row('as built', today),
  row('ByteStream drops its buffer when empty (what-if)', released),
  '',
].join('\n');
writeFileSync(join(out, 'memory.md'), md);
process.stdout.write(md);
