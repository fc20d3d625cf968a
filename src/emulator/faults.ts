/**
 * Fault injection for the RPC gateway: throttling, TaskConflict and 5xx at given rates, added
 * latency, and one action failing N times with a chosen code. Random faults draw from a seeded
 * PRNG so a test that sets `seed` sees the same faults on every run. Faults are decided after
 * authentication and before the action runs, so an injected failure never changes the model.
 */
import { RpcError, serviceUnavailable, taskConflict, throttlingUser } from './rpc/errors.ts';
import { ValidationError } from '../errors.ts';
import type { EmulatorApiError } from './errors.ts';

/** One scripted failure: `action` fails the next `times` calls with `code`. */
export interface ActionFailure {
  readonly action: string;
  readonly code: string;
  readonly times: number;
  readonly message?: string;
  readonly httpStatus?: number;
}

/** What `POST /_emulator/faults` accepts (JSON). Rates are probabilities 0–1 per call. */
export interface FaultConfig {
  /** PRNG seed; the same seed and call sequence give the same faults. Default 1. */
  readonly seed?: number;
  /** `Throttling.User` rate, any action. */
  readonly throttlingRate?: number;
  /** `TaskConflict` rate, write actions only (not `Describe…`). */
  readonly taskConflictRate?: number;
  /** `ServiceUnavailable` (HTTP 503) rate, any action. */
  readonly serverErrorRate?: number;
  /** Added latency per RPC call, in real milliseconds. */
  readonly latencyMs?: number;
  /** Restrict the random faults to these actions (all when absent). */
  readonly actions?: readonly string[];
  /** Scripted failures, consumed in order per action. */
  readonly failures?: readonly ActionFailure[];
}

/** The fault layer's verdict for one call. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly error?: EmulatorApiError;
}

/** What `GET /_emulator/faults` reports. */
export interface FaultState {
  readonly config: FaultConfig;
  /** Scripted failures still to fire, per action. */
  readonly remaining: ReadonlyArray<{ action: string; code: string; times: number }>;
  /** Faults injected since the config was set, by code. */
  readonly injected: Readonly<Record<string, number>>;
}

/** Decides, call by call, which fault (if any) to inject. */
export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = mulberry32(1);
  private remaining: Array<{ action: string; code: string; times: number; message?: string; httpStatus?: number }> = [];
  private injected: Record<string, number> = {};

  /**
   * Replaces the fault configuration (and restarts the PRNG from its seed).
   * @throws ValidationError (code `InvalidFaultConfig`) for rates outside 0–1 or bad failures
   */
  set(input: unknown): FaultState {
    const config = parseFaultConfig(input);
    this.config = config;
    this.random = mulberry32(config.seed ?? 1);
    this.remaining = (config.failures ?? []).map((f) => ({ ...f }));
    this.injected = {};
    return this.state();
  }

  /** Removes every fault. */
  clear(): void {
    this.set({});
  }

  /** The current configuration and counters. */
  state(): FaultState {
    return {
      config: this.config,
      remaining: this.remaining.filter((f) => f.times > 0).map(({ action, code, times }) => ({ action, code, times })),
      injected: { ...this.injected },
    };
  }

  /** Decides the fault for one call of `action` (`write` = changes state). */
  decide(action: string, write: boolean): FaultDecision {
    const latencyMs = this.config.latencyMs ?? 0;
    const scripted = this.remaining.find((f) => f.action === action && f.times > 0);
    if (scripted) {
      scripted.times -= 1;
      return this.inject(latencyMs, new RpcError(scripted.code, scripted.message ?? `Injected fault ${scripted.code}.`, scripted.httpStatus ?? statusFor(scripted.code)));
    }
    const scope = this.config.actions;
    if (scope && !scope.includes(action)) return { latencyMs };
    // One draw per configured kind, always in the same order, so the sequence is reproducible.
    if (this.config.throttlingRate && this.random() < this.config.throttlingRate) {
      return this.inject(latencyMs, throttlingUser());
    }
    if (this.config.serverErrorRate && this.random() < this.config.serverErrorRate) {
      return this.inject(latencyMs, serviceUnavailable());
    }
    if (write && this.config.taskConflictRate && this.random() < this.config.taskConflictRate) {
      return this.inject(latencyMs, taskConflict());
    }
    return { latencyMs };
  }

  private inject(latencyMs: number, error: EmulatorApiError): FaultDecision {
    this.injected[error.code] = (this.injected[error.code] ?? 0) + 1;
    return { latencyMs, error };
  }
}

function statusFor(code: string): number {
  if (code === 'ServiceUnavailable') return 503;
  if (code === 'InternalError') return 500;
  if (code.endsWith('.NotFound')) return 404;
  return 400;
}

/** mulberry32: a tiny, well-distributed 32-bit PRNG; deterministic for a seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bad(message: string, field: string): ValidationError {
  return new ValidationError(message, { code: 'InvalidFaultConfig', field });
}

function rate(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw bad(`${key} must be a number between 0 and 1`, key);
  return v;
}

/**
 * Validates a fault configuration given as JSON.
 * @throws ValidationError (code `InvalidFaultConfig`)
 */
export function parseFaultConfig(input: unknown): FaultConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw bad('fault config must be a JSON object', 'body');
  const obj = input as Record<string, unknown>;
  const known = new Set(['seed', 'throttlingRate', 'taskConflictRate', 'serverErrorRate', 'latencyMs', 'actions', 'failures']);
  for (const k of Object.keys(obj)) if (!known.has(k)) throw bad(`unknown fault setting "${k}"`, k);
  const seed = obj.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) throw bad('seed must be an integer', 'seed');
  const latencyMs = obj.latencyMs;
  if (latencyMs !== undefined && (typeof latencyMs !== 'number' || !(latencyMs >= 0 && latencyMs <= 60_000))) {
    throw bad('latencyMs must be a number between 0 and 60000', 'latencyMs');
  }
  const actions = obj.actions;
  if (actions !== undefined && (!Array.isArray(actions) || !actions.every((a) => typeof a === 'string'))) {
    throw bad('actions must be a list of action names', 'actions');
  }
  const failuresIn = obj.failures;
  if (failuresIn !== undefined && !Array.isArray(failuresIn)) throw bad('failures must be a list', 'failures');
  const failures: ActionFailure[] = [];
  (failuresIn ?? []).forEach((f: unknown, i: number) => {
    const field = `failures[${i}]`;
    if (f === null || typeof f !== 'object') throw bad(`${field} must be an object`, field);
    const r = f as Record<string, unknown>;
    if (typeof r.action !== 'string' || r.action === '') throw bad(`${field}.action must be an action name`, field);
    if (typeof r.code !== 'string' || r.code === '') throw bad(`${field}.code must be an error code`, field);
    const times = r.times ?? 1;
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) throw bad(`${field}.times must be a positive integer`, field);
    if (r.message !== undefined && typeof r.message !== 'string') throw bad(`${field}.message must be a string`, field);
    if (r.httpStatus !== undefined && (typeof r.httpStatus !== 'number' || r.httpStatus < 400 || r.httpStatus > 599)) {
      throw bad(`${field}.httpStatus must be 400–599`, field);
    }
    failures.push({
      action: r.action,
      code: r.code,
      times,
      ...(typeof r.message === 'string' ? { message: r.message } : {}),
      ...(typeof r.httpStatus === 'number' ? { httpStatus: r.httpStatus } : {}),
    });
  });
  return {
    ...(seed !== undefined ? { seed: seed as number } : {}),
    ...(rate(obj, 'throttlingRate') !== undefined ? { throttlingRate: rate(obj, 'throttlingRate') } : {}),
    ...(rate(obj, 'taskConflictRate') !== undefined ? { taskConflictRate: rate(obj, 'taskConflictRate') } : {}),
    ...(rate(obj, 'serverErrorRate') !== undefined ? { serverErrorRate: rate(obj, 'serverErrorRate') } : {}),
    ...(latencyMs !== undefined ? { latencyMs: latencyMs as number } : {}),
    ...(actions !== undefined ? { actions: actions as string[] } : {}),
    ...(failures.length > 0 ? { failures } : {}),
  };
}
