// One execution's journal as the console shows it: a table of steps (each state the execution
// passed through, with its attempts, retries, polls and cloud calls) and the full timeline, where
// runs of "not ready yet" polls are folded into one line and every cloud call shows its RequestId.

import { fmtDuration, fmtOffset, h, short } from './dom.js';

/** The state an entry moved the execution to, when it records a transition (its own or folded into an effect's entry). */
export function transitionTo(e) {
  const d = e.data ?? {};
  if (e.kind === 'transition') return d.ignored ? null : d.to ?? null;
  if ((e.kind === 'effect' || e.kind === 'poll') && typeof d.to === 'string') return d.to;
  return null;
}

/** Steps in order of first entry: { state, from, to, attempts, retries, polls, calls, outcome }. */
export function stepsOf(journal, endedAt) {
  const steps = [];
  const byState = new Map();
  let current = null;
  const enter = (state, at) => {
    const step = { state, from: at, to: null, attempts: 0, retries: 0, polls: 0, calls: 0, failedCalls: 0, outcome: null, kind: null };
    steps.push(step);
    byState.set(state, step);
    current = step;
    return step;
  };
  for (const e of journal) {
    const d = e.data ?? {};
    if (e.kind === 'transition' && !d.ignored) {
      if (current && current.state === d.from) current.to = e.at;
      if (d.to && d.to !== d.from) enter(d.to, e.at);
      continue;
    }
    if (e.kind === 'created') continue;
    const state = e.state;
    if (!state) continue;
    const step = current && current.state === state ? current : byState.get(state) ?? enter(state, e.at);
    if (e.kind === 'effect') {
      step.kind ??= 'effect';
      step.attempts += 1;
      if (d.outcome === 'transient') step.retries += 1;
      step.outcome = d.outcome;
    } else if (e.kind === 'poll') {
      step.kind = 'wait';
      step.polls += 1;
      if (d.outcome === 'transient') step.retries += 1;
      step.outcome = d.outcome === 'ok' ? 'ready' : d.outcome;
    } else if (e.kind === 'approval.requested') {
      step.kind = 'approval';
      step.outcome = 'requested';
    } else if (e.kind === 'approval.decided') {
      step.kind = 'approval';
      step.outcome = d.outcome;
    } else if (e.kind === 'ended') {
      step.kind ??= 'final';
      step.outcome = d.status;
      step.to = e.at;
    }
    if (Array.isArray(d.calls)) {
      step.calls += d.calls.length;
      step.failedCalls += d.calls.filter((c) => c && c.errorCode).length;
    }
    // An effect's or poll's entry may carry the transition its result caused.
    const to = transitionTo(e);
    if (to && to !== state) {
      step.to = e.at;
      enter(to, e.at);
    }
  }
  for (const st of steps) if (st.to === null && endedAt !== null && endedAt !== undefined) st.to = endedAt;
  return steps;
}

/** The steps table. */
export function stepsTable(journal, view) {
  const steps = stepsOf(journal, view.endedAt);
  const t0 = view.createdAt;
  return h(
    'table',
    { class: 'steps', 'data-testid': 'steps' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Step'), h('th', {}, 'Kind'), h('th', { class: 'num' }, 'Entered'), h('th', { class: 'num' }, 'Took'), h('th', { class: 'num' }, 'Attempts'), h('th', { class: 'num' }, 'Retries'), h('th', { class: 'num' }, 'Polls'), h('th', { class: 'num' }, 'Cloud calls'), h('th', {}, 'Outcome'))),
    h(
      'tbody',
      {},
      steps.map((st) =>
        h(
          'tr',
          { 'data-state': st.state },
          h('td', {}, h('code', {}, st.state)),
          h('td', {}, st.kind ?? ''),
          h('td', { class: 'num mono' }, fmtOffset(st.from - t0)),
          h('td', { class: 'num' }, st.to === null ? (view.endedAt ? '—' : 'ongoing') : fmtDuration(st.to - st.from)),
          h('td', { class: 'num' }, st.attempts || ''),
          h('td', { class: 'num' }, st.retries || ''),
          h('td', { class: 'num' }, st.polls || ''),
          h('td', { class: 'num' }, st.calls ? `${st.calls}${st.failedCalls ? ` (${st.failedCalls} failed)` : ''}` : ''),
          h('td', {}, st.outcome ?? ''),
        ),
      ),
    ),
  );
}

function callsTable(calls) {
  if (!Array.isArray(calls) || calls.length === 0) return null;
  return h(
    'table',
    { class: 'calls' },
    h(
      'tbody',
      {},
      calls.map((c) =>
        h(
          'tr',
          { class: c.errorCode ? 'err' : '' },
          h('td', {}, `${c.product ?? ''}`),
          h('td', {}, h('code', {}, c.action ?? '')),
          h('td', { class: 'mono', title: 'RequestId' }, c.requestId ?? '—'),
          h('td', {}, c.errorCode ? c.errorCode : 'ok'),
          h('td', { class: 'num' }, c.durationMs !== undefined ? `${Math.round(c.durationMs)} ms` : ''),
          h('td', { class: 'muted params', title: c.params ? JSON.stringify(c.params) : '' }, c.params ? short(c.params, 120) : ''),
        ),
      ),
    ),
  );
}

/** `→ NextState (EVENT)` under an effect or poll whose entry carries its transition. */
function arrow(e) {
  const to = transitionTo(e);
  if (!to) return null;
  return h('div', { class: 'small' }, '→ ', h('code', {}, to), h('span', { class: 'muted' }, `  ${e.data.event ?? ''}`));
}

function line(t0, e, kindClass, kindText, ...body) {
  return h('li', { 'data-kind': e.kind, 'data-seq': e.seq }, h('span', { class: 't' }, fmtOffset(e.at - t0)), h('span', { class: `kind ${kindClass}` }, kindText), h('div', {}, ...body));
}

/** Folds runs of not-ready polls of one state into one item. */
function fold(journal) {
  const out = [];
  for (const e of journal) {
    const prev = out[out.length - 1];
    if (e.kind === 'poll' && e.data?.outcome === 'not-ready' && prev && prev.kind === 'poll-run' && prev.state === e.state) {
      prev.entries.push(e);
      continue;
    }
    if (e.kind === 'poll' && e.data?.outcome === 'not-ready') {
      out.push({ kind: 'poll-run', state: e.state, at: e.at, seq: e.seq, entries: [e] });
      continue;
    }
    out.push(e);
  }
  return out;
}

/** The full timeline list. */
export function timelineList(journal, view) {
  const t0 = view.createdAt;
  const items = fold(journal).map((e) => {
    const d = e.data ?? {};
    switch (e.kind) {
      case 'created':
        return line(t0, e, '', 'created', `by ${d.requestedBy ?? '?'} — ${d.procedureId ?? ''} v${d.version ?? '?'}`, d.approvalRequired === false ? ' (approval gate off)' : '', d.locks ? h('div', { class: 'muted small' }, `locks: ${d.locks.join(', ')}${d.locksHeld === false ? ' (waiting)' : ''}`) : null);
      case 'transition':
        return line(t0, e, d.ignored ? 'bad' : '', 'transition', h('code', {}, d.from ?? ''), ' → ', h('code', {}, d.to ?? ''), h('span', { class: 'muted' }, `  ${d.event ?? ''}${d.ignored ? ' (not handled here)' : ''}`));
      case 'effect': {
        const bad = d.outcome !== 'ok';
        return line(
          t0,
          e,
          bad ? 'bad' : 'effect',
          d.outcome === 'transient' ? 'retry' : 'effect',
          h('code', {}, d.effect ?? ''),
          ` attempt ${d.attempt ?? 1}: ${d.outcome ?? ''}`,
          d.durationMs !== undefined ? h('span', { class: 'muted' }, ` (${fmtDuration(d.durationMs)})`) : null,
          d.error ? h('div', { class: 'error small' }, `${d.error.code ?? ''}: ${d.error.message ?? ''}`) : null,
          d.retryInMs !== undefined ? h('div', { class: 'muted small' }, `next try in ${fmtDuration(d.retryInMs)}`) : null,
          arrow(e),
          callsTable(d.calls),
        );
      }
      case 'poll-run': {
        const first = e.entries[0];
        const last = e.entries[e.entries.length - 1];
        const calls = e.entries.flatMap((x) => (Array.isArray(x.data?.calls) ? x.data.calls : []));
        return line(
          t0,
          first,
          'poll',
          'waiting',
          h('code', {}, first.data?.effect ?? e.state),
          ` not ready × ${e.entries.length}`,
          e.entries.length > 1 ? h('span', { class: 'muted' }, ` over ${fmtDuration(last.at - first.at)}`) : null,
          last.data?.output !== undefined ? h('div', { class: 'muted small' }, short(last.data.output)) : null,
          calls.length > 0 ? h('details', {}, h('summary', { class: 'small' }, `${calls.length} cloud call${calls.length === 1 ? '' : 's'}`), callsTable(calls)) : null,
        );
      }
      case 'poll':
        return line(
          t0,
          e,
          d.outcome === 'ok' ? 'poll' : 'bad',
          d.outcome === 'ok' ? 'ready' : 'poll',
          h('code', {}, d.effect ?? ''),
          `: ${d.outcome ?? ''}`,
          d.error ? h('div', { class: 'error small' }, `${d.error.code ?? ''}: ${d.error.message ?? ''}`) : null,
          arrow(e),
          callsTable(d.calls),
        );
      case 'approval.requested':
        return line(t0, e, 'approval', 'approval', `requested: ${d.quorum ?? 1} of ${(d.roles ?? []).join(' or ')} — ${d.reason ?? ''}`);
      case 'approval.decided':
        return line(
          t0,
          e,
          'approval',
          'approval',
          `decided: ${d.outcome ?? ''}`,
          Array.isArray(d.decisions) ? h('div', { class: 'small' }, d.decisions.map((x) => `${x.principal} ${x.decision}d${x.comment ? ` (“${x.comment}”)` : ''}`).join('; ')) : null,
        );
      case 'ended':
        return line(t0, e, d.status === 'succeeded' ? 'ended' : 'bad', 'ended', d.status ?? '', d.error ? h('div', { class: 'error small' }, `${d.error.code ?? ''}: ${d.error.message ?? ''}`) : null);
      case 'retry':
      case 'lease.expired':
      case 'lock':
      case 'signal':
      default:
        return line(t0, e, e.kind === 'lease.expired' ? 'bad' : '', e.kind, e.state ? h('code', {}, e.state) : null, ' ', short(d, 240));
    }
  });
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, items);
}

/** Transition times (for marks on the probe chart): [{ at, label }]. */
export function transitionMarks(journal) {
  return journal.filter((e) => transitionTo(e) && transitionTo(e) !== e.state).map((e) => ({ at: e.at, label: transitionTo(e) }));
}
