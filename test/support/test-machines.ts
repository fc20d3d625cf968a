/**
 * A test procedure for the engine: prepare → approval → apply items one by one → wait until the
 * applied items settle → verify → Succeeded, with a compensation path (RollingBack → RolledBack)
 * on any failure, on CANCEL after something was applied, and on ROLLBACK. Its effects write to an
 * observable "ledger" (in memory, or JSON-lines files that survive a SIGKILL), checking their
 * idempotency key first, so tests can count how often each effect took effect.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assign, setup } from 'xstate';
import { CloudPermanentError, CloudTransientError } from '../../src/errors.ts';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/engine.ts';
import { seededRandom } from '../../src/engine/retry.ts';
import type { CloudCallObserver, DepsFactory } from '../../src/engine/runner.ts';
import { InProcessScheduler, ManualClock } from '../../src/engine/scheduler.ts';
import type { Effect, EffectInput, JsonObject, MachineInput, Principal, ProcedureDefinition, Role, RunnerEvent } from '../../src/engine/types.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';

/** One line of the ledger: an effect that took effect. */
export interface LedgerLine {
  executionId: string;
  /** The idempotency key the effect ran with. */
  key: string;
  op: 'plan' | 'apply' | 'undo';
  item?: string;
  at: number;
}

/** Where the test effects write. */
export interface LedgerTarget {
  lines(executionId: string): LedgerLine[];
  append(line: LedgerLine): void;
}

/** A ledger in memory; `all` keeps the global order (for interleaving checks). */
export class MemoryLedger implements LedgerTarget {
  readonly all: LedgerLine[] = [];

  lines(executionId: string): LedgerLine[] {
    return this.all.filter((l) => l.executionId === executionId);
  }

  append(line: LedgerLine): void {
    this.all.push(line);
  }
}

/** A ledger of JSON-lines files, one per execution, that survives the process being killed. */
export class FileLedger implements LedgerTarget {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  lines(executionId: string): LedgerLine[] {
    const file = join(this.dir, `${executionId}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as LedgerLine);
  }

  append(line: LedgerLine): void {
    appendFileSync(join(this.dir, `${line.executionId}.jsonl`), `${JSON.stringify(line)}\n`);
  }
}

/** Injected failures of the test effects. */
export interface TestFaults {
  /** Probability that a call fails with a transient error (before or after its write). */
  transientRate?: number;
  random?: () => number;
  /** States whose effect fails permanently. */
  permanent?: string[];
  /** States whose effect always fails transiently (exhausts the retry budget). */
  alwaysTransient?: string[];
  /** The Preparing effect waits for this before it writes (to act while a runner holds the lease). */
  holdPreparing?: Promise<void>;
}

/** What the test effects depend on. */
export interface TestDeps {
  ledger: LedgerTarget;
  faults: TestFaults;
  cloud: CloudCallObserver;
}

/** The deps factory the engine gets: a fresh observer per effect run. */
export function testDeps(ledger: LedgerTarget, faults: TestFaults = {}): DepsFactory<TestDeps> {
  return (observer) => ({ ledger, faults, cloud: observer });
}

/** Parameters of the test procedure. */
export interface TestParams extends JsonObject {
  items: string[];
  /** How long applied items take to settle (the wait step polls until then). */
  settleMs: number;
  /** Make verification fail permanently (drives the rollback path). */
  failVerify: boolean;
  /** Resource the execution locks, e.g. `vtb-1` → `route-table:vtb-1`. */
  routeTable: string;
}

interface TestContext {
  items: string[];
  index: number;
  applied: string[];
  appliedAt: number | null;
  settleTimeoutMs: number;
  cancelRequested: boolean;
  failure: string | null;
  approvers: string[];
}

/** Where an injected failure hits one effect call: before its write, after it (response lost), or not at all. */
type FaultPoint = 'none' | 'before' | 'after';

/** Decides once per effect call whether and where it fails (so `transientRate` is per call). */
function planFault(deps: TestDeps, input: EffectInput): FaultPoint {
  const { faults } = deps;
  if (faults.permanent?.includes(input.step)) {
    throw new CloudPermanentError(`${input.step} failed for good`, { code: 'InvalidParameter', requestId: `req-${input.idempotencyKey}` });
  }
  if (faults.alwaysTransient?.includes(input.step)) return 'before';
  const random = faults.random ?? Math.random;
  if (!faults.transientRate || random() >= faults.transientRate) return 'none';
  return random() < 0.5 ? 'before' : 'after';
}

function failAt(deps: TestDeps, input: EffectInput, fault: FaultPoint, phase: FaultPoint): void {
  if (fault !== phase) return;
  const requestId = `req-${input.idempotencyKey}-${input.attempt}-${phase}`;
  deps.cloud.onCloudCall({ product: 'Test', action: 'Write', errorCode: 'Throttling.User', requestId, durationMs: 0 });
  throw new CloudTransientError(`throttled (${phase} the write)`, { code: 'Throttling.User', requestId });
}

/** Writes `line` unless an entry with its key already exists ("ensure", never blind create). */
function ensureLine(deps: TestDeps, input: EffectInput, line: Omit<LedgerLine, 'executionId' | 'key' | 'at'>, key = input.idempotencyKey): boolean {
  const existing = deps.ledger.lines(input.executionId).some((l) => l.key === key);
  if (existing) return false;
  deps.ledger.append({ executionId: input.executionId, key, at: input.now, ...line });
  deps.cloud.onCloudCall({ product: 'Test', action: 'Write', requestId: `req-${key}`, durationMs: 0, params: { op: line.op } });
  return true;
}

const effects: Record<string, Effect<TestDeps>> = {
  recordPlan: async (input, deps) => {
    await deps.faults.holdPreparing;
    const fault = planFault(deps, input);
    failAt(deps, input, fault, 'before');
    const changed = ensureLine(deps, input, { op: 'plan' });
    failAt(deps, input, fault, 'after');
    return { changed };
  },
  ensureEntry: async (input, deps) => {
    const ctx = input.context as unknown as TestContext;
    const item = ctx.items[ctx.index];
    const fault = planFault(deps, input);
    failAt(deps, input, fault, 'before');
    const changed = ensureLine(deps, input, { op: 'apply', item });
    // A failure after the write: the response is lost, the retry must find the entry and not write again.
    failAt(deps, input, fault, 'after');
    return { item, changed, at: input.now };
  },
  awaitSettled: async (input, deps) => {
    const ctx = input.context as unknown as TestContext;
    failAt(deps, input, planFault(deps, input), 'before');
    const settledAt = (ctx.appliedAt ?? input.now) + Number((input.params as TestParams).settleMs);
    return { ready: input.now >= settledAt, settledAt };
  },
  verify: async (input, deps) => {
    if ((input.params as TestParams).failVerify) {
      throw new CloudPermanentError('verification failed: route not in table', { code: 'VerificationFailed' });
    }
    failAt(deps, input, planFault(deps, input), 'before');
    const ctx = input.context as unknown as TestContext;
    const applied = new Set(deps.ledger.lines(input.executionId).filter((l) => l.op === 'apply').map((l) => l.item));
    return { verified: ctx.items.every((i) => applied.has(i)) };
  },
  compensate: async (input, deps) => {
    const ctx = input.context as unknown as TestContext;
    const undone: string[] = [];
    const fault = planFault(deps, input);
    failAt(deps, input, fault, 'before');
    for (const item of [...ctx.applied].reverse()) {
      ensureLine(deps, input, { op: 'undo', item }, `${input.idempotencyKey}:${item}`);
      undone.push(item);
      // A failure part-way through: the retry finds the undone items and continues.
      if (undone.length === 1) failAt(deps, input, fault, 'after');
    }
    return { undone };
  },
};

/** Options of the test procedure. */
export interface TestProcedureOptions {
  id?: string;
  version?: number;
  quorum?: number;
  roles?: Role[];
  expiresInMs?: number;
  /** Lock `route-table:<routeTable>` (default true). */
  locks?: boolean;
  /** Deadline of the settle wait (default 60 s). */
  settleTimeoutMs?: number;
}

type Ctx = TestContext;
type Ev = RunnerEvent;

/** Builds the test procedure. */
export function createTestProcedure(opts: TestProcedureOptions = {}): ProcedureDefinition<TestDeps> {
  const machine = setup({
    types: { context: {} as Ctx, input: {} as MachineInput<TestParams>, events: {} as Ev },
    guards: {
      moreItems: ({ context }) => context.index + 1 < context.items.length,
      anythingApplied: ({ context }) => context.applied.length > 0,
      cancelRequested: ({ context }) => context.cancelRequested,
    },
    actions: {
      recordFailure: assign({ failure: ({ event }) => (event.type === 'STEP.FAILED' ? event.error.code : null) }),
      markCancel: assign({ cancelRequested: true }),
    },
  }).createMachine({
    id: opts.id ?? 'test-ledger',
    initial: 'Preparing',
    output: ({ context }) => ({ applied: context.applied, failure: context.failure }),
    context: ({ input }) => ({
      items: input.params.items,
      index: 0,
      applied: [],
      appliedAt: null,
      settleTimeoutMs: opts.settleTimeoutMs ?? 60_000,
      cancelRequested: false,
      failure: null,
      approvers: [],
    }),
    states: {
      Preparing: {
        meta: { step: { kind: 'effect', effect: 'recordPlan', title: 'Record the plan' } },
        on: { 'STEP.DONE': 'AwaitingApproval', 'STEP.FAILED': { target: 'Failed', actions: 'recordFailure' }, CANCEL: 'Cancelled' },
      },
      AwaitingApproval: {
        meta: {
          step: {
            kind: 'approval',
            roles: opts.roles ?? ['approver', 'admin'],
            quorum: opts.quorum ?? 1,
            expiresInMs: opts.expiresInMs ?? 3_600_000,
            reason: 'writes to the ledger',
          },
        },
        on: {
          'APPROVAL.GRANTED': {
            target: 'Applying',
            actions: assign({ approvers: ({ event }) => (event.type === 'APPROVAL.GRANTED' ? event.approvers : []) }),
          },
          'APPROVAL.REJECTED': 'Rejected',
          'APPROVAL.EXPIRED': 'Expired',
          CANCEL: 'Cancelled',
        },
      },
      Applying: {
        meta: { step: { kind: 'effect', effect: 'ensureEntry', title: 'Apply one item' } },
        on: {
          'STEP.DONE': [
            {
              guard: 'moreItems',
              target: 'Applying',
              reenter: true,
              actions: assign({
                applied: ({ context }) => [...context.applied, context.items[context.index]],
                index: ({ context }) => context.index + 1,
              }),
            },
            {
              target: 'AwaitingSettled',
              actions: assign({
                applied: ({ context }) => [...context.applied, context.items[context.index]],
                appliedAt: ({ event }) => (event.type === 'STEP.DONE' ? Number((event.output as { at?: number }).at ?? 0) : null),
              }),
            },
          ],
          'STEP.FAILED': { target: 'RollingBack', actions: 'recordFailure' },
          CANCEL: { target: 'RollingBack', actions: 'markCancel' },
          ROLLBACK: 'RollingBack',
        },
      },
      AwaitingSettled: {
        meta: {
          step: { kind: 'wait', effect: 'awaitSettled', pollIntervalMs: 1000, timeoutMs: 60_000, timeoutContextKey: 'settleTimeoutMs', title: 'items settled' },
        },
        on: {
          'STEP.DONE': 'Verifying',
          'STEP.FAILED': { target: 'RollingBack', actions: 'recordFailure' },
          CANCEL: { target: 'RollingBack', actions: 'markCancel' },
          ROLLBACK: 'RollingBack',
        },
      },
      Verifying: {
        meta: { step: { kind: 'effect', effect: 'verify', title: 'Verify' } },
        on: {
          'STEP.DONE': 'Succeeded',
          'STEP.FAILED': { target: 'RollingBack', actions: 'recordFailure' },
          CANCEL: { target: 'RollingBack', actions: 'markCancel' },
          ROLLBACK: 'RollingBack',
        },
      },
      RollingBack: {
        meta: { step: { kind: 'effect', effect: 'compensate', title: 'Undo applied items' } },
        on: {
          'STEP.DONE': [{ guard: 'cancelRequested', target: 'Cancelled' }, { target: 'RolledBack' }],
          'STEP.FAILED': { target: 'Failed', actions: 'recordFailure' },
          CANCEL: { actions: 'markCancel' },
        },
      },
      Succeeded: { type: 'final' },
      RolledBack: { type: 'final' },
      Failed: { type: 'final' },
      Cancelled: { type: 'final' },
      Rejected: { type: 'final' },
      Expired: { type: 'final' },
    },
  });
  return {
    id: opts.id ?? 'test-ledger',
    version: opts.version ?? 1,
    title: 'Test ledger procedure',
    seedChapter: '-',
    description: 'Writes items to a ledger, with approval, wait, verification and compensation.',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['items', 'settleMs', 'failVerify', 'routeTable'],
      properties: {
        items: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9-]+$' }, minItems: 1, maxItems: 20 },
        settleMs: { type: 'integer', minimum: 0, maximum: 600_000 },
        failVerify: { type: 'boolean' },
        routeTable: { type: 'string', pattern: '^vtb-[a-z0-9]+$' },
      },
    },
    machine,
    effects,
    locks: opts.locks === false ? undefined : (params) => [`route-table:${String(params.routeTable)}`],
  };
}

/** Default parameters for a run of the test procedure. */
export function testParams(overrides: Partial<TestParams> = {}): TestParams {
  return { items: ['a', 'b', 'c'], settleMs: 3000, failVerify: false, routeTable: 'vtb-1', ...overrides };
}

/** Everything a test of the engine needs, wired on SQLite in memory and a virtual clock. */
export interface Harness {
  engine: Engine;
  store: SqliteStore;
  clock: ManualClock;
  scheduler: InProcessScheduler;
  ledger: MemoryLedger;
  /**
   * Delivers scheduled messages, moving the clock, until none is due within `horizonMs` of now
   * (default 10 minutes: polls and retries run, approval expiries do not).
   */
  run(horizonMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Options of `createHarness`. */
export interface HarnessOptions {
  procedures?: ProcedureDefinition<TestDeps>[];
  faults?: TestFaults;
  copies?: number;
  seed?: number;
  engine?: Partial<EngineOptions<TestDeps>>;
  store?: SqliteStore;
}

/** Builds an engine over the test procedure (or `procedures`). */
export function createHarness(opts: HarnessOptions = {}): Harness {
  const clock = new ManualClock();
  const store = opts.store ?? new SqliteStore(':memory:');
  const scheduler = new InProcessScheduler({ clock, copies: opts.copies });
  const ledger = new MemoryLedger();
  const engine = createEngine<TestDeps>({
    store,
    procedures: opts.procedures ?? [createTestProcedure()],
    deps: testDeps(ledger, opts.faults),
    scheduler,
    clock,
    random: seededRandom(opts.seed ?? 1),
    ...opts.engine,
  });
  return {
    engine,
    store,
    clock,
    scheduler,
    ledger,
    run: (horizonMs = 10 * 60_000) => scheduler.drain((msg) => engine.advance(msg), { until: clock.now() + horizonMs, maxDeliveries: 100_000 }),
    close: () => store.close(),
  };
}

/** Principals for approval tests. */
export const alice: Principal = { id: 'alice', roles: ['operator'] };
export const bob: Principal = { id: 'bob', roles: ['approver'] };
export const carol: Principal = { id: 'carol', roles: ['approver'] };
export const victor: Principal = { id: 'victor', roles: ['viewer'] };
