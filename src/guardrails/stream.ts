/**
 * Incremental scanning of streamed text (SSE deltas of a response, or any text that arrives in
 * pieces). A finding is raised even when the value is split across deltas, as `41111111` + `11111111`.
 *
 * How: deltas are appended to a buffer; once `scanEvery` new characters have arrived (or at
 * `end()`), the buffer is scanned with the same detectors as whole records. A match that reaches
 * into the last few characters may still grow (`…1111` could be followed by `2`), so it is held
 * back until more text arrives or the stream ends. After a scan only a bounded tail is carried
 * over: at least `CARRY_MIN` characters (longer than any card, phone, IBAN, email or key printed
 * with spaces), extended back to the start of a token still in progress (a JWT or key arriving
 * without whitespace) up to `windowChars`, and never cutting through a match already reported.
 * Matches are identified by their absolute offset in the stream, so re-scanning the carried tail
 * never reports one twice.
 *
 * Limits: a value longer than `windowChars` with no whitespace is seen only by its first
 * `windowChars` characters (keys are far shorter); a private key block is reported from its
 * BEGIN line. Prompt-injection scoring sees one window at a time, so signals further apart than
 * the window do not add up as they do in `evaluateCall`; each family is reported once per stream.
 */
import type { GuardrailsConfig } from './config.js';
import { actionFor } from './evaluate.js';
import { activeFor, scanText, type ActiveDetectors } from './scan.js';
import type { Direction, Finding } from './types.js';

/** A match may still grow while it ends this close to the end of the buffered text. */
const HOLD_BACK = 16;
/** Minimum tail carried from one scan to the next. */
export const CARRY_MIN = 256;

export interface StreamScannerOptions {
  direction?: Direction;
  role?: string;
  messageIndex?: number | null;
  /** Called for each finding as soon as it is certain. */
  onFinding?: (f: Finding) => void;
}

export interface StreamScanner {
  /** Appends a delta; returns the findings that became certain. */
  push(delta: string): Finding[];
  /** Flushes: scans what is left and returns the last findings. Further pushes are ignored. */
  end(): Finding[];
  /** Every finding so far, offsets relative to the start of the stream. */
  readonly findings: readonly Finding[];
  /** Characters received so far. */
  readonly received: number;
  /** Characters held right now (carried tail plus text not yet scanned): bounded by the window. */
  readonly buffered: number;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12;
}

export function createStreamScanner(config: GuardrailsConfig, opts: StreamScannerOptions = {}): StreamScanner {
  const direction = opts.direction ?? 'output';
  const role = opts.role ?? 'assistant';
  const messageIndex = opts.messageIndex === undefined ? 0 : opts.messageIndex;
  const windowChars = Math.max(config.stream.windowChars, CARRY_MIN * 2);
  const scanEvery = config.stream.scanEveryChars;
  const active: ActiveDetectors = activeFor(config, direction);

  let buf = '';
  /** Absolute offset of buf[0]. */
  let bufStart = 0;
  /** Absolute offset up to which text has been scanned. */
  let scannedTo = 0;
  let ended = false;
  const reported = new Set<string>();
  const injectionFamilies = new Set<string>();
  const all: Finding[] = [];

  function scan(final: boolean): Finding[] {
    const fresh: Finding[] = [];
    const matches = scanText(buf, config, { direction, role }, active);
    const len = buf.length;
    let keepFrom = final ? len : Math.max(0, len - CARRY_MIN);
    if (!final) {
      // Never start the next window inside a token: back up to whitespace (bounded by the window).
      const floor = Math.max(0, len - windowChars);
      while (keepFrom > floor && !isSpace(buf.charCodeAt(keepFrom - 1))) keepFrom--;
    }
    for (const m of matches) {
      // A match reaching back further than the window is reported as it stands (bounded memory).
      const settled = final || m.end <= len - HOLD_BACK || m.start < len - windowChars;
      if (m.detector === 'prompt_injection') {
        if (!settled || injectionFamilies.has(m.kind)) continue;
        injectionFamilies.add(m.kind);
      } else {
        if (!settled) {
          // Keep an unsettled match whole for the next scan.
          if (m.start < keepFrom) keepFrom = m.start;
          continue;
        }
        const key = `${bufStart + m.start}:${m.detector}:${m.kind}`;
        if (m.start < keepFrom && m.end > keepFrom) keepFrom = m.end;
        if (reported.has(key)) continue;
        reported.add(key);
      }
      const f: Finding = {
        ...m,
        start: bufStart + m.start,
        end: bufStart + m.end,
        direction,
        message_index: messageIndex,
        role,
        part_index: 0,
        path: '',
        action: actionFor(config, m),
      };
      fresh.push(f);
      all.push(f);
      opts.onFinding?.(f);
    }
    scannedTo = bufStart + len;
    if (keepFrom > 0) {
      buf = buf.slice(keepFrom);
      bufStart += keepFrom;
    }
    if (reported.size > 4096) {
      for (const key of reported) if (Number(key.slice(0, key.indexOf(':'))) < bufStart) reported.delete(key);
    }
    return fresh;
  }

  return {
    push(delta: string): Finding[] {
      if (ended || delta.length === 0) return [];
      buf += delta;
      if (bufStart + buf.length - scannedTo < scanEvery) return [];
      return scan(false);
    },
    end(): Finding[] {
      if (ended) return [];
      ended = true;
      const out = scan(true);
      buf = '';
      return out;
    },
    get findings(): readonly Finding[] {
      return all;
    },
    get received(): number {
      return bufStart + buf.length;
    },
    get buffered(): number {
      return buf.length;
    },
  };
}
