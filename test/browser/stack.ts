/**
 * The local stack for the console and `npm start` tests: port 0, SQLite in memory, a virtual
 * clock that only the test moves (`pump`), and either the engine's test procedure (prepare →
 * approval → apply → wait → verify, writing to an observable ledger) or the real procedures on the
 * seed's chapter 5.1 network (`migration`).
 */
import { ManualClock } from '../../src/clock.ts';
import { PlannerRegistry } from '../../src/api/planners.ts';
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

/** The chapter 5.1 network's flow that must stay reachable (src/emulator/topologies/ch5-1-vpc-migration.json). */
export const CH51 = {
  params: { regionId: 'cn-shanghai', cenId: 'cen-mig0000000000000001', vpcId: 'vpc-uf6mig0000000000000001', mode: 'smooth', acknowledgeRemainder: true },
  flow: { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' },
};

/**
 * Starts the stack. `ledger` (default): the test procedure, approvals expiring after a day of
 * clock time, on the default topology. `migration`: the local catalog on the chapter 5.1 network,
 * probing its flow every 100 ms.
 */
export async function startTestStack(kind: 'ledger' | 'migration' = 'ledger'): Promise<TestStack> {
  const clock = new ManualClock();
  const ledger = new MemoryLedger();
  const common = { clock, port: 0, emulatorPort: 0, sqlitePath: ':memory:', log: () => undefined };
  const procedures = [createTestProcedure({ expiresInMs: 24 * 3_600_000, locks: false })];
  const stack =
    kind === 'ledger'
      ? await startLocalStack<TestDeps>({ ...common, procedures, deps: testDeps(ledger), planners: new PlannerRegistry<TestDeps>(), probeIntervalMs: 1000 })
      : await startLocalStack({
          ...common,
          topology: 'ch5-1-vpc-migration',
          probes: [{ id: CH51.flow.name, source: CH51.flow.source, destinationIp: CH51.flow.destinationIp }],
          probeIntervalMs: 100,
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
