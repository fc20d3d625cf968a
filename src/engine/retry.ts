/**
 * Retries of transient effect failures: exponential back-off with full jitter
 * (delay = random(0, min(cap, base · 2^(n−1))) for the n-th failure) within a bounded budget.
 * Transient means `XcflowError.retryable === true` (CloudTransientError: throttling,
 * ServiceUnavailable, 5xx, TaskConflict, OperationConflict, IncorrectRouteEntryStatus…, as
 * classified by `src/cloud`); anything else goes straight to the machine as `STEP.FAILED`.
 */
import { XcflowError } from '../errors.ts';

/** How a step retries transient failures. */
export interface RetryPolicy {
  /** Back-off ceiling of the first retry, in ms. */
  baseMs: number;
  /** Largest back-off, in ms. */
  capMs: number;
  /** Transient failures of one step entry tolerated before `STEP.FAILED`. */
  maxFailures: number;
}

/** Default: 1 s, 2 s, 4 s … capped at 60 s, up to 8 transient failures (about 4 minutes at worst). */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, capMs: 60_000, maxFailures: 8 };

/** Whether running the same effect again later can succeed. */
export function isTransient(err: unknown): boolean {
  return err instanceof XcflowError && err.retryable === true;
}

/** Back-off before the retry that follows the `failures`-th transient failure (full jitter). */
export function backoffDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * exp);
}

/** Whether a failure that brings the count to `failures` may still be retried. */
export function withinBudget(policy: RetryPolicy, failures: number): boolean {
  return failures < policy.maxFailures;
}

/** A small seeded PRNG (mulberry32) for deterministic jitter in tests and benchmarks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
