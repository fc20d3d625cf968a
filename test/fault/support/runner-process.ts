/**
 * The parent side of the SIGKILL tests of the procedures: runner processes (`migration-runner.ts`,
 * bundled once) that advance executions on the world's SQLite file and die at chosen step
 * boundaries, and the loop that feeds them the world's due deliveries, lets a dead runner's lease
 * lapse, sweeps, and starts the next runner until the execution ends.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ExecutionView } from '../../../src/engine/engine.ts';
import type { World } from '../../../src/twin/world.ts';

const RUNNER_SOURCE = fileURLToPath(new URL('./migration-runner.ts', import.meta.url));
/** The engine's default lease: a dead runner's step is taken over after it lapses. */
export const LEASE_MS = 60_000;

/** A bundled runner on disk (remove it when done). */
export interface RunnerBundle {
  path: string;
  remove(): void;
}

/**
 * Bundles the runner so that each process starts in ~0.1 s (no TypeScript loader). Packages stay
 * external and resolve from the repository's node_modules, hence the bundle lives in the repo
 * (under the ignored `.xcflow/`), one file per `name` so parallel test files do not collide.
 */
export async function buildRunner(name: string): Promise<RunnerBundle> {
  const path = fileURLToPath(new URL(`../../../.xcflow/test/runner-${name}-${process.pid}.mjs`, import.meta.url));
  await build({ entryPoints: [RUNNER_SOURCE], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: path, logLevel: 'silent' });
  return { path, remove: () => rmSync(path, { force: true }) };
}

/** What a runner process is told at start. */
export interface RunnerOptions {
  dbPath: string;
  /** SIGKILL right after the n-th boundary this process passes (0: never). */
  killAfter: number;
  /** Count wait polls that find their target reached as boundaries too. */
  killAtReadyWaits: boolean;
}

/** A runner process driven line by line. */
export class RunnerProcess {
  private readonly proc: ChildProcessByStdio<Writable, Readable, null>;
  private pending: ((r: 'done' | 'died') => void) | null = null;
  private exited = false;
  readonly ready: Promise<void>;
  /** The state whose step the process died after, once it has. */
  dyingAt: string | null = null;

  constructor(world: World, bundle: string, opts: RunnerOptions) {
    const [cred] = world.emulator.credentials;
    const cfg = {
      dbPath: opts.dbPath,
      endpoint: world.emulator.endpoint,
      accessKeyId: cred.accessKeyId,
      accessKeySecret: cred.accessKeySecret,
      regionId: world.cloud.regionId,
      killAfter: opts.killAfter,
      killAtReadyWaits: opts.killAtReadyWaits,
    };
    this.proc = spawn(process.execPath, [bundle, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let markReady: () => void = () => undefined;
    this.ready = new Promise((r) => (markReady = r));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { type: string; msg?: { executionId: string; seq: number }; dueAt?: number; step?: string };
      if (m.type === 'ready') markReady();
      if (m.type === 'dying') this.dyingAt = m.step ?? null;
      // The runner's scheduler is the world's: its deliveries go into the world's queue.
      if (m.type === 'scheduled' && m.msg && m.dueAt !== undefined) void world.scheduler.schedule(m.msg, { delayMs: Math.max(0, m.dueAt - world.clock.now()) });
      if (m.type === 'done') this.settle('done');
    });
    this.proc.on('exit', () => {
      this.exited = true;
      this.settle('died');
    });
  }

  private settle(r: 'done' | 'died'): void {
    const p = this.pending;
    this.pending = null;
    p?.(r);
  }

  /** Delivers one step message at virtual time `now`; resolves when it is handled or the process died. */
  advance(msg: { executionId: string; seq: number }, now: number): Promise<'done' | 'died'> {
    if (this.exited) return Promise.resolve('died');
    return new Promise((resolve) => {
      this.pending = resolve;
      this.proc.stdin.write(`${JSON.stringify({ type: 'advance', msg, now })}\n`);
    });
  }

  /** Lets the process exit (end of input). */
  close(): void {
    if (!this.exited) this.proc.stdin.end();
  }
}

/** Options of {@link runWithKills}. */
export interface KillPlan {
  bundle: string;
  dbPath: string;
  /**
   * 1-based boundaries (in the order a fault-free run passes them) after which a runner dies,
   * ascending. The runner that takes over redoes the boundary it died at, so the next one is
   * reached `next − previous + 1` boundaries into its life.
   */
  killAt: readonly number[];
  killAtReadyWaits: boolean;
  /** Safety net on deliveries. */
  maxDeliveries?: number;
}

/** What {@link runWithKills} saw. */
export interface KillRun {
  view: ExecutionView;
  /** The state each killed runner died after, in order. */
  killedAt: string[];
  processes: number;
}

/**
 * Runs an execution to its end through runner processes that die at `plan.killAt`: each death
 * leaves the cloud changed and the store unaware; the lease lapses, the sweep re-dispatches the
 * step, and the next process redoes it.
 */
export async function runWithKills(world: World, executionId: string, plan: KillPlan): Promise<KillRun> {
  const killedAt: string[] = [];
  let spawned = 0;
  const spawnNext = (): RunnerProcess => {
    const target = plan.killAt[spawned];
    const killAfter = target === undefined ? 0 : spawned === 0 ? target : target - (plan.killAt[spawned - 1] ?? 0) + 1;
    spawned += 1;
    return new RunnerProcess(world, plan.bundle, { dbPath: plan.dbPath, killAfter, killAtReadyWaits: plan.killAtReadyWaits });
  };
  let child = spawnNext();
  // The next process starts while this one works, so that its start-up costs no time after a death.
  let spare = spawnNext();
  try {
    await child.ready;
    const max = plan.maxDeliveries ?? 5000;
    for (let i = 0; i < max; i++) {
      const view = await world.engine.get(executionId);
      if (view.endedAt !== null) return { view, killedAt, processes: spawned - 1 };
      const msg = world.scheduler.take();
      if (!msg) {
        // Nothing queued: the killed runner's lease lapses and the sweep re-dispatches the step.
        world.clock.advance(LEASE_MS + 1);
        await world.engine.sweep(world.clock.now());
        continue;
      }
      if (msg.dueAt > world.clock.now()) world.clock.advanceTo(msg.dueAt);
      if ((await child.advance(msg.msg, world.clock.now())) === 'died') {
        killedAt.push(child.dyingAt ?? '?');
        child = spare;
        spare = spawnNext();
        await child.ready;
      }
    }
    throw new Error(`execution ${executionId} did not end within ${max} deliveries (killed at ${killedAt.join(', ')})`);
  } finally {
    child.close();
    spare.close();
  }
}
