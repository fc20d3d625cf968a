/**
 * Human-readable output of the CLI: tables, times, one line per journal entry, an execution's
 * status block. `--json` bypasses all of this.
 */
import type { Json, JsonObject } from '../engine/types.ts';

/** `2026-01-01 12:00:00Z` (UTC, to the second); `-` for null. */
export function formatTime(ms: Json | undefined): string {
  if (typeof ms !== 'number') return '-';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** `12:00:00.123` (UTC time of day). */
export function formatClock(ms: Json | undefined): string {
  if (typeof ms !== 'number') return '--:--:--.---';
  return new Date(ms).toISOString().slice(11, 23);
}

/** `1h 2m`, `3.2s`… for a duration in milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m}m ${Math.floor((ms % 60_000) / 1000)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A plain text table with a header row, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function str(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function obj(v: Json | undefined): JsonObject {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function callsText(calls: Json | undefined): string {
  if (!Array.isArray(calls) || calls.length === 0) return '';
  const parts = calls.map((c) => {
    const o = obj(c);
    return `${str(o.product)}.${str(o.action)}${o.errorCode ? ` ✗${str(o.errorCode)}` : ''}${o.requestId ? ` [${str(o.requestId)}]` : ''}`;
  });
  return ` — ${parts.join(', ')}`;
}

/** One journal entry as one line (without the time). */
export function describeEntry(entry: JsonObject): string {
  const d = obj(entry.data);
  const state = str(entry.state);
  switch (entry.kind) {
    case 'created':
      return `created: ${str(d.procedureId)} v${str(d.version)} requested by ${str(d.requestedBy)}${d.approvalRequired === false ? ' (no approval gate)' : ''}${d.idempotencyKey ? ` key ${str(d.idempotencyKey)}` : ''}`;
    case 'transition':
      return `${str(d.from)} → ${str(d.to)} (${str(d.event)}${d.ignored ? ', ignored' : ''})`;
    case 'effect':
    case 'poll': {
      const what = `${entry.kind === 'poll' ? 'poll' : 'step'} ${state}: ${str(d.effect)} #${str(d.attempt)} ${str(d.outcome)}`;
      const err = d.error ? ` ${str(obj(d.error).code)}: ${str(obj(d.error).message)}` : '';
      const retry = typeof d.retryInMs === 'number' ? `, retry in ${formatDuration(d.retryInMs)}` : '';
      return `${what}${err}${retry}${callsText(d.calls)}`;
    }
    case 'retry':
      return `retry ${state}: ${JSON.stringify(d)}`;
    case 'lease.expired':
      return `lease of ${str(d.owner)} on ${state} expired (attempt ${str(d.attempt)})`;
    case 'approval.requested': {
      const roles = Array.isArray(d.roles) ? d.roles.join(' or ') : '';
      return `approval requested at ${state}: ${roles}, quorum ${str(d.quorum)}, expires ${formatTime(d.expiresAt)} — ${str(d.reason)}`;
    }
    case 'approval.decided': {
      const decisions = Array.isArray(d.decisions)
        ? d.decisions.map((x) => {
            const o = obj(x);
            return `${str(o.principal)} ${str(o.decision)}${o.comment ? ` ("${str(o.comment)}")` : ''}`;
          })
        : [];
      return `approval ${str(d.outcome)}${decisions.length > 0 ? `: ${decisions.join(', ')}` : ''}`;
    }
    case 'lock':
      if (d.waiting) return `waiting for lock ${str(d.waiting)} held by ${str(d.holder)}`;
      if (d.lost) return `lost lock ${str(d.lost)} to ${str(d.holder)}`;
      return `locks acquired: ${Array.isArray(d.acquired) ? d.acquired.join(', ') : str(d.acquired)}`;
    case 'signal':
      return `${str(d.signal)} requested by ${str(d.by)}${d.reason ? `: ${str(d.reason)}` : ''}`;
    case 'ended': {
      const err = d.error ? ` — ${str(obj(d.error).code)}: ${str(obj(d.error).message)}` : '';
      return `ended: ${str(d.status)}${err}`;
    }
    default:
      return `${str(entry.kind)} ${state} ${JSON.stringify(d)}`;
  }
}

/** One journal entry as a timed line. */
export function journalLine(entry: JsonObject): string {
  return `${formatClock(entry.at)}  ${describeEntry(entry)}`;
}

/** The status block of one execution. */
export function describeExecution(view: JsonObject): string {
  const lines: string[] = [];
  lines.push(`${str(view.id)}  ${str(view.procedureId)} v${str(view.procedureVersion)}  ${str(view.title)}`);
  lines.push(`  status      ${str(view.status)}`);
  lines.push(`  state       ${str(view.state)}`);
  const step = obj(view.step);
  if (view.step) {
    const what = [step.effect ? String(step.effect) : String(step.kind), step.title ? `"${str(step.title)}"` : '', step.seed ? `(seed ${str(step.seed)})` : '']
      .filter(Boolean)
      .join(' ');
    lines.push(`  step        ${str(step.state)}: ${what}, attempt ${str(step.attempt)}${step.failures ? `, ${str(step.failures)} failures` : ''}, since ${formatTime(step.since)}`);
  }
  const waiting = obj(view.waiting);
  if (view.waiting) {
    const since = typeof waiting.since === 'number' ? ` (since ${formatTime(waiting.since)})` : '';
    const until = typeof waiting.until === 'number' ? `, next at ${formatTime(waiting.until)}` : '';
    lines.push(`  waiting     ${str(waiting.reason)}${since}${until}`);
  }
  const gate = obj(view.approval);
  if (view.approval) {
    const decisions = Array.isArray(gate.decisions) ? gate.decisions.map((x) => `${str(obj(x).principal)} ${str(obj(x).decision)}`) : [];
    lines.push(
      `  approval    ${str(gate.status)} at ${str(gate.state)}: ${Array.isArray(gate.roles) ? gate.roles.join(' or ') : ''}, quorum ${str(gate.quorum)}, expires ${formatTime(gate.expiresAt)}`,
    );
    lines.push(`              ${str(gate.reason)}`);
    if (decisions.length > 0) lines.push(`              decisions: ${decisions.join(', ')}`);
  }
  lines.push(`  requested   by ${str(view.requestedBy)} at ${formatTime(view.createdAt)}${view.approvalRequired === false ? ' (no approval gate)' : ''}`);
  if (view.endedAt) lines.push(`  ended       ${formatTime(view.endedAt)}`);
  if (Array.isArray(view.locks) && view.locks.length > 0) lines.push(`  locks       ${view.locks.join(', ')}`);
  lines.push(`  params      ${JSON.stringify(view.params)}`);
  if (view.error) lines.push(`  error       ${str(obj(view.error).code)}: ${str(obj(view.error).message)}`);
  if (view.output !== null && view.output !== undefined) lines.push(`  output      ${JSON.stringify(view.output)}`);
  if (view.plan) lines.push(`  plan        ${JSON.stringify(view.plan).slice(0, 200)}`);
  lines.push(`  journal     ${str(view.journalLength)} entries (xcflow journal ${str(view.id)})`);
  return `${lines.join('\n')}\n`;
}

function rowValues(v: Json | undefined): string {
  const o = obj(v);
  if (!v) return '—';
  const parts = [o.nextHop ? `${str(o.entryType)} → ${str(o.nextHop)}` : '', o.cenStatus ? `CEN ${str(o.cenStatus)} → ${str(o.cenNextHop)}` : ''].filter(Boolean);
  return parts.join('; ') || '—';
}

/**
 * A plan for people: refusals, warnings, conflicts, the write calls in order, the route-table rows
 * that change, and the predicted blackout — for the keys a plan has (the CEN migrations' planner
 * fills them all). Null when the plan has none of them (then it is printed as JSON).
 */
export function describePlan(plan: JsonObject): string | null {
  const known = ['refusals', 'warnings', 'conflicts', 'calls', 'routes', 'predictedBlackout'];
  if (!known.some((k) => k in plan)) return null;
  const out: string[] = [];
  const refusals = Array.isArray(plan.refusals) ? plan.refusals.map(obj) : [];
  if (plan.runnable === false || refusals.length > 0) out.push(`REFUSED (${refusals.length}):`, ...refusals.map((r) => `  ${str(r.code)}: ${str(r.message)}${r.field ? ` [${str(r.field)}]` : ''}`));
  const warnings = Array.isArray(plan.warnings) ? plan.warnings : [];
  if (warnings.length > 0) out.push('Warnings:', ...warnings.map((w) => `  ${str(w)}`));
  const conflicts = Array.isArray(plan.conflicts) ? plan.conflicts.map(obj) : [];
  if ('conflicts' in plan) {
    out.push(`Conflicts: ${conflicts.length}`);
    for (const c of conflicts) {
      const peering = obj(c.peeringRoute);
      const blocked = Array.isArray(c.blocked) ? c.blocked.map((b) => str(obj(b).destinationCidrBlock)) : [];
      const halves = Array.isArray(c.halves) ? c.halves.map((h) => str(obj(h).destinationCidrBlock)) : [];
      out.push(`  ${str(c.childInstanceId)} ${str(c.routeTableId)}: peering route ${str(peering.destinationCidrBlock)} blocks CEN ${blocked.join(', ') || '—'}${halves.length ? `; temporary ${halves.join(', ')}` : ''}`);
    }
  }
  const calls = Array.isArray(plan.calls) ? plan.calls.map(obj) : [];
  const writes = calls.filter((c) => c.kind === undefined || c.kind === 'write');
  if (calls.length > 0) {
    out.push(`Changes (${writes.length} write call(s) of ${calls.length}):`);
    writes.forEach((c, i) => out.push(`  ${String(i + 1).padStart(2)}. ${c.product ? `${str(c.product)}.` : ''}${str(c.action)} ${str(c.target ?? c.item)}${c.seed ? `  (seed ${str(c.seed)})` : ''}`));
  }
  const diff = Array.isArray(obj(plan.routes).diff) ? (obj(plan.routes).diff as Json[]).map(obj) : [];
  const changed = diff.filter((r) => r.presence !== 'both' || (Array.isArray(r.changed) && r.changed.length > 0));
  if ('routes' in plan) {
    out.push(`Route tables: ${changed.length} row(s) change`);
    for (const r of changed) {
      const mark = r.presence === 'after' ? '+' : r.presence === 'before' ? '-' : '~';
      out.push(`  ${mark} ${str(r.routeTableId)} ${str(r.destinationCidrBlock).padEnd(18)} ${rowValues(r.before)}  ⇒  ${rowValues(r.after)}`);
    }
  }
  const blackout = obj(plan.predictedBlackout);
  if (plan.predictedBlackout) {
    if (blackout.simulated === false) out.push(`Predicted blackout: not simulated (${str(blackout.reason)})`);
    else {
      out.push(`Predicted blackout (digital twin, probe every ${str(blackout.probeIntervalMs)} ms): ${str(blackout.totalLost)} lost probe(s), longest ${formatDuration(Number(blackout.maxBlackoutMs ?? 0))}`);
      for (const f of Array.isArray(blackout.flows) ? blackout.flows.map(obj) : []) {
        out.push(`  ${str(f.name)}: ${str(f.lost)}/${str(f.sent)} lost, ${formatDuration(Number(f.blackoutMs ?? 0))}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
