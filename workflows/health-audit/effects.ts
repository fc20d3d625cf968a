/**
 * Effects of `health-audit`: `runAudit` (read the inventory, run the checks, record the run and
 * the findings' lifecycle) and `proposeRemediations` (start an approval-gated execution for each
 * open finding with a safe fix, once per episode; cancel proposals whose finding went away while
 * they still waited for approval). Both are idempotent per execution: a retry rewrites the same
 * run and finds its proposals by their start idempotency keys.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../src/engine/types.ts';
import { NotFoundError, ValidationError, XcflowError } from '../../src/errors.ts';
import type { AuditFindingRecord, ExecutionStore } from '../../src/store/contract.ts';
import { CHECKS, runChecks } from './checks/index.ts';
import { countBySeverity, fromRecord, reconcile, specKey, specOf, toRecord, type FindingState, type RemediationState } from './findings.ts';
import { EMPTY_INTENT, intentDigest, type AuditIntent } from './intent.ts';
import { callCounter, plannedProbes, readActiveChanges, readNetwork, readPerformanceBaseline, runProbes } from './inventory.ts';
import { parseAuditParams } from './params.ts';
import type { AuditRunData } from './runs.ts';
import type { Inventory } from './types.ts';

/** What the audit needs besides the cloud clients. */
export interface HealthAuditServices {
  /** Where runs and findings are kept: the engine's store. */
  store: ExecutionStore;
  /** The engine that starts remediation executions (the one running the audit). */
  engine(): Engine;
  /** The intent when an execution's params carry none (e.g. `loadIntentFile(XCFLOW_AUDIT_INTENT_FILE)`). */
  defaultIntent?(): AuditIntent | Promise<AuditIntent>;
}

/** Who remediation executions are requested by (so the approver is always someone else). */
export const REMEDIATION_REQUESTER = 'health-audit';

/** At most this many keys per change list in a run record (the record must fit one Tablestore value). */
const MAX_KEYS_PER_LIST = 2000;

async function listAll(store: ExecutionStore, status: 'open' | 'resolved'): Promise<AuditFindingRecord[]> {
  const out: AuditFindingRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listAuditFindings({ status }, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

function resourceCounts(inv: Inventory): { [k: string]: number } {
  return {
    regions: inv.regionIds.length,
    physicalConnections: inv.physicalConnections.length,
    vbrs: inv.vbrs.length,
    routerInterfaces: inv.routerInterfaces.length,
    vpcs: inv.vpcs.length,
    routeTables: inv.routeTables.length,
    routeEntries: inv.routeTables.reduce((a, t) => a + t.entries.length, 0),
    bgpPeers: inv.bgpPeers.length,
    cens: inv.cens.length,
    cenChildren: inv.cenChildren.length,
    cenRoutes: inv.cenRoutes.reduce((a, c) => a + c.routes.length, 0),
    cenVbrHealthChecks: inv.cenVbrHealthChecks.length,
    probes: inv.probes.length,
  };
}

const cap = (keys: string[]): string[] => keys.slice(0, MAX_KEYS_PER_LIST);

/** Run ids: `run-` and a 12-digit sequence number, so that they sort in recording order. */
const RUN_ID = /^run-(\d{12})$/;

/** Idempotency records of run ids never expire. */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * The run id of an audit execution: the one it already has (a retried step), or the next number
 * after the newest run, claimed create-once in the store so that two audits never share one.
 * Execution ids alone do not order runs: two audits started in the same millisecond (a timer and
 * an on-demand start) get ids in random order, and the audit lock runs them in start order.
 */
export async function assignRunId(store: ExecutionStore, executionId: string, now: number): Promise<string> {
  const recent = await store.listAuditRuns({ limit: 10 });
  const mine = recent.items.find((r) => r.data.executionId === executionId);
  if (mine) return mine.runId;
  const newest = recent.items[0] ? RUN_ID.exec(recent.items[0].runId) : null;
  for (let seq = newest ? Number(newest[1]) + 1 : 1; ; seq += 1) {
    const runId = `run-${String(seq).padStart(12, '0')}`;
    const claim = await store.claimIdempotencyKey({ key: `audit-run:${runId}`, value: { executionId }, createdAt: now, expiresAt: NEVER }, now);
    if (claim.created || claim.record.value.executionId === executionId) return runId;
  }
}

/** Builds the effects over the services. */
export function createEffects(services: () => HealthAuditServices): Record<string, Effect<CloudClients>> {
  return {
    /** Reads, checks and records one run (numbered by `assignRunId`). */
    runAudit: async (input: EffectInput<JsonObject, JsonObject>, cloud: CloudClients): Promise<Json> => {
      const { store, defaultIntent } = services();
      const p = parseAuditParams(input.params);
      const intent = p.intent ?? (defaultIntent ? await defaultIntent() : EMPTY_INTENT);
      const scope = { regionIds: p.regionIds ?? [cloud.regionId], ...(p.cenIds ? { cenIds: p.cenIds } : {}) };
      const counter = callCounter();
      const view = cloud.withObserver(counter.observer);
      const t0 = performance.now();
      const network = await readNetwork(view, scope);
      const probes = await runProbes(view, plannedProbes(network, intent));
      const [performanceBaseline, activeChanges] = await Promise.all([readPerformanceBaseline(store), readActiveChanges(store, input.executionId)]);
      const runId = await assignRunId(store, input.executionId, input.now);
      const readMs = performance.now() - t0;
      const inventory: Inventory = { ...network, probes, performance: performanceBaseline, activeChanges, readAt: input.now };
      const t1 = performance.now();
      const checks = p.checks ? CHECKS.filter((c) => p.checks?.includes(c.id)) : CHECKS;
      const results = runChecks(inventory, intent, checks);
      const analysisMs = performance.now() - t1;

      // Lifecycle: every open record, the records of what this run saw, and those an earlier
      // attempt of this run resolved (listed in the run record it wrote first).
      const open = await listAll(store, 'open');
      const seenKeys = results.findings.map((f) => f.key);
      const seen = new Set(seenKeys);
      const earlierAttempt = await store.getAuditRun(runId);
      const resolvedBefore = earlierAttempt ? ((earlierAttempt.data as unknown as AuditRunData).changes?.resolved ?? []) : [];
      const known = await store.getAuditFindings([...seenKeys, ...resolvedBefore]);
      const prevByKey = new Map<string, FindingState>();
      for (const r of [...open, ...known]) prevByKey.set(r.key, fromRecord(r));
      // A subset of the checks only resolves findings of those checks.
      const previous = [...prevByKey.values()].filter((s) => !p.checks || p.checks.includes(s.checkId as never) || seen.has(s.key));
      const { updates, changes } = reconcile(previous, results.findings, { runId, at: input.now });

      const earlier = await store.listAuditRuns({ limit: 2 });
      const previousRunId = earlier.items.find((r) => r.runId < runId)?.runId ?? null;
      const describeByAction = Object.fromEntries(Object.entries(counter.count.byAction).filter(([a]) => a.startsWith('Describe')));
      const counts = countBySeverity(results.findings);
      const data: AuditRunData = {
        runId,
        executionId: input.executionId,
        status: 'recorded',
        at: input.now,
        regionIds: scope.regionIds,
        cenIds: p.cenIds,
        checks: checks.map((c) => c.id),
        intentDigest: intentDigest(intent),
        previousRunId,
        counts,
        changes: {
          opened: cap(changes.opened),
          resolved: cap(changes.resolved),
          changed: cap(changes.changed),
          persisting: changes.persisting.length,
          truncated: [changes.opened, changes.resolved, changes.changed].some((l) => l.length > MAX_KEYS_PER_LIST),
        },
        ignored: results.ignored as JsonObject,
        calls: {
          describe: Object.values(describeByAction).reduce((a, n) => a + n, 0),
          describeByAction,
          total: counter.count.total,
          failed: counter.count.failed,
          throttled: counter.count.throttled,
        },
        resources: resourceCounts(inventory),
        timingsMs: { read: Math.round(readMs), analysis: Math.round(analysisMs * 1000) / 1000 },
        remediations: [],
      };
      // The run first (as `recording`), so that a retry after a crash finds what this attempt resolved.
      await store.putAuditRun({ runId, at: input.now, data: { ...(data as unknown as JsonObject), status: 'recording' } });
      await store.putAuditFindings(updates.map((u) => toRecord(u, input.now)));
      await store.putAuditRun({ runId, at: input.now, data: data as unknown as JsonObject });
      return {
        runId,
        counts,
        opened: changes.opened.length,
        resolved: changes.resolved.length,
        changed: changes.changed.length,
        persisting: changes.persisting.length,
        describeCalls: data.calls.describe,
        proposeRemediations: p.proposeRemediations,
      };
    },

    /** Starts the safe fixes of open findings (once per episode) and withdraws those no longer needed. */
    proposeRemediations: async (input: EffectInput<JsonObject, JsonObject>): Promise<Json> => {
      const { store, engine } = services();
      const p = parseAuditParams(input.params);
      const summary = (input.context.summary ?? {}) as JsonObject;
      const runId = typeof summary.runId === 'string' ? summary.runId : '';
      const run = runId ? await store.getAuditRun(runId) : null;
      if (!run) throw new NotFoundError(`the run of audit ${input.executionId} was not recorded`, { code: 'AuditRunNotFound' });
      const data = run.data as unknown as AuditRunData;
      const eng = engine();
      const proposals: AuditRunData['remediations'] = [];
      const writes: FindingState[] = [];
      const open = (await listAll(store, 'open')).map(fromRecord);
      // Executions already proposed and not ended, by what they do: findings that need the same
      // fix (both lines of one redundancy group) share one execution.
      const live = new Map<string, RemediationState>();
      for (const s of open) {
        const r = s.remediation;
        if (!r?.executionId || r.status !== 'started') continue;
        const k = specKey(r);
        if (live.has(k)) continue;
        const ex = await eng.get(r.executionId).catch(() => null);
        if (ex && ex.endedAt === null) live.set(k, r);
      }
      if (p.proposeRemediations) {
        for (const s of open) {
          const spec = specOf(s);
          if (!spec) continue;
          // One proposal per episode, whatever became of it (a rejected fix is not re-proposed every run).
          if (s.remediation && s.remediation.proposedRunId >= s.openedRunId) {
            if (s.remediation.proposedRunId === runId) proposals.push({ key: s.key, procedureId: s.remediation.procedureId, status: s.remediation.status, executionId: s.remediation.executionId, message: s.remediation.message });
            continue;
          }
          const k = specKey(spec);
          const shared = live.get(k);
          const state: RemediationState = shared
            ? { ...shared, proposedRunId: runId, proposedAt: input.now }
            : { procedureId: spec.procedureId, params: spec.params, reason: spec.reason, status: 'started', executionId: null, message: null, proposedRunId: runId, proposedAt: input.now };
          if (!shared) {
            try {
              eng.registry.latest(spec.procedureId);
            } catch (err) {
              if (!(err instanceof NotFoundError)) throw err;
              state.status = 'not-registered';
              state.message = `procedure ${spec.procedureId} is not registered in this deployment`;
            }
          }
          if (!shared && state.status === 'started') {
            try {
              const ex = await eng.start(spec.procedureId, spec.params, {
                requestedBy: REMEDIATION_REQUESTER,
                // Retries of this step find the execution they started.
                idempotencyKey: `remediation:${k.slice(0, 32)}:${runId}`,
                approvalRequired: true,
              });
              state.executionId = ex.id;
              live.set(k, state);
            } catch (err) {
              if (err instanceof XcflowError && err.retryable) throw err;
              state.status = err instanceof ValidationError ? 'invalid' : 'failed-to-start';
              state.message = err instanceof Error ? err.message : String(err);
            }
          }
          writes.push({ ...s, remediation: state });
          proposals.push({ key: s.key, procedureId: state.procedureId, status: state.status, executionId: state.executionId, message: state.message });
        }
      }
      // Proposals of findings this run resolved that still wait for approval are withdrawn,
      // unless a finding still open shares the execution.
      const withdrawn: string[] = [];
      const stillNeeded = new Set([...open, ...writes].map((s) => s.remediation?.executionId).filter((x): x is string => !!x));
      const resolved = await store.getAuditFindings(data.changes.resolved);
      for (const rec of resolved) {
        const s = fromRecord(rec);
        const id = s.remediation?.executionId;
        if (!id || stillNeeded.has(id) || withdrawn.includes(id)) continue;
        const ex = await eng.get(id).catch(() => null);
        if (ex?.status !== 'awaiting_approval') continue;
        await eng.cancel(id, { id: REMEDIATION_REQUESTER, roles: ['admin'] }, `audit ${runId} no longer sees ${s.key}`);
        withdrawn.push(id);
      }
      await store.putAuditFindings(writes.map((w) => toRecord(w, input.now)));
      await store.putAuditRun({ ...run, data: { ...(data as unknown as JsonObject), status: 'completed', remediations: proposals as unknown as Json, withdrawn } });
      return { proposed: proposals.filter((x) => x.status === 'started').length, notStarted: proposals.filter((x) => x.status !== 'started').length, withdrawn: withdrawn.length };
    },
  };
}
