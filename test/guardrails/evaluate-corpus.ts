/**
 * Scores the guardrails engine against the labelled corpus: per detector, sample-level
 * precision and recall (a detector "predicts" a sample when it reports at least one match in it).
 * Shared by the accuracy test (src/guardrails/accuracy.test.ts) and the benchmark.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGuardrailsConfig, type GuardrailsConfig } from '../../src/guardrails/config.js';
import { scanText } from '../../src/guardrails/scan.js';
import { BUILTIN_DETECTORS, type BuiltinDetector } from '../../src/guardrails/types.js';
import { corpusDir, type CorpusSample } from './generate-corpus.js';

export const CORPUS_FILES = ['corpus.jsonl', 'hard-cases.jsonl'] as const;

export function loadCorpus(files: readonly string[] = CORPUS_FILES): CorpusSample[] {
  const out: CorpusSample[] = [];
  for (const f of files) {
    const text = readFileSync(join(corpusDir(), f), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('//')) return;
      try {
        out.push(JSON.parse(line) as CorpusSample);
      } catch (err) {
        throw new Error(`${f}:${i + 1}: ${(err as Error).message}`);
      }
    });
  }
  return out;
}

/** Every detector on, IP included (the corpus labels IP addresses). */
export function corpusConfig(): GuardrailsConfig {
  return parseGuardrailsConfig({ detectors: { ip_address: true } });
}

export interface DetectorScore {
  detector: BuiltinDetector;
  tp: number;
  fp: number;
  fn: number;
  positives: number;
  precision: number;
  recall: number;
}

export interface Misclassified {
  id: string;
  detector: BuiltinDetector;
  error: 'fp' | 'fn';
  text: string;
}

export interface CorpusReport {
  samples: number;
  positives: number;
  negatives: number;
  scores: DetectorScore[];
  errors: Misclassified[];
  /** Injection false positives among samples with no labels at all. */
  injectionFalsePositivesOnNegatives: number;
}

export function predict(sample: CorpusSample, config: GuardrailsConfig): Set<BuiltinDetector> {
  const matches = scanText(sample.text, config, { direction: 'input', role: sample.role ?? 'user' });
  const got = new Set<BuiltinDetector>();
  for (const m of matches) if (m.detector !== 'custom') got.add(m.detector);
  return got;
}

export function evaluateCorpus(samples: readonly CorpusSample[], config = corpusConfig()): CorpusReport {
  const counts = new Map<BuiltinDetector, { tp: number; fp: number; fn: number; positives: number }>();
  for (const d of BUILTIN_DETECTORS) counts.set(d, { tp: 0, fp: 0, fn: 0, positives: 0 });
  const errors: Misclassified[] = [];
  let negatives = 0;
  let injFpOnNegatives = 0;
  for (const s of samples) {
    const got = predict(s, config);
    const want = new Set(s.labels as BuiltinDetector[]);
    if (want.size === 0) {
      negatives++;
      if (got.has('prompt_injection')) injFpOnNegatives++;
    }
    for (const d of BUILTIN_DETECTORS) {
      const c = counts.get(d)!;
      const w = want.has(d);
      const g = got.has(d);
      if (w) c.positives++;
      if (w && g) c.tp++;
      else if (g) {
        c.fp++;
        errors.push({ id: s.id, detector: d, error: 'fp', text: s.text });
      } else if (w) {
        c.fn++;
        errors.push({ id: s.id, detector: d, error: 'fn', text: s.text });
      }
    }
  }
  const scores: DetectorScore[] = BUILTIN_DETECTORS.map((d) => {
    const c = counts.get(d)!;
    return {
      detector: d,
      ...c,
      precision: c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp),
      recall: c.positives === 0 ? 1 : c.tp / c.positives,
    };
  });
  return { samples: samples.length, positives: samples.length - negatives, negatives, scores, errors, injectionFalsePositivesOnNegatives: injFpOnNegatives };
}

export function formatReport(r: CorpusReport): string {
  const lines = [
    `corpus: ${r.samples} samples (${r.positives} positive, ${r.negatives} negative)`,
    'detector           positives   tp   fp   fn  precision  recall',
  ];
  for (const s of r.scores) {
    lines.push(
      `${s.detector.padEnd(18)} ${String(s.positives).padStart(9)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}  ${s.precision.toFixed(4).padStart(9)}  ${s.recall.toFixed(4).padStart(6)}`,
    );
  }
  lines.push(`prompt_injection false positives on the ${r.negatives} negatives: ${r.injectionFalsePositivesOnNegatives}`);
  return lines.join('\n');
}
