/**
 * The durable engine: xstate procedures run as persisted steps (see `docs/architecture.md`).
 * Import from here: the facade, the scheduler interface and implementations, the registry.
 * The per-process composition (`runtime.ts`) imports `workflows/`, so it is not re-exported here:
 * workflows may import this module without a cycle.
 */
export * from './types.ts';
export { createEngine, newExecutionId, type Engine, type EngineOptions, type ExecutionSummary, type ExecutionView, type StartOptions } from './engine.ts';
export { InProcessScheduler, ManualClock, SIGNAL_SEQ, TimerScheduler, systemClock, type Clock, type StepMessage, type StepScheduler } from './scheduler.ts';
export { createFcClient, createFcStepScheduler, type FcStepSchedulerOptions } from './fc-scheduler.ts';
export { StepRunner, pureTransition, persistSnapshot, restoreSnapshot, type AdvanceOutcome, type AdvanceResult, type CloudCallObserver, type DepsFactory } from './runner.ts';
export { ProcedureRegistry, FINAL_STATUS, isTerminal, leafPath, stepMetaAt } from './registry.ts';
export { DEFAULT_RETRY, backoffDelay, isTransient, seededRandom, type RetryPolicy } from './retry.ts';
export type { LockPolicy } from './locks.ts';
export { assertMatchesSchema, schemaIssues, type SchemaIssue } from './schema.ts';
