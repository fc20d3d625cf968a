/**
 * A runner process for the kill tests of the procedures (migrations: `migration-faults.test.ts`;
 * chapters 1, 2, 6: `procedures-*.test.ts`): advances executions on a shared SQLite file, one
 * delivery per command read from stdin (JSON lines), reporting the deliveries it schedules on
 * stdout. With `killAfter = n` it SIGKILLs itself right after its n-th effect (not wait) has
 * returned and before the engine commits the result: the worst step boundary, where the cloud has
 * changed and the store does not know yet. With `killAtReadyWaits`, a wait poll that finds its
 * target reached counts as a boundary too (the step ends there).
 *
 *   node --import tsx migration-runner.ts '{"dbPath":…,"endpoint":…,"regionId":…,"killAfter":2}'
 */
import { createInterface } from 'node:readline';
import { createCloudClients, type CloudClients } from '../../../src/cloud/index.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import type { Effect, ProcedureDefinition } from '../../../src/engine/types.ts';
import { SqliteStore } from '../../../src/store/sqlite.ts';
import { procedures } from '../../../workflows/index.ts';

interface Config {
  dbPath: string;
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  regionId: string;
  killAfter: number;
  /** Count wait polls that return `ready: true` as boundaries too (default false). */
  killAtReadyWaits?: boolean;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
let now = 0;
let effectsDone = 0;
const out = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

const isReady = (result: unknown): boolean => result !== null && typeof result === 'object' && (result as { ready?: unknown }).ready === true;

function withKill(def: ProcedureDefinition<CloudClients>): ProcedureDefinition<CloudClients> {
  const effects: Record<string, Effect<CloudClients>> = {};
  for (const [name, effect] of Object.entries(def.effects)) {
    const wait = name.startsWith('await');
    effects[name] =
      wait && !config.killAtReadyWaits
        ? effect
        : async (input, deps) => {
            const result = await effect(input, deps);
            if (wait && !isReady(result)) return result;
            effectsDone += 1;
            if (config.killAfter > 0 && effectsDone >= config.killAfter) {
              out({ type: 'dying', step: input.step });
              process.kill(process.pid, 'SIGKILL');
            }
            return result;
          };
  }
  return { ...def, effects };
}

const cloud = createCloudClients({
  regionId: config.regionId,
  credentials: { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret },
  endpoint: config.endpoint,
  prober: { kind: 'emulator' },
});
const engine = createEngine<CloudClients>({
  store: new SqliteStore({ path: config.dbPath }),
  procedures: procedures.map(withKill),
  deps: (observer) => cloud.withObserver(observer),
  scheduler: { schedule: async (msg, { delayMs }) => out({ type: 'scheduled', msg, dueAt: now + delayMs }) },
  clock: { now: () => now },
});

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const cmd = JSON.parse(line) as { type: 'advance'; msg: { executionId: string; seq: number }; now: number };
  now = cmd.now;
  engine.advance(cmd.msg).then(
    (result) => out({ type: 'done', result }),
    (err: unknown) => out({ type: 'done', error: String(err) }),
  );
});
lines.on('close', () => {
  cloud.close();
  process.exit(0);
});
out({ type: 'ready' });
