/**
 * Accuracy against the labelled corpus (test/guardrails): per-detector precision and recall must
 * meet the targets of issue 8, and the committed generated corpus must be exactly what the seeded
 * generator produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, generateCorpus, serialize } from '../../test/guardrails/generate-corpus.js';
import { evaluateCorpus, formatReport, loadCorpus } from '../../test/guardrails/evaluate-corpus.js';

const PII = ['email', 'phone', 'ssn', 'payment_card', 'iban', 'ip_address', 'secrets'] as const;

test('corpus: at least 500 positive and 500 negative samples, near misses included', () => {
  const samples = loadCorpus();
  const positives = samples.filter((s) => s.labels.length > 0).length;
  assert.ok(positives >= 500, `${positives} positives`);
  assert.ok(samples.length - positives >= 500, `${samples.length - positives} negatives`);
  const notes = new Set(samples.map((s) => s.note));
  for (const n of ['order number', 'uuid', 'timestamps', 'version strings', '16-digit non-Luhn', 'phone-like invoice number', 'benign ignoring', 'code snippet']) {
    assert.ok(notes.has(n), n);
  }
});

test('corpus: the committed file is what the seeded generator writes', () => {
  const committed = readFileSync(join(corpusDir(), 'corpus.jsonl'), 'utf8');
  assert.equal(committed, serialize(generateCorpus()), 'regenerate with: node dist/test/guardrails/generate-corpus.js');
});

test('accuracy: PII and secrets precision >= 0.99, recall >= 0.95; injection precision >= 0.95', (t) => {
  const report = evaluateCorpus(loadCorpus());
  t.diagnostic(formatReport(report));
  for (const e of report.errors) t.diagnostic(`${e.error} ${e.detector} ${e.id}: ${JSON.stringify(e.text).slice(0, 160)}`);
  for (const d of PII) {
    const s = report.scores.find((x) => x.detector === d)!;
    assert.ok(s.precision >= 0.99, `${d} precision ${s.precision}`);
    assert.ok(s.recall >= 0.95, `${d} recall ${s.recall}`);
  }
  const inj = report.scores.find((x) => x.detector === 'prompt_injection')!;
  assert.ok(inj.precision >= 0.95, `injection precision ${inj.precision}`);
  assert.ok(report.injectionFalsePositivesOnNegatives / report.negatives <= 0.05, 'injection false-positive rate on negatives');
});
