/**
 * Child process of the kill test (`kill.test.ts`). It opens the shared SQLite file and ledger,
 * recovers whatever earlier (killed) children left (sweep), starts a batch of runs (idempotency
 * key `run-<n>`) and drives every execution with an in-process scheduler on a virtual clock. It
 * SIGKILLs itself at the `killAt`-th boundary of the batch's first run — before or after any
 * store write, ledger write or schedule that concerns that run — after appending to `deathLog`
 * where each of the batch's unfinished runs stood (its own boundary count). With an empty batch
 * it only recovers and drives everything to the end. Prints one JSON line on a normal exit.
 */
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConflictError, ForbiddenError } from '../../src/errors.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { isTerminal } from '../../src/engine/registry.ts';
import { seededRandom } from '../../src/engine/retry.ts';
import { InProcessScheduler, ManualClock, type StepMessage } from '../../src/engine/scheduler.ts';
import type { ExecutionStatus } from '../../src/engine/types.ts';
import type { ExecutionStore } from '../../src/store/contract.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { FileLedger, createTestProcedure, testDeps, testParams, bob, type LedgerLine } from '../support/test-machines.ts';

/** Arguments the parent passes as one JSON argv. */
export interface KillChildArgs {
  dbPath: string;
  ledgerDir: string;
  /** Runs to start; the first one's `killAt`-th boundary kills the process. Empty: finish only. */
  batch: number[];
  /** Runs whose start an earlier child may have been killed in (their clients retry them). */
  retry: number[];
  /** File that gets one JSON line per death: where each unfinished run of the batch stood. */
  deathLog: string;
  /** Kill at this boundary of the run (Infinity: never). */
  killAt: number;
  /** Virtual time at start. */
  now: number;
  seed: number;
  /** Steps one delivery may chain (`maxStepsPerAdvance`). */
  chain: number;
}

/**
 * Parameters of run `n`: every fifth fails verification and rolls back. Each run locks its own
 * route table, so runs of a batch advance in lockstep (none can finish while the first still runs).
 */
export function killRunParams(n: number): ReturnType<typeof testParams> {
  return testParams({ items: ['p', 'q', 'r'], settleMs: 2000, failVerify: n % 5 === 4, routeTable: `vtb-${n}` });
}

const ACTIVE: ExecutionStatus[] = ['pending', 'running', 'waiting', 'awaiting_approval'];

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as KillChildArgs;
  const killAt = args.killAt;
  // Execution id → run number and boundaries seen, for the runs of this batch.
  const tracked = new Map<string, { run: number; boundaries: number; alive: boolean }>();
  const byKey = new Map(args.batch.map((n) => [`:run-${n}`, n]));
  const designated = args.batch[0];
  const tick = (executionId: string | undefined): void => {
    const t = executionId === undefined ? undefined : tracked.get(executionId);
    if (!t) return;
    t.boundaries += 1;
    if (t.run === designated && t.boundaries === killAt) {
      const points = Object.fromEntries([...tracked.values()].filter((x) => x.alive).map((x) => [x.run, x.boundaries]));
      appendFileSync(args.deathLog, `${JSON.stringify({ designated, killAt, points })}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
  const track = (key: string, executionId: string): void => {
    const run = byKey.get(key.slice(key.lastIndexOf(':')));
    if (run !== undefined && !tracked.has(executionId)) tracked.set(executionId, { run, boundaries: 0, alive: true });
  };

  const sqlite = new SqliteStore(args.dbPath);
  const ids: Record<string, (...a: never[]) => string | undefined> = {
    createExecution: (r: { id: string }) => r.id,
    updateExecution: (r: { id: string }) => r.id,
    putSignal: (id: string) => id,
    putApprovalDecision: (d: { executionId: string }) => d.executionId,
    tryLock: (l: { owner: string }) => l.owner,
    releaseLock: (_r: string, owner: string) => owner,
    claimIdempotencyKey: (k: { value: { executionId?: unknown } }) => String(k.value.executionId),
  };
  const store = new Proxy(sqlite, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      const idOf = typeof prop === 'string' ? ids[prop] : undefined;
      if (typeof value !== 'function' || !idOf) return typeof value === 'function' ? value.bind(obj) : value;
      return async (...callArgs: never[]) => {
        if (prop === 'claimIdempotencyKey') {
          const rec = callArgs[0] as unknown as { key: string; value: { executionId: string } };
          track(rec.key, rec.value.executionId);
        }
        const id = idOf(...callArgs);
        tick(id);
        const result = (await (value as (...a: never[]) => Promise<unknown>).apply(obj, callArgs)) as unknown;
        if (prop === 'claimIdempotencyKey') {
          const claimed = result as { record: { key: string; value: { executionId: string } } };
          track(claimed.record.key, claimed.record.value.executionId);
        }
        tick(id);
        return result;
      };
    },
  }) as ExecutionStore;

  const files = new FileLedger(args.ledgerDir);
  const ledger = {
    lines: (id: string) => files.lines(id),
    append: (line: LedgerLine) => {
      tick(line.executionId);
      files.append(line);
      tick(line.executionId);
    },
  };
  const clock = new ManualClock(args.now);
  const queue = new InProcessScheduler({ clock });
  const scheduler = {
    schedule: async (msg: StepMessage, opts: { delayMs: number }) => {
      tick(msg.executionId);
      await queue.schedule(msg, opts);
      tick(msg.executionId);
    },
  };
  const engine = createEngine({
    store,
    // Long deadlines: virtual time jumps between children must not expire approvals or waits.
    procedures: [createTestProcedure({ expiresInMs: 365 * 86_400_000, settleTimeoutMs: 365 * 86_400_000 })],
    deps: testDeps(ledger),
    scheduler,
    clock,
    leaseMs: 30_000,
    lockRetryMs: 2000,
    random: seededRandom(args.seed),
    runnerId: `child-${process.pid}`,
    idempotencyTtlMs: 365 * 86_400_000,
    maxStepsPerAdvance: args.chain,
  });

  const approved = new Set<string>();
  const approveAll = async (): Promise<void> => {
    const waiting = await engine.list({ status: ['awaiting_approval'] }, { limit: 1000 });
    // Keep the batch's order: runs from earlier batches first, then this batch in start order.
    const rank = (id: string): number => {
      const t = tracked.get(id);
      if (!t) return -1;
      return t.run === designated ? args.batch.length : args.batch.indexOf(t.run);
    };
    for (const ex of [...waiting.items].sort((a, b) => rank(a.id) - rank(b.id))) {
      // An approver decides once per gate (state) (a killed child's decisions are simply made again).
      if (approved.has(`${ex.id}:${ex.state}`)) continue;
      approved.add(`${ex.id}:${ex.state}`);
      try {
        await engine.approve(ex.id, bob);
      } catch (err) {
        // Already decided or closed meanwhile: approvals are idempotent, nothing to do.
        if (!(err instanceof ConflictError || err instanceof ForbiddenError)) throw err;
      }
    }
  };

  await engine.sweep();
  // Clients retry their starts (same idempotency key) until they get an answer: a start that an
  // earlier child was killed in is finished here; a finished one just returns its execution.
  // The designated run starts last and so stays last in every round of the FIFO queue: when it
  // dies at boundary k, the rest of the batch (a round ahead) has started and not yet finished.
  for (const n of [...args.retry, ...args.batch.slice(1), ...args.batch.slice(0, 1)]) {
    await engine.start('test-ledger', killRunParams(n), { requestedBy: 'alice', idempotencyKey: `run-${n}` });
  }
  const deliver = async (m: StepMessage): Promise<void> => {
    const result = await engine.advance(m);
    const t = tracked.get(m.executionId);
    if (t && result.status && isTerminal(result.status)) t.alive = false;
  };
  for (let i = 0; i < 200_000; i += 1) {
    await approveAll();
    const delivered = await queue.drain(deliver, { maxDeliveries: 1 });
    if (delivered === 0) {
      const active = await engine.list({ status: ACTIVE }, { limit: 1 });
      if (active.items.length === 0) break;
      // Nothing queued but work left: let leases and back-offs lapse, then sweep.
      clock.advance(60_000);
      await engine.sweep();
    }
  }
  const boundaries = [...tracked.values()].find((t) => t.run === designated)?.boundaries ?? 0;
  await sqlite.close();
  process.stdout.write(`${JSON.stringify({ boundaries })}\n`);
}

// Run only as the child's entry point (the test imports this module for `killRunParams`).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
