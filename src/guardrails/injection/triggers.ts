/**
 * Finding injection triggers without a pass of their own. The scanning loop (scan.ts) already
 * walks every token; it folds each token's characters into a 32-bit hash as it skips them and asks
 * `wordTrigger` — one Map lookup per token, a string comparison only on a hash hit. Markup triggers
 * (`<|`, `<!--`, `</system>`, `[INST]`, `##`, `![`) are checked only at the four characters that
 * can start them. `collectTriggers` is the same walk on its own, for text the main loop never sees
 * (decoded payloads, Unicode-normalised text).
 */
import { CLS, C_TOKEN, startsWithCi } from '../detectors/chars.js';
import { SIGNALS, triggerTable, type Signal } from './signals.js';

export interface TriggerEntry {
  key: string;
  signals: Signal[];
  /** Each signal's position in SIGNALS (for per-scan counters kept in typed arrays). */
  indices: number[];
}

const TABLE = triggerTable();
const SIGNAL_INDEX = new Map<Signal, number>(SIGNALS.map((s, i) => [s, i]));
export const SIGNAL_COUNT = SIGNALS.length;
export const TRIGGER_ENTRIES: readonly TriggerEntry[] = [...TABLE].map(([key, signals]) => ({ key, signals, indices: signals.map((s) => SIGNAL_INDEX.get(s)!) }));
const INDEX = new Map<string, number>(TRIGGER_ENTRIES.map((e, i) => [e.key, i]));
const BY_HASH = new Map<number, number[]>();
/** Bit filter over the low 12 bits of trigger hashes: most tokens are rejected by one typed-array read. */
const FILTER = new Uint8Array(4096);

/** One step of the token hash; `| 32` folds ASCII upper case to lower (and leaves digits, `-` alone). */
export function hashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 32)) | 0;
}

let maxLen = 0;
TRIGGER_ENTRIES.forEach((e, i) => {
  if (!/^[a-z0-9_-]+$/.test(e.key)) return;
  let h = 0;
  for (let k = 0; k < e.key.length; k++) h = hashStep(h, e.key.charCodeAt(k));
  const list = BY_HASH.get(h) ?? [];
  list.push(i);
  BY_HASH.set(h, list);
  FILTER[h & 4095] = 1;
  maxLen = Math.max(maxLen, e.key.length);
});
export const MAX_TRIGGER_WORD = maxLen;

/** The entry index of the word trigger equal to token [i, j) whose hash is `h`, or -1. */
export function wordTrigger(text: string, i: number, j: number, h: number): number {
  if (FILTER[h & 4095] === 0) return -1;
  const list = BY_HASH.get(h);
  if (list === undefined) return -1;
  for (const idx of list) {
    const key = TRIGGER_ENTRIES[idx]!.key;
    if (key.length === j - i && startsWithCi(text, i, key)) return idx;
  }
  return -1;
}

const ROLE_TAGS = ['system_prompt', 'system-prompt', 'system', 'sys', 'instructions', 'instruction', 'developer', 'admin', 'user_input', 'user', 'assistant', 'context', 'document', 'input', 'human', 'query'];
const SYM_CHAT = INDEX.get('<|') ?? -1;
const SYM_COMMENT = INDEX.get('<!--') ?? -1;
const SYM_SYS = INDEX.get('<<sys>>') ?? -1;
const SYM_ROLE = INDEX.get('<role>') ?? -1;
const SYM_INST = INDEX.get('[inst]') ?? -1;
const SYM_HEADER = INDEX.get('##') ?? -1;
const SYM_IMAGE = INDEX.get('![') ?? -1;

/** The markup trigger starting at `i`, where `c` is one of `< [ # !`; -1 if none. */
export function symbolTrigger(text: string, i: number, c: number): number {
  const next = text.charCodeAt(i + 1);
  switch (c) {
    case 60: {
      // <
      if (next === 124) return SYM_CHAT;
      if (next === 33) return text.startsWith('<!--', i) ? SYM_COMMENT : -1;
      if (next === 60) return startsWithCi(text, i, '<<sys>>') || startsWithCi(text, i, '<</sys>>') ? SYM_SYS : -1;
      const k = next === 47 ? i + 2 : i + 1;
      const f = text.charCodeAt(k) | 32;
      if (f !== 115 && f !== 105 && f !== 100 && f !== 97 && f !== 117 && f !== 99 && f !== 104 && f !== 113) return -1;
      for (const tag of ROLE_TAGS) {
        if (startsWithCi(text, k, tag)) {
          const after = text.charCodeAt(k + tag.length);
          if (after === 62 || after === 32 || after === 47) return SYM_ROLE;
        }
      }
      return -1;
    }
    case 91: // [
      return startsWithCi(text, i, '[inst]') || startsWithCi(text, i, '[/inst]') ? SYM_INST : -1;
    case 35: // #
      return next === 35 ? SYM_HEADER : -1;
    case 33: // !
      return next === 91 ? SYM_IMAGE : -1;
    default:
      return -1;
  }
}

/** Trigger positions of `text` as flat (offset, entry index, length) triples. */
export function collectTriggers(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (CLS[c]! & C_TOKEN) === 0) {
      if (c === 60 || c === 91 || c === 35 || c === 33) {
        const t = symbolTrigger(text, i, c);
        if (t >= 0) out.push(i, t, 1);
      }
      i++;
      continue;
    }
    let h = hashStep(0, c);
    let j = i + 1;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d >= 128 || (CLS[d]! & C_TOKEN) === 0) break;
      h = hashStep(h, d);
      j++;
    }
    if (j - i <= MAX_TRIGGER_WORD) {
      const t = wordTrigger(text, i, j, h);
      if (t >= 0) out.push(i, t, j - i);
    }
    i = j;
  }
  return out;
}
