/**
 * Credentials quoted in message content. Each format is recognised by its vendor prefix, then
 * validated by what the vendor guarantees: exact lengths and alphabets (AWS key ids are base32,
 * Google keys are 39 characters), embedded markers (OpenAI keys carry `T3BlbkFJ`, base64 for
 * "OpenAI"), structure (a JWT header is base64url JSON with an `alg`), or a keyword in front (AWS
 * secret access keys have no prefix of their own). Lower-case dictionary words that happen to
 * start with a prefix (`sk-learn`, `ghost_`, `xoxo`) fail the alphabet and entropy checks.
 */
import { isAlnum, isB64Url, isDigit, isUpper, startsWithCi } from './chars.js';

export type SecretKind =
  | 'openai_api_key'
  | 'anthropic_api_key'
  | 'google_api_key'
  | 'aws_access_key_id'
  | 'aws_secret_access_key'
  | 'github_token'
  | 'slack_token'
  | 'jwt'
  | 'private_key';

export interface SecretHit {
  kind: SecretKind;
  start: number;
  end: number;
  score: number;
  /** How many leading characters a masked sample may keep (the vendor prefix). */
  prefixLength: number;
}

function isKeyChar(c: number): boolean {
  return isB64Url(c);
}

function runEnd(s: string, i: number, pred: (c: number) => boolean): number {
  let j = i;
  const n = s.length;
  while (j < n && pred(s.charCodeAt(j))) j++;
  return j;
}

/** Mixed upper, lower and digits: what a random key has and a word or a placeholder does not. */
function looksRandom(s: string, from: number, to: number): boolean {
  let up = 0;
  let low = 0;
  let dig = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (isUpper(c)) up++;
    else if (c >= 97 && c <= 122) low++;
    else if (isDigit(c)) dig++;
  }
  return up > 0 && low > 0 && dig > 0;
}

function isBase32(c: number): boolean {
  return isUpper(c) || (c >= 50 && c <= 55);
}

const OPENAI_MARKER = 'T3BlbkFJ';

function openAi(s: string, i: number): SecretHit | undefined {
  // sk-…, sk-proj-…, sk-svcacct-…, sk-admin-…, sk-None-…
  const end = runEnd(s, i + 3, isKeyChar);
  const m = /^sk-(?:(proj|svcacct|admin|None)-)?/.exec(s.slice(i, i + 12));
  const bodyStart = i + (m ? m[0].length : 3);
  const bodyLen = end - bodyStart;
  if (bodyLen < 32 || !looksRandom(s, bodyStart, end)) return undefined;
  const marker = s.slice(bodyStart, end).includes(OPENAI_MARKER);
  return { kind: 'openai_api_key', start: i, end, score: marker ? 0.99 : 0.9, prefixLength: bodyStart - i };
}

function anthropic(s: string, i: number): SecretHit | undefined {
  // sk-ant-api03-…, sk-ant-admin01-…, sk-ant-oat01-…
  const m = /^sk-ant-(?:api|admin|oat|sid)\d\d-/.exec(s.slice(i, i + 20));
  if (!m) return undefined;
  const bodyStart = i + m[0].length;
  const end = runEnd(s, bodyStart, isKeyChar);
  if (end - bodyStart < 32 || !looksRandom(s, bodyStart, end)) return undefined;
  const full = end - bodyStart >= 86 && s.charCodeAt(end - 1) === 65 && s.charCodeAt(end - 2) === 65;
  return { kind: 'anthropic_api_key', start: i, end, score: full ? 0.99 : 0.93, prefixLength: m[0].length };
}

function google(s: string, i: number): SecretHit | undefined {
  const end = runEnd(s, i + 4, isKeyChar);
  if (end - i !== 39) return undefined;
  return { kind: 'google_api_key', start: i, end, score: 0.95, prefixLength: 4 };
}

function awsKeyId(s: string, i: number): SecretHit | undefined {
  const end = runEnd(s, i + 4, isBase32);
  if (end - i !== 20 || (end < s.length && isAlnum(s.charCodeAt(end)))) return undefined;
  return { kind: 'aws_access_key_id', start: i, end, score: 0.95, prefixLength: 4 };
}

/** `aws_secret_access_key = "…40 chars…"`, `SecretAccessKey: …`, `AWS_SECRET_KEY=…`. */
const AWS_SECRET = /(?:aws_?)?secret_?(?:access_?)?key(?:_?id)?["']?\s{0,3}(?:[:=]|=>)\s{0,3}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/iy;

function awsSecret(s: string, i: number): SecretHit | undefined {
  if (!(startsWithCi(s, i, 'aws') || startsWithCi(s, i, 'secret'))) return undefined;
  AWS_SECRET.lastIndex = i;
  const m = AWS_SECRET.exec(s);
  if (!m || m[1] === undefined) return undefined;
  const end = AWS_SECRET.lastIndex;
  const start = end - 40;
  if (!looksRandom(s, start, end)) return undefined;
  return { kind: 'aws_secret_access_key', start, end, score: 0.9, prefixLength: 0 };
}

function github(s: string, i: number): SecretHit | undefined {
  if (s.startsWith('github_pat_', i)) {
    const end = runEnd(s, i + 11, (c) => isAlnum(c) || c === 95);
    const body = end - i - 11;
    if (body < 40 || !looksRandom(s, i + 11, end)) return undefined;
    const exact = body === 82 && s.charCodeAt(i + 11 + 22) === 95;
    return { kind: 'github_token', start: i, end, score: exact ? 0.99 : 0.9, prefixLength: 11 };
  }
  // ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_ (server-to-server), ghr_ (refresh).
  const t = s.charCodeAt(i + 2);
  if (s.charCodeAt(i + 3) !== 95 || !(t === 112 || t === 111 || t === 117 || t === 115 || t === 114)) return undefined;
  const end = runEnd(s, i + 4, isAlnum);
  if (end - i - 4 !== 36 || (end < s.length && isKeyChar(s.charCodeAt(end)))) return undefined;
  if (!looksRandom(s, i + 4, end)) return undefined;
  return { kind: 'github_token', start: i, end, score: 0.95, prefixLength: 4 };
}

/** xoxb-/xoxp-/xoxa-/xoxo-/xoxs-/xoxr- tokens (numeric team/user ids, then a secret), xapp- app tokens. */
const SLACK = /(?:xox[abposr]-\d{6,15}-[0-9A-Za-z-]{8,}|xapp-\d-[A-Z0-9]{8,}-\d{6,}-[0-9a-f]{32,})/y;

function slack(s: string, i: number): SecretHit | undefined {
  SLACK.lastIndex = i;
  if (!SLACK.test(s)) return undefined;
  const end = runEnd(s, SLACK.lastIndex, (c) => isAlnum(c) || c === 45);
  if (end - i < 30) return undefined;
  return { kind: 'slack_token', start: i, end, score: 0.95, prefixLength: 5 };
}

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Three base64url parts; the header is a JSON object with a string `alg`, the payload a JSON object. */
function jwt(s: string, i: number): SecretHit | undefined {
  const h = runEnd(s, i, isB64Url);
  if (h - i < 10 || s.charCodeAt(h) !== 46) return undefined;
  const p = runEnd(s, h + 1, isB64Url);
  if (p - h - 1 < 2 || s.charCodeAt(p) !== 46) return undefined;
  const end = runEnd(s, p + 1, isB64Url);
  if (end < s.length && (s.charCodeAt(end) === 46 || isAlnum(s.charCodeAt(end)))) return undefined; // JWE or longer dotted name
  const header = decodeJsonObject(s.slice(i, h));
  if (!header || typeof header['alg'] !== 'string') return undefined;
  if (!decodeJsonObject(s.slice(h + 1, p))) return undefined;
  if (end === p + 1 && header['alg'] !== 'none') return undefined;
  return { kind: 'jwt', start: i, end, score: 0.99, prefixLength: 3 };
}

const PEM_HEADER = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/y;
const PEM_MAX = 16 * 1024;

/**
 * The next `-----END ` at or after `from`. Remembers the last answer for the same string, so a text
 * with many BEGIN lines and no END is searched once, not once per BEGIN.
 */
let endCache: { s: string; from: number; at: number } | undefined;

/** Forgets the remembered text (the scanning pass calls this when it finishes, so no text outlives its scan). */
export function resetSecretScan(): void {
  endCache = undefined;
}
function nextEndLine(s: string, from: number): number {
  if (endCache && endCache.s === s && from >= endCache.from && (endCache.at === -1 || endCache.at >= from)) return endCache.at;
  const at = s.indexOf('-----END ', from);
  endCache = { s, from, at };
  return at;
}

/** A private key block, through its END line; a block cut short runs to the end of its base64 body. */
function pem(s: string, i: number): SecretHit | undefined {
  PEM_HEADER.lastIndex = i;
  const m = PEM_HEADER.exec(s);
  if (!m) return undefined;
  const label = m[1]!;
  const bodyStart = PEM_HEADER.lastIndex;
  const endMarker = `-----END ${label}-----`;
  const e = nextEndLine(s, bodyStart);
  let end: number;
  if (e !== -1 && e - bodyStart <= PEM_MAX && s.startsWith(endMarker, e)) end = e + endMarker.length;
  else {
    end = bodyStart;
    const limit = Math.min(s.length, bodyStart + PEM_MAX);
    while (end < limit) {
      const c = s.charCodeAt(end);
      // base64 lines and the `Proc-Type: 4,ENCRYPTED` style headers of encrypted keys
      if (isAlnum(c) || c === 43 || c === 47 || c === 61 || c === 10 || c === 13 || c === 58 || c === 44 || c === 45 || (c === 32 && s.charCodeAt(end - 1) === 58)) end++;
      else break;
    }
    while (end > bodyStart && (s.charCodeAt(end - 1) === 10 || s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 13)) end--;
  }
  return { kind: 'private_key', start: i, end, score: 0.99, prefixLength: bodyStart - i };
}

/**
 * A credential starting at `i`, the start of a token whose first character is `c0`; `tokenEnd` is
 * where the token (alnum and `_-+/=`) ends. Returns undefined quickly when no prefix fits.
 */
export function matchSecretAt(s: string, i: number, c0: number, tokenEnd: number): SecretHit | undefined {
  const len = tokenEnd - i;
  switch (c0) {
    case 115: // s
      if (len >= 35 && s.charCodeAt(i + 1) === 107 && s.charCodeAt(i + 2) === 45) {
        return s.startsWith('sk-ant-', i) ? anthropic(s, i) : openAi(s, i);
      }
      return len >= 10 ? awsSecret(s, i) : undefined;
    case 83: // S
      return len >= 9 ? awsSecret(s, i) : undefined;
    case 65: // A
      if (len >= 20 && s.charCodeAt(i + 1) === 73 && s.charCodeAt(i + 2) === 122 && s.charCodeAt(i + 3) === 97) return google(s, i);
      if (len >= 20 && (s.startsWith('AKIA', i) || s.startsWith('ASIA', i))) return awsKeyId(s, i);
      return len >= 9 ? awsSecret(s, i) : undefined;
    case 97: // a
      return len >= 9 ? awsSecret(s, i) : undefined;
    case 103: // g
      if (len >= 40 && (s.charCodeAt(i + 1) === 104 || s.startsWith('github_pat_', i))) return github(s, i);
      return undefined;
    case 120: // x
      if (len >= 30 && (s.startsWith('xox', i) || s.startsWith('xapp-', i))) return slack(s, i);
      return undefined;
    case 101: // e
      if (s.charCodeAt(i + 1) === 121 && s.charCodeAt(i + 2) === 74) return jwt(s, i);
      return undefined;
    case 45: // -
      if (s.startsWith('-----BEGIN ', i)) return pem(s, i);
      return undefined;
    default:
      return undefined;
  }
}
