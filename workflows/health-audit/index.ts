/**
 * `health-audit` (issue 7): the scheduled audit of the Express Connect + CEN network — fifteen
 * checks (network-anchors.md §2.3) over one inventory read through the Describe APIs, judged
 * against an intent file; findings stored per run with their lifecycle; safe fixes proposed as
 * approval-gated executions of the matching procedures.
 *
 * The procedure needs the store (runs, findings, the last performance report) and the engine
 * (to start remediations), which are built after the procedure list. Hand it a function that
 * returns them once they exist:
 *
 *   const late: { store?: ExecutionStore; engine?: Engine } = {};
 *   const audit = createHealthAudit(() => ({ store: late.store!, engine: () => late.engine! }));
 *   late.store = store; late.engine = createEngine({ store, procedures: [...others, audit], ... });
 *
 * Started by the `audit` timer (functions/audit.ts) or on demand with the same params.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { JsonObject, ProcedureDefinition } from '../../src/engine/types.ts';
import { createEffects, type HealthAuditServices } from './effects.ts';
import { healthAuditMachine } from './machine.ts';
import { auditParamsSchema, parseAuditParams } from './params.ts';

export { CHECKS, runChecks } from './checks/index.ts';
export type { CheckDefinition, CheckResults, KeyedFinding } from './checks/index.ts';
export { REMEDIATION_REQUESTER } from './effects.ts';
export type { HealthAuditServices } from './effects.ts';
export { findingKey, reconcile } from './findings.ts';
export type { FindingState, RemediationState, RunChanges } from './findings.ts';
export { EMPTY_INTENT, loadIntentFile, parseIntent } from './intent.ts';
export type { AuditIntent } from './intent.ts';
export { readNetwork, plannedProbes, runProbes } from './inventory.ts';
export { auditParamsSchema, parseAuditParams } from './params.ts';
export type { AuditParams } from './params.ts';
export { diffAuditRuns, getAuditFinding, getAuditRun, getLatestAuditRun, listAuditFindings, listAuditRuns } from './runs.ts';
export type { AuditRunData, AuditRunDiff, AuditRunView, FindingFilter } from './runs.ts';
export { CHECK_IDS } from './types.ts';
export type { CheckId, Finding, Inventory, Severity } from './types.ts';

/** Procedure id. */
export const HEALTH_AUDIT = 'health-audit';

/** Lock held by a running audit: audits do not interleave their lifecycle updates. */
export const AUDIT_LOCK = 'audit:health-audit';

/**
 * The `health-audit` procedure over late-bound services (store, engine, default intent).
 * @throws nothing at build time; the services are read when an effect runs.
 */
export function createHealthAudit(services: HealthAuditServices | (() => HealthAuditServices)): ProcedureDefinition<CloudClients> {
  const get = typeof services === 'function' ? services : () => services;
  return {
    id: HEALTH_AUDIT,
    version: 1,
    title: 'Network health audit',
    seedChapter: '1, 2, 5, 6 (audit)',
    description:
      'Reads the Express Connect and CEN network through the Describe APIs and runs fifteen checks (circuit, VBR and attachment states, health checks and their return paths, ECMP symmetry, declared redundancy, migration leftovers, CEN route conflicts, longest-prefix intent, cloud-service routes, BGP, flows, performance drift). Findings are stored per run with first-seen / last-seen / resolved; safe fixes are proposed as executions that wait for approval.',
    paramsSchema: auditParamsSchema,
    machine: healthAuditMachine,
    effects: createEffects(get),
    validate: async (params: JsonObject) => {
      parseAuditParams(params);
    },
    locks: () => [AUDIT_LOCK],
  };
}
