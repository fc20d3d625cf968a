/**
 * Findings over time (issue 7 part 3): the stable key of a finding (check id + resources), its
 * lifecycle record (first seen, opened, last seen, resolved) and `reconcile`, the pure step from
 * the previous records and one run's findings to the new records and the changes since the
 * previous run. A finding is "opened" once per episode, so notifications fire once; it is
 * "resolved" by the first run that no longer sees it.
 *
 * `reconcile` is idempotent per run: a retried audit step (crash after a partial write, or a
 * re-read network) computes the same `opened` / `resolved` / `changed` lists from the records it
 * wrote the first time.
 */
import { createHash } from 'node:crypto';
import type { Json, JsonObject } from '../../src/engine/types.ts';
import type { AuditFindingRecord } from '../../src/store/contract.ts';
import type { KeyedFinding } from './checks/index.ts';
import type { CheckId, RemediationSpec, Severity } from './types.ts';
import { stableJson } from '../../src/json.ts';

/** Longest key kept readable; longer resource lists are hashed. */
const MAX_READABLE_KEY = 240;

/** `checkId|resource,resource…` (resources sorted, de-duplicated); hashed when long. */
export function findingKey(checkId: CheckId | string, resources: readonly string[]): string {
  const body = [...new Set(resources)].sort().join(',');
  const raw = `${checkId}|${body}`;
  if (raw.length <= MAX_READABLE_KEY) return raw;
  return `${checkId}|sha256:${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
}

/** Where a proposed remediation stands (the execution's own status is read live). */
export type RemediationStatus = 'started' | 'not-registered' | 'invalid' | 'failed-to-start';

/** The remediation of a finding: what was proposed and what became of it. */
export interface RemediationState extends JsonObject {
  procedureId: string;
  params: JsonObject;
  reason: string;
  status: RemediationStatus;
  /** The execution that waits for approval (or ran), when started. */
  executionId: string | null;
  /** Why it was not started. */
  message: string | null;
  /** The run (and episode) that proposed it. */
  proposedRunId: string;
  proposedAt: number;
}

/** The lifecycle record of a finding (the `data` of an `AuditFindingRecord`). */
export interface FindingState extends JsonObject {
  key: string;
  checkId: string;
  severity: Severity;
  title: string;
  resources: string[];
  evidence: JsonObject;
  fix: string;
  routeTableId: string | null;
  destinationCidrBlock: string | null;
  /** The safe fix the last run offered, if any (not yet proposed). */
  remediationSpec: JsonObject | null;
  status: 'open' | 'resolved';
  firstSeenRunId: string;
  firstSeenAt: number;
  /** Start of the current (or last) episode: equal to firstSeen unless it came back after a resolution. */
  openedRunId: string;
  openedAt: number;
  lastSeenRunId: string;
  lastSeenAt: number;
  resolvedRunId: string | null;
  resolvedAt: number | null;
  /** Episodes (1 + times it came back after being resolved). */
  occurrences: number;
  /** Runs that saw it. */
  runsSeen: number;
  /** Severity before the last change, and the run that changed it. */
  previousSeverity: Severity | null;
  severityChangedRunId: string | null;
  remediation: RemediationState | null;
}

/** The changes one run made. */
export interface RunChanges {
  /** Keys opened by this run (new, or back after a resolution). */
  opened: string[];
  /** Keys this run no longer saw. */
  resolved: string[];
  /** Keys whose severity changed in this run. */
  changed: string[];
  /** Keys seen before and again. */
  persisting: string[];
}

/** The store record of a state. */
export function toRecord(s: FindingState, at: number): AuditFindingRecord {
  return { key: s.key, status: s.status, updatedAt: at, data: s };
}

/** The state in a store record. */
export function fromRecord(r: AuditFindingRecord): FindingState {
  return r.data as FindingState;
}

function observedFields(f: KeyedFinding): Pick<FindingState, 'checkId' | 'severity' | 'title' | 'resources' | 'evidence' | 'fix' | 'routeTableId' | 'destinationCidrBlock' | 'remediationSpec'> {
  return {
    checkId: f.checkId,
    severity: f.severity,
    title: f.title,
    resources: [...new Set(f.resources)].sort(),
    evidence: f.evidence,
    fix: f.fix,
    routeTableId: f.routeTableId ?? null,
    destinationCidrBlock: f.destinationCidrBlock ?? null,
    remediationSpec: f.remediation ? (f.remediation as unknown as JsonObject) : null,
  };
}

/**
 * The new lifecycle records after run `runId` saw `observed`, given `previous`: every open record
 * and the records of the observed keys (open or resolved). Returns only records that change, and
 * the run's changes.
 */
export function reconcile(previous: readonly FindingState[], observed: readonly KeyedFinding[], run: { runId: string; at: number }): { updates: FindingState[]; changes: RunChanges } {
  const prev = new Map(previous.map((p) => [p.key, p]));
  const seen = new Set<string>();
  const updates: FindingState[] = [];
  const changes: RunChanges = { opened: [], resolved: [], changed: [], persisting: [] };
  for (const f of observed) {
    if (seen.has(f.key)) continue;
    seen.add(f.key);
    const p = prev.get(f.key);
    const fields = observedFields(f);
    if (!p) {
      updates.push({
        key: f.key,
        ...fields,
        status: 'open',
        firstSeenRunId: run.runId,
        firstSeenAt: run.at,
        openedRunId: run.runId,
        openedAt: run.at,
        lastSeenRunId: run.runId,
        lastSeenAt: run.at,
        resolvedRunId: null,
        resolvedAt: null,
        occurrences: 1,
        runsSeen: 1,
        previousSeverity: null,
        severityChangedRunId: null,
        remediation: null,
      });
      changes.opened.push(f.key);
      continue;
    }
    const again = p.lastSeenRunId === run.runId;
    // Resolved by an earlier attempt of this same run, then seen again: it never went away.
    const undo = p.status === 'resolved' && p.resolvedRunId === run.runId;
    const reopened = p.status === 'resolved' && !undo;
    const severityChanged = !reopened && !again && p.severity !== f.severity;
    const next: FindingState = {
      ...p,
      ...fields,
      status: 'open',
      lastSeenRunId: run.runId,
      lastSeenAt: run.at,
      resolvedRunId: null,
      resolvedAt: null,
      runsSeen: again ? p.runsSeen : p.runsSeen + 1,
      ...(reopened ? { openedRunId: run.runId, openedAt: run.at, occurrences: p.occurrences + 1, previousSeverity: null, severityChangedRunId: null } : {}),
      ...(severityChanged ? { previousSeverity: p.severity, severityChangedRunId: run.runId } : {}),
    };
    updates.push(next);
    if (next.openedRunId === run.runId) changes.opened.push(f.key);
    else changes.persisting.push(f.key);
    if (next.severityChangedRunId === run.runId) changes.changed.push(f.key);
  }
  for (const p of previous) {
    if (seen.has(p.key)) continue;
    if (p.status === 'resolved') {
      // Resolved by an earlier attempt of this run: report it again, write nothing.
      if (p.resolvedRunId === run.runId && p.openedRunId !== run.runId) changes.resolved.push(p.key);
      continue;
    }
    updates.push({ ...p, status: 'resolved', resolvedRunId: run.runId, resolvedAt: run.at });
    // Opened and gone within one run (two attempts saw different networks): not a change.
    if (p.openedRunId !== run.runId) changes.resolved.push(p.key);
  }
  for (const list of Object.values(changes) as string[][]) list.sort();
  return { updates, changes };
}

/** Severity counts of a set of findings. */
export function countBySeverity(findings: ReadonlyArray<{ severity: Severity }>): { critical: number; warning: number; info: number; total: number } {
  const out = { critical: 0, warning: 0, info: 0, total: findings.length };
  for (const f of findings) out[f.severity] += 1;
  return out;
}

/** The spec a state carries, typed. */
export function specOf(s: FindingState): RemediationSpec | null {
  const r = s.remediationSpec as Json;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return null;
  const o = r as JsonObject;
  if (typeof o.procedureId !== 'string' || typeof o.reason !== 'string' || !o.params || typeof o.params !== 'object' || Array.isArray(o.params)) return null;
  return { procedureId: o.procedureId, params: o.params as JsonObject, reason: o.reason };
}

/** What a fix does, as a hash of its procedure and parameters: findings needing the same fix share one execution. */
export function specKey(spec: { procedureId: string; params: JsonObject }): string {
  return createHash('sha256').update(`${spec.procedureId}\n${stableJson(spec.params)}`).digest('hex');
}
