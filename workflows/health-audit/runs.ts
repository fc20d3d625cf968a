/**
 * Reading audit results (for the HTTP API and `xcflow audit`): the latest run and its changes
 * since the previous one, any run, the findings with their lifecycle, and the net difference
 * between two runs. Read-only over the store's audit primitives.
 */
import type { Json, JsonObject } from '../../src/engine/types.ts';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import type { AuditRunRecord, ExecutionStore, Page, PageRequest } from '../../src/store/contract.ts';
import { fromRecord, type FindingState, type RemediationStatus } from './findings.ts';
import type { Severity } from './types.ts';

/** What a run record holds (`AuditRunRecord.data`). */
export interface AuditRunData {
  /** `run-` and a sequence number: runs sort in the order they were recorded. */
  runId: string;
  /** The audit execution that recorded it. */
  executionId: string;
  /** `recording` while findings are written, `recorded` once they are, `completed` once remediations were proposed. */
  status: 'recording' | 'recorded' | 'completed';
  /** When the network was read. */
  at: number;
  regionIds: string[];
  cenIds: string[] | null;
  checks: string[];
  intentDigest: string;
  previousRunId: string | null;
  /** Findings this run saw, by severity. */
  counts: { critical: number; warning: number; info: number; total: number };
  /** Changes since the previous run (keys; lists capped at 2000, then `truncated`). */
  changes: { opened: string[]; resolved: string[]; changed: string[]; persisting: number; truncated: boolean };
  /** Findings the intent's ignore list dropped, by check. */
  ignored: JsonObject;
  /** Cloud calls of the read: Describe calls (total and by action), all calls, failures. */
  calls: { describe: number; describeByAction: { [action: string]: number }; total: number; failed: number; throttled: number };
  /** Resources audited, by kind. */
  resources: { [kind: string]: number };
  /** Wall time of the read (API paging and probes) and of the analysis, ms. */
  timingsMs: { read: number; analysis: number };
  /** Remediations proposed by this run. */
  remediations: Array<{ key: string; procedureId: string; status: RemediationStatus; executionId: string | null; message: string | null }>;
  /** Remediation executions withdrawn because their finding was resolved. */
  withdrawn?: string[];
}

/** A run with its findings. */
export interface AuditRunView {
  run: AuditRunData;
  /** Whether no newer run exists. */
  latest: boolean;
  /** Findings open now, most severe first (only for the latest run; empty otherwise). */
  open: FindingState[];
  /** Findings this run opened (new or back), their current records. */
  opened: FindingState[];
  /** Findings this run resolved. */
  resolved: FindingState[];
  /** Findings whose severity changed in this run. */
  changed: FindingState[];
}

/** Filter of {@link listAuditFindings}. */
export interface FindingFilter {
  status?: 'open' | 'resolved';
  severity?: Severity[];
  checkId?: string;
}

const RANK: Record<Severity, number> = { critical: 2, warning: 1, info: 0 };

function sortFindings(xs: FindingState[]): FindingState[] {
  return xs.sort((a, b) => RANK[b.severity] - RANK[a.severity] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function runData(r: AuditRunRecord): AuditRunData {
  return r.data as unknown as AuditRunData;
}

async function states(store: ExecutionStore, keys: string[]): Promise<FindingState[]> {
  if (keys.length === 0) return [];
  return sortFindings((await store.getAuditFindings(keys)).map(fromRecord));
}

async function allOpen(store: ExecutionStore): Promise<FindingState[]> {
  const out: FindingState[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listAuditFindings({ status: 'open' }, { limit: 500, cursor });
    out.push(...page.items.map(fromRecord));
    cursor = page.cursor;
  } while (cursor);
  return sortFindings(out);
}

async function view(store: ExecutionStore, rec: AuditRunRecord, latest: boolean): Promise<AuditRunView> {
  const run = runData(rec);
  return {
    run,
    latest,
    open: latest ? await allOpen(store) : [],
    opened: await states(store, run.changes.opened),
    resolved: await states(store, run.changes.resolved),
    changed: await states(store, run.changes.changed),
  };
}

/** The newest run with its open findings and its changes since the previous run, or null before the first audit. */
export async function getLatestAuditRun(store: ExecutionStore): Promise<AuditRunView | null> {
  const page = await store.listAuditRuns({ limit: 1 });
  const rec = page.items[0];
  return rec ? view(store, rec, true) : null;
}

/** One run with its changes. @throws NotFoundError `AuditRunNotFound` */
export async function getAuditRun(store: ExecutionStore, runId: string): Promise<AuditRunView> {
  const rec = await store.getAuditRun(runId);
  if (!rec) throw new NotFoundError(`audit run ${runId} does not exist`, { code: 'AuditRunNotFound', field: 'runId' });
  const newest = (await store.listAuditRuns({ limit: 1 })).items[0];
  return view(store, rec, newest?.runId === runId);
}

/** Runs, newest first, paged. */
export async function listAuditRuns(store: ExecutionStore, page: PageRequest): Promise<Page<AuditRunData>> {
  const p = await store.listAuditRuns(page);
  return { items: p.items.map(runData), cursor: p.cursor };
}

/**
 * Findings with their lifecycle, in key order, paged; `severity` and `checkId` are applied to
 * each page (a page may hold fewer than `limit` items while `cursor` is set).
 */
export async function listAuditFindings(store: ExecutionStore, filter: FindingFilter, page: PageRequest): Promise<Page<FindingState>> {
  const p = await store.listAuditFindings(filter.status ? { status: filter.status } : {}, page);
  const items = p.items.map(fromRecord).filter((s) => (!filter.severity || filter.severity.includes(s.severity)) && (!filter.checkId || s.checkId === filter.checkId));
  return { items, cursor: p.cursor };
}

/** One finding by key. @throws NotFoundError `AuditFindingNotFound` */
export async function getAuditFinding(store: ExecutionStore, key: string): Promise<FindingState> {
  const [rec] = await store.getAuditFindings([key]);
  if (!rec) throw new NotFoundError(`audit finding ${key} does not exist`, { code: 'AuditFindingNotFound', field: 'key' });
  return fromRecord(rec);
}

/** The net difference between two runs. */
export interface AuditRunDiff {
  fromRunId: string;
  toRunId: string;
  /** Runs after `from` up to and including `to`. */
  runs: number;
  /** Open at `to`, not open at `from`. */
  opened: string[];
  /** Open at `from`, resolved at `to`. */
  resolved: string[];
  /** Open at both, but resolved and back in between. */
  flapped: string[];
  /** Severity changed in between (and open at both ends). */
  changed: string[];
  /** Some run in between had more changes than its record keeps. */
  truncated: boolean;
}

/**
 * The net difference from run `fromRunId` to run `toRunId` (default: the newest), replaying the
 * change lists of the runs in between.
 * @throws NotFoundError `AuditRunNotFound`; ValidationError `InvalidRunOrder` when `from` is not older than `to`
 */
export async function diffAuditRuns(store: ExecutionStore, fromRunId: string, toRunId?: string): Promise<AuditRunDiff> {
  if (!(await store.getAuditRun(fromRunId))) throw new NotFoundError(`audit run ${fromRunId} does not exist`, { code: 'AuditRunNotFound', field: 'fromRunId' });
  const to = toRunId ?? (await store.listAuditRuns({ limit: 1 })).items[0]?.runId ?? fromRunId;
  if (!(await store.getAuditRun(to))) throw new NotFoundError(`audit run ${to} does not exist`, { code: 'AuditRunNotFound', field: 'toRunId' });
  if (to < fromRunId) throw new ValidationError(`run ${fromRunId} is newer than ${to}`, { code: 'InvalidRunOrder', field: 'fromRunId' });
  // Runs in (from, to], newest first as listed, then replayed oldest first.
  const between: AuditRunData[] = [];
  let cursor: string | null = null;
  scan: do {
    const page = await store.listAuditRuns({ limit: 100, cursor });
    for (const r of page.items) {
      if (r.runId > to) continue;
      if (r.runId <= fromRunId) break scan;
      between.push(runData(r));
    }
    cursor = page.cursor;
  } while (cursor);
  between.reverse();
  const first = new Map<string, 'opened' | 'resolved'>();
  const last = new Map<string, 'opened' | 'resolved'>();
  const changed = new Set<string>();
  let truncated = false;
  for (const r of between) {
    truncated ||= r.changes.truncated;
    for (const k of r.changes.opened) {
      if (!first.has(k)) first.set(k, 'opened');
      last.set(k, 'opened');
    }
    for (const k of r.changes.resolved) {
      if (!first.has(k)) first.set(k, 'resolved');
      last.set(k, 'resolved');
    }
    for (const k of r.changes.changed) changed.add(k);
  }
  const opened: string[] = [];
  const resolved: string[] = [];
  const flapped: string[] = [];
  for (const [k, f] of first) {
    const l = last.get(k);
    if (f === 'opened' && l === 'opened') opened.push(k);
    else if (f === 'resolved' && l === 'resolved') resolved.push(k);
    else if (f === 'resolved' && l === 'opened') flapped.push(k);
  }
  return {
    fromRunId,
    toRunId: to,
    runs: between.length,
    opened: opened.sort(),
    resolved: resolved.sort(),
    flapped: flapped.sort(),
    changed: [...changed].filter((k) => !first.has(k) || (first.get(k) === 'resolved' && last.get(k) === 'opened')).sort(),
    truncated,
  };
}

/** A run record's data as plain JSON (for the API). */
export function runJson(run: AuditRunData): Json {
  return run as unknown as Json;
}
