/**
 * A world for scenario tests of procedures: the emulator on a virtual clock, cloud clients
 * pointed at it (pop-core, signed calls), and an engine on SQLite `:memory:` whose steps an
 * in-process scheduler delivers, moving the one virtual clock they share. A 16 s failover or a
 * 5-minute route wait runs in milliseconds.
 */
import { createCloudClients, type CloudClients } from '../../src/cloud/index.ts';
import { createEngine, type Engine, type ExecutionView } from '../../src/engine/engine.ts';
import { InProcessScheduler } from '../../src/engine/scheduler.ts';
import type { ProcedureDefinition } from '../../src/engine/types.ts';
import { VirtualClock } from '../../src/emulator/clock.ts';
import { startEmulator, type RunningEmulator, type TopologyFile } from '../../src/emulator/index.ts';
import type { JournalEntry } from '../../src/store/contract.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';

/** A running world. */
export interface ProcedureWorld {
  readonly emulator: RunningEmulator;
  readonly clock: VirtualClock;
  readonly cloud: CloudClients;
  readonly engine: Engine;
  readonly scheduler: InProcessScheduler;
  /** Delivers due steps, moving the clock to each, until the execution ends or rests at an approval gate. */
  run(executionId: string, maxDeliveries?: number): Promise<ExecutionView>;
  /** Every journal entry of an execution. */
  journal(executionId: string): Promise<JournalEntry[]>;
  close(): Promise<void>;
}

/** Starts the emulator with `topology`, the clients for `regionId`, and the engine. */
export async function startProcedureWorld(opts: { regionId: string; procedures: ProcedureDefinition<CloudClients>[]; topology: string | TopologyFile }): Promise<ProcedureWorld> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const emulator = await startEmulator({ port: 0, clock, topology: opts.topology });
  const [credential] = emulator.credentials;
  if (!credential) throw new Error('the emulator has no credentials');
  const cloud = createCloudClients({
    regionId: opts.regionId,
    credentials: { accessKeyId: credential.accessKeyId, accessKeySecret: credential.accessKeySecret },
    endpoint: emulator.endpoint,
    prober: { kind: 'emulator' },
  });
  const store = new SqliteStore({ path: ':memory:' });
  const scheduler = new InProcessScheduler({ clock });
  const engine = createEngine<CloudClients>({ store, procedures: opts.procedures, deps: (observer) => cloud.withObserver(observer), scheduler, clock });
  const run = async (executionId: string, maxDeliveries = 20_000): Promise<ExecutionView> => {
    for (let n = 0; n < maxDeliveries; n++) {
      const view = await engine.get(executionId);
      if (view.endedAt !== null || view.status === 'awaiting_approval') return view;
      const next = scheduler.take();
      if (!next) {
        // Nothing queued: the sweep finds due work, as the timer would.
        const due = (await store.getExecution(executionId))?.nextRunAt ?? clock.now();
        clock.advanceTo(Math.max(clock.now(), due));
        const { dispatched } = await engine.sweep(clock.now());
        if (dispatched === 0) return view;
        continue;
      }
      if (next.dueAt > clock.now()) clock.advanceTo(next.dueAt);
      await engine.advance(next.msg);
    }
    throw new Error(`execution ${executionId} did not end within ${maxDeliveries} deliveries`);
  };
  const journal = async (executionId: string): Promise<JournalEntry[]> => {
    const out: JournalEntry[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await engine.journal(executionId, { limit: 500, cursor });
      out.push(...page.items);
      if (!page.cursor) return out;
      cursor = page.cursor;
    }
  };
  return {
    emulator,
    clock,
    cloud,
    engine,
    scheduler,
    run,
    journal,
    close: async () => {
      cloud.close();
      await emulator.close();
      await store.close();
    },
  };
}
