/**
 * The contract between procedure definitions (`workflows/`) and the durable runner (`src/engine`).
 *
 * A procedure is a *pure* xstate v5 machine. Each non-final state names in its `meta` what the
 * runner must do there (run an effect, poll a wait, hold for approval). The runner performs the
 * I/O, then feeds the result back as an event (`STEP.DONE` / `STEP.FAILED` / `APPROVAL.*`) through
 * xstate's pure `transition()`, persisting the snapshot with a `seq`-conditional write in between.
 * Machines never use `invoke`, `after` or `fromPromise`: those do not survive a restore.
 */
import type { AnyStateMachine } from 'xstate';
import type { SerializedError } from '../errors.ts';

/** JSON values: everything in a machine's context, an effect's input or output, must be one. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A JSON Schema (draft 2020-12 subset) for a procedure's parameters. */
export type JsonSchema = JsonObject;

/** Roles a principal may hold (HTTP API, CLI, approvals). */
export type Role = 'viewer' | 'operator' | 'approver' | 'admin';

/**
 * What the runner does in a state, read from `meta.step` of the active state node.
 * - `effect`: run `effects[effect]` once; its result becomes `STEP.DONE` (output) or `STEP.FAILED`.
 *   Transient cloud errors are retried by the runner with back-off before `STEP.FAILED`.
 * - `wait`: call `effects[effect]` every `pollIntervalMs` until it returns `{ ready: true, ... }`
 *   (→ `STEP.DONE` with the whole result as output) or `timeoutMs` has passed since the state
 *   was entered (→ `STEP.FAILED` with code `WaitTimeout`). A wait effect never changes anything.
 *   `timeoutContextKey`, when set, names a number in context that overrides `timeoutMs`.
 * - `approval`: persist an approval request, then wait for `APPROVAL.GRANTED` /
 *   `APPROVAL.REJECTED` / `APPROVAL.EXPIRED` (sent by the runner at expiry).
 * Every kind may carry `seed` (the seed step it implements, e.g. `5.1-4`) and a `title`.
 */
export type StepMeta =
  | { kind: 'effect'; effect: string; title?: string; seed?: string }
  | {
      kind: 'wait';
      effect: string;
      pollIntervalMs: number;
      timeoutMs: number;
      timeoutContextKey?: string;
      title?: string;
      seed?: string;
    }
  | {
      kind: 'approval';
      /** Roles any of which may approve. */
      roles: Role[];
      /** Distinct approvers needed. */
      quorum: number;
      expiresInMs: number;
      /** Why approval is needed, shown to approvers. */
      reason: string;
      title?: string;
      seed?: string;
    };

/** The `meta` object of a procedure machine's state node. */
export interface StateMeta {
  step?: StepMeta;
}

/** Result of a wait effect. Extra fields are kept as the step output. */
export interface WaitResult extends JsonObject {
  ready: boolean;
}

/** Events the runner sends into procedure machines. */
export type RunnerEvent =
  | { type: 'STEP.DONE'; output: Json }
  | { type: 'STEP.FAILED'; error: SerializedError }
  | { type: 'APPROVAL.GRANTED'; approvers: string[] }
  | { type: 'APPROVAL.REJECTED'; by: string; comment?: string }
  | { type: 'APPROVAL.EXPIRED' }
  | { type: 'CANCEL'; by: string }
  | { type: 'ROLLBACK'; by: string; reason?: string };

/** Input every procedure machine receives when an execution starts. */
export interface MachineInput<P = JsonObject> {
  params: P;
  executionId: string;
  requestedBy: string;
  /** Whether the approval gate applies (true unless an admin turned it off for this execution). */
  approvalRequired: boolean;
}

/** One cloud API call, as journaled (every call, success or failure). */
export interface CloudCallRecord {
  product: 'Vpc' | 'Cbn' | 'Ecs' | string;
  action: string;
  requestId?: string;
  errorCode?: string;
  durationMs: number;
  /** Short, secret-free summary of the parameters. */
  params?: JsonObject;
}

/** What an effect receives besides its dependencies. */
export interface EffectInput<P = JsonObject, C = JsonObject> {
  executionId: string;
  procedureId: string;
  /** Name of the state that asked for the effect. */
  step: string;
  /** 1 for the first try of this step entry, then 2, 3… on retries. */
  attempt: number;
  /** Stable across retries and crashes of one step entry: use as the cloud `ClientToken`. */
  idempotencyKey: string;
  params: P;
  context: C;
  /** Milliseconds since the epoch on the execution's clock (virtual in tests). */
  now: number;
}

/** An effect: reads cloud state first, changes only what is missing, returns plain JSON. */
export type Effect<D = unknown> = (input: EffectInput<JsonObject, JsonObject>, deps: D) => Promise<Json>;

/** Execution outcome as users see it. */
export type ExecutionStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'awaiting_approval'
  | 'succeeded'
  | 'failed'
  | 'rolled_back'
  | 'cancelled'
  | 'rejected'
  | 'expired';

/**
 * A procedure as registered with the engine. Final states of `machine` must be named
 * `Succeeded`, `Failed`, `RolledBack`, `Cancelled`, `Rejected` or `Expired`; the execution status
 * is derived from that name (`RolledBack` → `rolled_back`).
 */
export interface ProcedureDefinition<D = unknown> {
  id: string;
  /** Bumped whenever the machine changes shape; running executions keep their version. */
  version: number;
  title: string;
  /** Seed chapter(s) the procedure automates, e.g. `5.1`. */
  seedChapter: string;
  description: string;
  paramsSchema: JsonSchema;
  /** Pure xstate machine; input is `MachineInput`. */
  machine: AnyStateMachine;
  /** Effects by name, as referenced from `meta.step.effect`. */
  effects: Record<string, Effect<D>>;
  /** Extra checks beyond the schema (ids exist, CIDRs canonical); throw ValidationError. */
  validate?: (params: JsonObject, deps: D) => Promise<void>;
  /** Resources the execution must hold exclusively, e.g. `route-table:vtb-123`, `vbr:vbr-1`. */
  locks?: (params: JsonObject) => string[];
}

/** An authenticated caller: who they are and which roles they hold. */
export interface Principal {
  id: string;
  roles: Role[];
}
