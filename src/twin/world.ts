/**
 * An in-process world on one virtual clock: the emulator (loaded from a topology or a snapshot),
 * cloud clients pointed at it, and an engine on an in-memory store (pure JavaScript, so the twin
 * runs in the deployed api bundle, which has no SQLite) whose steps are delivered by an in-process
 * scheduler. The digital twin runs plans in it; scenario tests and benchmarks use it
 * to run procedures end to end through the SDK clients.
 */
import { createCloudClients, type CloudClients } from '../cloud/index.ts';
import { createEngine, type Engine, type ExecutionView } from '../engine/engine.ts';
import { InProcessScheduler } from '../engine/scheduler.ts';
import type { CloudCallRecord, ProcedureDefinition } from '../engine/types.ts';
import { VirtualClock } from '../emulator/clock.ts';
import { startEmulator, type RunningEmulator, type TopologyFile } from '../emulator/index.ts';
import type { EmulatorSnapshot } from '../emulator/model/types.ts';
import type { ExecutionStore } from '../store/contract.ts';
import { MemoryStore } from '../store/memory.ts';

/** A running world. */
export interface World {
  readonly emulator: RunningEmulator;
  readonly clock: VirtualClock;
  readonly cloud: CloudClients;
  readonly engine: Engine;
  readonly scheduler: InProcessScheduler;
  readonly store: ExecutionStore;
  /** Every cloud call the execution's effects made, in order, as journaled (action, RequestId, error code). */
  calls(executionId: string): Promise<CloudCallRecord[]>;
  /** Delivers due steps, advancing the virtual clock to each, until `executionId` ends or rests at an approval gate. */
  run(executionId: string, opts?: RunOptions): Promise<ExecutionView>;
  close(): Promise<void>;
}

/** Options of {@link World.run}. */
export interface RunOptions {
  /** Stop after this many deliveries (a safety net; default 20,000). */
  maxDeliveries?: number;
  /** Called before each delivery with the message's due time (for fault injection between steps). */
  beforeDelivery?: (n: number) => Promise<void> | void;
}

/** Options of {@link startWorld}. */
export interface WorldOptions {
  /** Region of the cloud clients (the VPC's / VBR's). */
  regionId: string;
  procedures: ProcedureDefinition<CloudClients>[];
  topology?: string | TopologyFile;
  /** Load this model state instead of the topology (the digital twin). */
  snapshot?: EmulatorSnapshot;
  /** Virtual start time (default 2026-01-01; a snapshot's `takenAt` keeps its in-flight transitions on time). */
  startAt?: number;
  /** Engine retry policy override (tests of throttling). */
  retry?: { maxFailures?: number; baseMs?: number; capMs?: number };
  /** Seed for the engine's jitter. */
  random?: () => number;
  /**
   * The engine's store, e.g. a SQLite file shared with runner processes (kill tests). Default: a
   * fresh `MemoryStore`. The caller keeps ownership: `close()` does not close it.
   */
  store?: ExecutionStore;
  /** Deliver every step message this many times (2 = every async delivery duplicated; fault tests). */
  deliveryCopies?: number;
  /**
   * How the clients probe flows: the emulator's data plane (default), or Cloud Assistant ping
   * from ECS instances, as in the cloud (tests of the cloud paths against the emulator).
   */
  prober?: 'emulator' | 'cloud-assistant';
}

/**
 * Starts the emulator on a fresh virtual clock, the clients and the engine.
 * @throws the emulator's errors (bad topology, port)
 */
export async function startWorld(opts: WorldOptions): Promise<World> {
  const clock = new VirtualClock(opts.startAt ?? Date.UTC(2026, 0, 1));
  const emulator = await startEmulator({ port: 0, clock, ...(opts.topology !== undefined ? { topology: opts.topology } : {}) });
  if (opts.snapshot) emulator.load(opts.snapshot);
  const [credential] = emulator.credentials;
  const cloud = createCloudClients({
    regionId: opts.regionId,
    credentials: { accessKeyId: credential.accessKeyId, accessKeySecret: credential.accessKeySecret },
    endpoint: emulator.endpoint,
    // Cloud Assistant probes take time: their polls move the shared virtual clock, so the pings run.
    prober:
      opts.prober === 'cloud-assistant'
        ? { kind: 'cloud-assistant', sleep: async (ms: number) => clock.advance(ms), now: () => clock.now() }
        : { kind: 'emulator' },
  });
  const store = opts.store ?? new MemoryStore();
  const scheduler = new InProcessScheduler({ clock, ...(opts.deliveryCopies ? { copies: opts.deliveryCopies } : {}) });
  const engine = createEngine<CloudClients>({
    store,
    procedures: opts.procedures,
    deps: (observer) => cloud.withObserver(observer),
    scheduler,
    clock,
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const run = async (executionId: string, ro: RunOptions = {}): Promise<ExecutionView> => {
    const max = ro.maxDeliveries ?? 20_000;
    for (let n = 0; n < max; n++) {
      const view = await engine.get(executionId);
      if (view.endedAt !== null) return view;
      let next = scheduler.take();
      if (view.status === 'awaiting_approval' && (!next || next.dueAt > clock.now())) {
        // Resting at the gate: deliver nothing that is not due now (the expiry is, much later).
        if (next) await scheduler.schedule(next.msg, { delayMs: next.dueAt - clock.now() });
        return view;
      }
      if (!next) {
        // Nothing queued (a lost message): the sweep finds due work, as the timer would.
        const due = view.step ? Math.max(clock.now(), (await store.getExecution(executionId))?.nextRunAt ?? clock.now()) : clock.now();
        clock.advanceTo(due);
        const { dispatched } = await engine.sweep(clock.now());
        if (dispatched === 0) return view;
        continue;
      }
      next = next as NonNullable<typeof next>;
      if (next.dueAt > clock.now()) clock.advanceTo(next.dueAt);
      await ro.beforeDelivery?.(n);
      await engine.advance(next.msg);
    }
    throw new Error(`execution ${executionId} did not end within ${max} deliveries`);
  };
  const calls = async (executionId: string): Promise<CloudCallRecord[]> => {
    const out: CloudCallRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await engine.journal(executionId, { limit: 500, cursor });
      for (const e of page.items) {
        const c = e.data.calls;
        if (Array.isArray(c)) out.push(...(c as unknown as CloudCallRecord[]));
      }
      cursor = page.cursor;
    } while (cursor);
    return out;
  };
  return {
    emulator,
    clock,
    cloud,
    engine,
    scheduler,
    store,
    calls,
    run,
    close: async () => {
      cloud.close();
      await emulator.close();
    },
  };
}
