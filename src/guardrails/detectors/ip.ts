/**
 * IP addresses (opt-in: hosts and addresses are often operational data rather than personal data).
 * IPv4 comes from the shared numeric candidate (four dotted octets, no leading zeros); IPv6 from a
 * separate pass that only runs when the detector is on, with Node's own parser as the validator.
 * Unspecified, loopback and broadcast addresses identify nobody and are not reported.
 */
import { isIPv6 } from 'node:net';
import { contextBefore } from './chars.js';
import type { NumericCandidate } from './numeric.js';

const VERSION_CONTEXT = /\b(?:version|ver|release|build|v)\.?\s*$/;

export function ipv4Ok(c: NumericCandidate, text: string): boolean {
  if (c.groups !== 4 || c.plus || c.paren) return false;
  let off = 0;
  let sum = 0;
  const octets = [0, 0, 0, 0];
  for (let g = 0; g < 4; g++) {
    const len = c.groupLen[g]!;
    if (g > 0 && c.sep[g] !== 46) return false;
    if (len > 3 || (len > 1 && c.digits[off] === 0)) return false;
    let v = 0;
    for (let k = 0; k < len; k++) v = v * 10 + c.digits[off + k]!;
    if (v > 255) return false;
    octets[g] = v;
    sum += v;
    off += len;
  }
  if (sum === 0 || octets[0] === 127 || sum === 4 * 255) return false; // unspecified, loopback, broadcast
  return !VERSION_CONTEXT.test(contextBefore(text, c.start, 16));
}

const IPV6_CANDIDATE = /(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Za-z:])/g;

/** IPv6 addresses in `text` as [start, end) pairs. */
export function findIpv6(text: string): Array<{ start: number; end: number; raw: string }> {
  if (text.indexOf(':') === -1) return [];
  const out: Array<{ start: number; end: number; raw: string }> = [];
  IPV6_CANDIDATE.lastIndex = 0;
  for (let m = IPV6_CANDIDATE.exec(text); m; m = IPV6_CANDIDATE.exec(text)) {
    const raw = m[0];
    if (raw.length < 3) continue;
    if (!isIPv6(raw) || raw === '::' || raw === '::1') continue;
    // Times (`12:30:45`) are not IPv6, and isIPv6 agrees; a MAC-like or hex run without `::` needs eight groups.
    out.push({ start: m.index, end: m.index + raw.length, raw });
  }
  return out;
}
