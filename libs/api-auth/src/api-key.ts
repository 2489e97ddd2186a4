import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Key format: `prly_<prefix>_<secret>`; the prefix is public (it finds the row), the secret is not. */
export const API_KEY_FORMAT = {
  marker: 'prly',
  /** Random bytes of the lookup prefix (hex: 12 characters). */
  prefixBytes: 6,
  /** Random bytes of the secret (base64url: 43 characters); 256 bits cannot be guessed, so SHA-256 suffices. */
  secretBytes: 32,
} as const;

const KEY_PATTERN = /^prly_([a-z0-9]{8,32})_([A-Za-z0-9_-]{43})$/;

export interface MintedApiKey {
  /** The whole key: shown to its owner once, never stored. */
  key: string;
  prefix: string;
  /** SHA-256 of the secret part: what is stored. */
  secretHash: Buffer;
}

export interface ParsedApiKey {
  prefix: string;
  secret: string;
}

/** A new random key and the hash to store for it. */
export function mintApiKey(): MintedApiKey {
  const prefix = randomBytes(API_KEY_FORMAT.prefixBytes).toString('hex');
  const secret = randomBytes(API_KEY_FORMAT.secretBytes).toString('base64url');
  return { key: `${API_KEY_FORMAT.marker}_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

/** Splits a presented key into prefix and secret; null for anything not shaped like a key. */
export function parseApiKey(presented: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? { prefix: match[1]!, secret: match[2]! } : null;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Whether `secret` (of any length) hashes to `storedHash`, compared in constant time. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

/** Scopes are ordered read < write < admin: a key may do what its highest scope allows. */
export function scopeAllows(granted: readonly Scope[], required: Scope): boolean {
  return granted.some((scope) => RANK[scope] >= RANK[required]);
}

/** The token of an `Authorization: Bearer <token>` header; null when absent or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
