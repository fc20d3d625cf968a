/**
 * Replay protection and idempotency for the RPC gateway: the `SignatureNonce` cache and the
 * `ClientToken` result cache.
 */
import { createHash } from 'node:crypto';

/** How long a nonce stays "used": the same window as the timestamp check (15 minutes). */
export const NONCE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Remembers nonces for {@link NONCE_WINDOW_MS}. A nonce older than the window can no longer be
 * replayed anyway, because its request's timestamp would then be refused as expired.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  /** Expired nonces are swept at most once a second, not on every call. */
  private nextPrune = 0;

  /** Records `nonce` at `now`; false when it was already used inside the window. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    if (now >= this.nextPrune) {
      this.prune(now);
      this.nextPrune = now + 1000;
    }
    const key = `${accessKeyId}\u0000${nonce}`;
    const expiry = this.seen.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.seen.delete(key);
    this.seen.set(key, now + NONCE_WINDOW_MS);
    return true;
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.seen.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.seen.clear();
    this.nextPrune = 0;
  }

  private prune(now: number): void {
    // Insertion order is expiry order (the window is constant), so stop at the first live one.
    for (const [key, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(key);
    }
  }
}

/** A stored first answer to a ClientToken. */
export interface TokenRecord {
  readonly fingerprint: string;
  readonly result: Record<string, unknown>;
}

/** Parameters that differ between retries of the same call and so are left out of the fingerprint. */
const VOLATILE = new Set(['Signature', 'SignatureNonce', 'Timestamp', 'AccessKeyId', 'SecurityToken', 'SignatureMethod', 'SignatureVersion', 'Format']);

/** A stable digest of a call's business parameters. */
export function paramsFingerprint(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params).filter((k) => !VOLATILE.has(k)).sort();
  const h = createHash('sha256');
  for (const k of keys) h.update(`${k}\u0000${params[k]}\u0001`);
  return h.digest('hex');
}

/**
 * First successful results per (AccessKeyId, Version, Action, ClientToken). A retry with the same
 * token and parameters gets the first result again instead of running twice.
 */
export class ClientTokenCache {
  private readonly records = new Map<string, TokenRecord>();
  private readonly limit: number;

  constructor(limit = 10_000) {
    this.limit = limit;
  }

  /** The record for a token, if any. */
  get(key: string): TokenRecord | undefined {
    return this.records.get(key);
  }

  /** Stores a first result; the oldest records go first past the limit. */
  set(key: string, record: TokenRecord): void {
    this.records.set(key, record);
    if (this.records.size > this.limit) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.records.clear();
  }
}

/** The cache key of a ClientToken. */
export function tokenKey(accessKeyId: string, version: string, action: string, token: string): string {
  return `${accessKeyId}\u0000${version}\u0000${action}\u0000${token}`;
}
