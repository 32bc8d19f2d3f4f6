/**
 * Host names as the kernel's DNS-answer parser sees them: lower-cased wire format (length-prefixed
 * labels, no final zero), hashed from the last byte to the first. Walking backwards makes the
 * running hash at each label start the hash of that suffix, so one pass over a question finds an
 * exact watched name and every watched `*.suffix` above it.
 *
 * Keep in sync with hash_step() in bpf/enforce.bpf.c; the DNS e2e test proves they agree.
 */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** A valid host name, or a `*.` wildcard over one: letters, digits, `-`, `_`; labels 1–63 bytes. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export interface HostPattern {
  /** Normalized: lower case, no trailing dot; `*.example.ai` for a wildcard. */
  readonly pattern: string;
  /** The name itself, or the suffix under a wildcard. */
  readonly name: string;
  /** Matches names strictly below `name` (not `name` itself). */
  readonly wildcard: boolean;
}

/** Parses `api.example.ai`, `API.Example.AI.`, `*.example.ai`; null when it is not a host name. */
export function parseHostPattern(text: string): HostPattern | null {
  let t = text.trim().toLowerCase();
  if (t.endsWith('.')) t = t.slice(0, -1);
  const wildcard = t.startsWith('*.');
  const name = wildcard ? t.slice(2) : t;
  const labels = name.split('.');
  if (name.length === 0 || name.length > 253 || labels.length < 2) return null;
  if (!labels.every((l) => LABEL.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return null; // an IPv4 address, not a name
  return { pattern: wildcard ? `*.${name}` : name, name, wildcard };
}

export function wireFormat(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.toLowerCase().split('.')) {
    if (label === '') continue;
    const b = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  return Buffer.concat(parts);
}

/** The kernel's hash of a (suffix) name: FNV-1a-style, bytes taken from last to first. */
export function dnsNameHash(name: string): bigint {
  const wire = wireFormat(name);
  let h = FNV_OFFSET;
  for (let i = wire.length - 1; i >= 0; i--) {
    let ch = wire[i] as number;
    if (ch >= 0x41 && ch <= 0x5a) ch += 32;
    h = ((h ^ BigInt(ch)) * FNV_PRIME) & MASK64;
  }
  return h;
}

/** True when `host` (a concrete name) is matched by the pattern. */
export function hostMatches(p: HostPattern, host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  return p.wildcard ? h.endsWith(`.${p.name}`) : h === p.name;
}
