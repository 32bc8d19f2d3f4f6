import type { HeaderList } from '../protocols/types.js';

/**
 * Secrets never leave the agent in clear: credentials in headers, in query strings, and key-shaped
 * strings quoted in free text (error messages echo the key that was sent; some clients put keys in
 * paths). Organisation and project ids are identifiers, not credentials, and are kept.
 */

export const REDACTED = '[REDACTED]';

/** Header names whose whole value is a credential (names in a HeaderList are lower-case). */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
  // AWS temporary credentials (Bedrock) carry this session token beside the SigV4 Authorization.
  'x-amz-security-token',
]);

/** Headers of the form `<scheme> <credentials>`: the scheme says how the client authenticated and is kept. */
const AUTH_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization']);

/** Returns the same list when nothing needs masking, so the common case copies nothing. */
export function redactHeaders(headers: HeaderList): HeaderList {
  if (!headers.some(([name]) => SECRET_HEADERS.has(name) || AUTH_HEADERS.has(name))) return headers;
  return headers.map(([name, value]) => {
    if (SECRET_HEADERS.has(name)) return [name, REDACTED] as const;
    if (AUTH_HEADERS.has(name)) return [name, redactAuthorization(value)] as const;
    return [name, value] as const;
  });
}

function redactAuthorization(value: string): string {
  const space = value.indexOf(' ');
  return space > 0 ? `${value.slice(0, space)} ${REDACTED}` : REDACTED;
}

/**
 * A query parameter is secret when its name, split into words at `-`/`_`, ends with one of these:
 * `key`, `api_key`, `x-goog-api-key`, `access_token`, `X-Amz-Signature`, `client_secret`, `sig`…
 */
const SECRET_PARAM_NAME = /(?:^|[-_])(?:key|apikey|token|sig|signature|secret|password|passwd|credential)$/i;

/**
 * Masks values of secret-looking query parameters in a request target, leaving every other byte
 * as it was (including encodings and parameter order) so paths stay comparable.
 */
export function redactUrl(target: string): string {
  const q = target.indexOf('?');
  if (q === -1) return target;
  const hash = target.indexOf('#', q);
  const end = hash === -1 ? target.length : hash;
  const params = target.slice(q + 1, end).split('&');
  let changed = false;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const eq = param.indexOf('=');
    if (eq === -1 || !SECRET_PARAM_NAME.test(decodeParamName(param.slice(0, eq)))) continue;
    params[i] = `${param.slice(0, eq + 1)}${REDACTED}`;
    changed = true;
  }
  return changed ? `${target.slice(0, q + 1)}${params.join('&')}${target.slice(end)}` : target;
}

/** `api%5Fkey` is `api_key` to the server; a malformed escape is compared as written. */
function decodeParamName(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Well-known credential formats. Each alternative is anchored on a fixed vendor prefix and a
 * minimum length, so ordinary words (`sk-learn`, `task-force`) are left alone.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  // OpenAI (sk-…, sk-proj-…, sk-svcacct-…) and Anthropic (sk-ant-api03-…). `*` is included because
  // provider error messages quote keys half-masked ("sk-proj-****…8xQA"), which should still go whole.
  /\bsk-[A-Za-z0-9_*-]{32,}/,
  /\bAIza[0-9A-Za-z_-]{35}/, // Google API key
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key id (long-term / temporary)
  /\bgh[pousr]_[A-Za-z0-9]{36,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}/, // GitHub fine-grained token
  /\bxox[baprs]-[A-Za-z0-9-]{10,}/, // Slack tokens
];
const SECRET_TEXT = new RegExp(SECRET_PATTERNS.map((p) => p.source).join('|'), 'g');

/** `Bearer <token>`: the scheme stays so the text still reads, the token goes. */
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/**
 * Credentials without a recognisable format, recognised by what names them. Command lines are
 * where they show up: `curl -H "api-key: 5f0c…"`, `--api-key …`, `OPENAI_API_KEY=… python app.py`.
 * The name stays, the value goes.
 */
const NAMED_SECRETS: ReadonlyArray<readonly [RegExp, string]> = [
  // A header written out: `api-key: value`, `Authorization: Basic value` (scheme kept).
  [/\b(x-api-key|api-key|x-goog-api-key|cookie|x-amz-security-token)(\s*:\s*)[^\s'"]+/gi, `$1$2${REDACTED}`],
  [/\b((?:proxy-)?authorization\s*:\s*)(?!Bearer\s)([A-Za-z]+\s+)?[^\s'"]+/gi, `$1$2${REDACTED}`],
  // A command-line flag followed by its value.
  [/(\s--?(?:api[-_]?key|(?:auth|access|api)[-_]?token|token|secret|password|passwd)(?:=|\s+))[^\s'"-][^\s'"]*/gi, `$1${REDACTED}`],
  // An environment assignment whose name says what it holds.
  [/\b([A-Z][A-Z0-9_]*(?:_KEY|_TOKEN|_SECRET|_PASSWORD|_PASSWD)=)[^\s'"]+/g, `$1${REDACTED}`],
];

export function redactSecretsInText(s: string): string {
  let out = s.replace(SECRET_TEXT, REDACTED).replace(BEARER, `$1${REDACTED}`);
  for (const [re, replacement] of NAMED_SECRETS) out = out.replace(re, replacement);
  return out;
}
