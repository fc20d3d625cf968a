/**
 * The local stack for the console and `npm start` tests: port 0, SQLite in memory, a virtual
 * clock that only the test moves (`pump`), and the engine's test procedure (prepare → approval →
 * apply → wait → verify) until the chapter 5.1 migration is in the deployment's catalog.
 */
import { ManualClock } from '../../src/clock.ts';
import type { CatalogEntry } from '../../src/catalog.ts';
import { startLocalStack, type LocalStack } from '../../src/local/stack.ts';
import { createTestProcedure, MemoryLedger, testDeps, type TestDeps } from '../support/test-machines.ts';

/** A stack on a virtual clock, plus the test ledger its procedure writes to. */
export interface TestStack extends LocalStack {
  clock: ManualClock;
  ledger: MemoryLedger;
  /** HTTP call to the API with a token; resolves with status and parsed JSON. */
  call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  /**
   * Moves the clock `stepMs` every `everyMs` of real time until stopped, one step at a time and
   * letting handlers run between timers (a paced virtual clock: the browser test needs time to
   * pass while it clicks, but only as the test says).
   */
  pump(stepMs?: number, everyMs?: number): () => Promise<void>;
}

/** Starts the stack with the test procedure (approvals expire after a day of clock time). */
export async function startTestStack(): Promise<TestStack> {
  const clock = new ManualClock();
  const ledger = new MemoryLedger();
  const catalog: CatalogEntry<TestDeps>[] = [{ procedure: createTestProcedure({ expiresInMs: 24 * 3_600_000, locks: false }) }];
  const stack = await startLocalStack<TestDeps>({
    clock,
    port: 0,
    emulatorPort: 0,
    sqlitePath: ':memory:',
    catalog,
    deps: testDeps(ledger),
    probeIntervalMs: 1000,
    log: () => undefined,
  });
  const call: TestStack['call'] = async (method, path, token, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${stack.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), redirect: 'manual' });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const pump: TestStack['pump'] = (stepMs = 250, everyMs = 5) => {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await clock.advanceAsync(stepMs);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  };
  return Object.assign(stack, { clock, ledger, call, pump });
}

/** Polls `fn` (real time) until it returns a value that is not undefined; fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
