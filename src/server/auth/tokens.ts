/**
 * Token secrets: made here, hashed here, compared here. Only the SHA-256 is ever stored or kept
 * in memory past the request; comparisons run on fixed-length hashes with timingSafeEqual, so
 * neither the length nor the contents of a guess leak through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenScope } from '../store/schema.js';

export const TOKEN_SCOPES: readonly TokenScope[] = ['ingest', 'read'];

/** `osp_` and 32 random bytes: the prefix lets secret scanners (and people) recognise one. */
export function newTokenSecret(): string {
  return `osp_${randomBytes(32).toString('base64url')}`;
}

export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}

export function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m === null ? null : m[1]!;
}
