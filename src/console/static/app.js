// The xcflow web console: sign in with a token, list executions, follow one execution (steps,
// waits, retries, cloud calls with RequestIds, its plan with route-table diffs and predicted
// blackout), approve or reject it, start new ones, and — on the local stack — watch the
// emulator's probes. Plain ES modules over the HTTP API; hash routes (#/executions/ex-…).

import { api, clearToken, getToken, local, setToken, ApiError } from './api.js';
import { probeChart } from './chart.js';
import { badge, fmtDuration, fmtTime, h, jsonBlock, kv, replace, toast } from './dom.js';
import { planView } from './plan.js';
import { stepsTable, timelineList, transitionMarks } from './timeline.js';

const main = document.getElementById('main');
const ENDED = new Set(['succeeded', 'failed', 'rolled_back', 'cancelled', 'rejected', 'expired']);
const STATUSES = ['awaiting_approval', 'pending', 'running', 'waiting', 'succeeded', 'failed', 'rolled_back', 'cancelled', 'rejected', 'expired'];

const app = { me: null, config: { local: false }, timer: null, route: null };

/** Mirrors the API's roles matrix (src/api/roles.ts) to show only the buttons that would work. */
const PERMISSIONS = {
  plan: ['operator', 'admin'],
  start: ['operator', 'admin'],
  cancel: ['operator', 'admin'],
  rollback: ['operator', 'admin'],
  approve: ['approver', 'admin'],
  reject: ['approver', 'admin'],
};
function can(permission) {
  return Boolean(app.me && app.me.roles.some((r) => PERMISSIONS[permission].includes(r)));
}

function every(ms, fn) {
  stopTimer();
  const tick = async () => {
    if (document.hidden) return;
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return signOut('Your token is no longer valid.');
    }
  };
  app.timer = setInterval(tick, ms);
}
function stopTimer() {
  if (app.timer) clearInterval(app.timer);
  app.timer = null;
}

function showError(err) {
  const text = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err && err.message ? err.message : err);
  toast(text, true);
}

// ---- sign in ----

function loginView(message) {
  stopTimer();
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', placeholder: 'xcf_…', 'aria-label': 'API token' });
  const error = h('p', { class: 'error', id: 'login-error' }, message ?? '');
  const submit = async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    try {
      const me = await api.me(token);
      setToken(token);
      await signedIn(me);
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401 ? 'That token is not valid (unknown, revoked or expired).' : `Sign-in failed: ${err.message}`;
    }
  };
  replace(
    main,
    h(
      'form',
      { class: 'card login', onsubmit: submit },
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'Paste an API token. It stays in this browser tab only (sessionStorage) and is sent to the xcflow API with each request.'),
      input,
      h('button', { type: 'submit', class: 'btn primary', id: 'sign-in' }, 'Sign in'),
      error,
    ),
  );
  input.focus();
}

async function signedIn(me) {
  app.me = me;
  document.getElementById('nav').hidden = false;
  document.getElementById('who').hidden = false;
  document.getElementById('who-name').textContent = `${me.id} (${me.roles.join(', ')})`;
  document.getElementById('nav-new').hidden = !can('start') && !can('plan');
  document.getElementById('nav-network').hidden = !app.config.local;
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/executions';
  else route();
}

function signOut(message) {
  clearToken();
  app.me = null;
  loginView(message);
}

// ---- executions list ----

async function executionsView(params) {
  const status = params.get('status') ?? '';
  const select = h(
    'select',
    {
      id: 'status-filter',
      onchange: () => {
        location.hash = select.value ? `#/executions?status=${select.value}` : '#/executions';
      },
    },
    h('option', { value: '' }, 'all statuses'),
    STATUSES.map((st) => h('option', { value: st, selected: st === status }, st.replace(/_/g, ' '))),
  );
  const body = h('tbody', {});
  const more = h('div', {});
  replace(
    main,
    h(
      'div',
      { class: 'card' },
      h('div', { class: 'row' }, h('h1', { class: 'grow' }, 'Executions'), select),
      h(
        'table',
        { 'data-testid': 'executions' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Execution'), h('th', {}, 'Procedure'), h('th', {}, 'Status'), h('th', {}, 'State'), h('th', {}, 'Requested by'), h('th', {}, 'Why waiting'), h('th', {}, 'Created'), h('th', {}, 'Updated'))),
        body,
      ),
      more,
    ),
  );
  const row = (x) =>
    h(
      'tr',
      { class: 'clickable', 'data-id': x.id, onclick: () => (location.hash = `#/executions/${x.id}`) },
      h('td', {}, h('a', { href: `#/executions/${x.id}`, class: 'mono' }, x.id)),
      h('td', {}, `${x.procedureId} v${x.procedureVersion}`),
      h('td', {}, badge(x.status)),
      h('td', {}, h('code', {}, x.state)),
      h('td', {}, x.requestedBy),
      h('td', { class: 'muted small' }, x.waitReason ?? ''),
      h('td', { class: 'small' }, fmtTime(x.createdAt)),
      h('td', { class: 'small' }, fmtTime(x.updatedAt)),
    );
  let shown = 50;
  const load = async () => {
    const page = await api.executions({ limit: String(shown), ...(status ? { status } : {}) });
    replace(body, page.items.length ? page.items.map(row) : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No executions yet.')));
    replace(
      more,
      page.nextCursor && shown < 200
        ? h('button', {
            type: 'button',
            class: 'btn',
            onclick: async () => {
              shown = Math.min(200, shown + 50);
              await load().catch(showError);
            },
          }, 'Show more')
        : null,
    );
  };
  await load();
  every(2000, load);
}

// ---- one execution ----

function decisionPanel(view, refresh) {
  const gate = view.approval;
  const panel = h('div', { class: 'card', 'data-testid': 'approval' }, h('h2', {}, 'Approval'));
  if (!gate) return null;
  panel.append(
    kv([
      ['Why', gate.reason],
      ['Who may approve', `${gate.quorum} of: ${gate.roles.join(', ')}`],
      ['Requested by', gate.requestedBy],
      ['Opened', fmtTime(gate.openedAt)],
      ['Expires', fmtTime(gate.expiresAt)],
      ['Gate', gate.status],
      ['Decisions', gate.decisions.length ? gate.decisions.map((d) => `${d.principal} ${d.decision}d at ${fmtTime(d.at)}${d.comment ? ` — “${d.comment}”` : ''}`).join('; ') : 'none yet'],
    ]),
  );
  if (view.status !== 'awaiting_approval' || gate.status !== 'pending') return panel;
  if (!can('approve')) {
    panel.append(h('p', { class: 'muted' }, 'Waiting for an approver. Your token has no approver role.'));
    return panel;
  }
  if (app.me.id === gate.requestedBy) {
    panel.append(h('p', { class: 'muted' }, 'You requested this execution, so someone else must approve it.'));
    return panel;
  }
  if (gate.decisions.some((d) => d.principal === app.me.id)) {
    panel.append(h('p', { class: 'muted' }, 'You have decided; waiting for more approvers.'));
    return panel;
  }
  const comment = h('input', { type: 'text', id: 'decision-comment', placeholder: 'comment (optional)', maxlength: 500 });
  const decide = (action) => async () => {
    for (const b of panel.querySelectorAll('button')) b.disabled = true;
    try {
      await api.decide(view.id, action, comment.value.trim() ? { comment: comment.value.trim() } : {});
      toast(action === 'approve' ? 'Approved.' : 'Rejected.');
      await refresh(true);
    } catch (err) {
      showError(err);
      for (const b of panel.querySelectorAll('button')) b.disabled = false;
    }
  };
  panel.append(
    h(
      'div',
      { class: 'actions' },
      comment,
      h('button', { type: 'button', class: 'btn approve', id: 'approve', onclick: decide('approve') }, 'Approve'),
      h('button', { type: 'button', class: 'btn reject', id: 'reject', onclick: decide('reject') }, 'Reject'),
    ),
  );
  return panel;
}

function operatorActions(view, refresh) {
  if (ENDED.has(view.status) || (!can('cancel') && !can('rollback'))) return null;
  const signal = (action, question) => async () => {
    if (!confirm(question)) return;
    try {
      await api.decide(view.id, action, {});
      toast(`${action === 'cancel' ? 'Cancel' : 'Rollback'} requested.`);
      await refresh(true);
    } catch (err) {
      showError(err);
    }
  };
  return h(
    'div',
    { class: 'actions' },
    can('cancel') ? h('button', { type: 'button', class: 'btn', id: 'cancel', onclick: signal('cancel', 'Cancel this execution?') }, 'Cancel') : null,
    can('rollback') ? h('button', { type: 'button', class: 'btn', id: 'rollback', onclick: signal('rollback', 'Roll this execution back?') }, 'Roll back') : null,
  );
}

async function executionView(id) {
  const head = h('div', { class: 'card' });
  const approval = h('div', {});
  const plan = h('div', { class: 'card' }, h('h2', {}, 'Plan'));
  const planBody = h('div', {});
  plan.append(planBody);
  const network = h('div', {});
  const steps = h('div', { class: 'card' }, h('h2', {}, 'Steps'));
  const stepsBody = h('div', {});
  steps.append(stepsBody);
  const timeline = h('div', { class: 'card' }, h('h2', {}, 'Timeline'));
  const timelineBody = h('div', {});
  timeline.append(timelineBody);
  replace(main, h('p', {}, h('a', { href: '#/executions' }, '← Executions')), head, approval, plan, network, steps, timeline);

  let lastKey = null;
  let planShown = false;
  const refresh = async (force = false) => {
    const view = await api.execution(id);
    const key = `${view.seq}:${view.status}:${view.journalLength}:${view.approval ? view.approval.decisions.length : 0}`;
    if (!force && key === lastKey) return view;
    lastKey = key;
    const journal = await api.journal(id);
    replace(
      head,
      h('div', { class: 'row' }, h('h1', { class: 'grow mono', id: 'execution-id' }, view.id), h('span', { id: 'execution-status' }, badge(view.status))),
      h('p', {}, h('strong', {}, view.title), h('span', { class: 'muted' }, ` — ${view.procedureId} v${view.procedureVersion}`)),
      kv([
        ['State', h('code', {}, view.state)],
        ['Current step', view.step ? `${view.step.title ?? view.step.effect ?? view.step.state} (${view.step.kind}${view.step.seed ? `, seed ${view.step.seed}` : ''}; attempt ${view.step.attempt}${view.step.failures ? `, ${view.step.failures} failed` : ''})` : undefined],
        ['Waiting', view.waiting ? `${view.waiting.reason}${view.waiting.since ? ` — since ${fmtTime(view.waiting.since)}` : ''}${view.waiting.until ? `, next check ${fmtTime(view.waiting.until)}` : ''}` : undefined],
        ['Requested by', view.requestedBy],
        ['Created', fmtTime(view.createdAt)],
        ['Ended', view.endedAt ? `${fmtTime(view.endedAt)} (took ${fmtDuration(view.endedAt - view.createdAt)})` : undefined],
        ['Locks', view.locks.length ? view.locks.join(', ') : undefined],
        ['Error', view.error ? h('span', { class: 'error' }, `${view.error.code}: ${view.error.message}`) : undefined],
      ]),
      operatorActions(view, refresh),
      jsonBlock('Parameters', view.params),
      view.output !== null && view.output !== undefined ? jsonBlock('Output', view.output) : null,
    );
    replace(approval, decisionPanel(view, refresh));
    if (!planShown || !ENDED.has(view.status)) {
      replace(planBody, planView(view.plan));
      planShown = true;
    }
    replace(stepsBody, stepsTable(journal, view));
    replace(timelineBody, timelineList(journal, view));
    if (app.config.local) await renderExecutionProbes(network, view, journal).catch(() => replace(network));
    if (ENDED.has(view.status)) stopTimer();
    return view;
  };
  const first = await refresh(true);
  if (!ENDED.has(first.status)) every(1500, () => refresh());
}

async function renderExecutionProbes(container, view, journal) {
  const margin = 2000;
  const from = view.createdAt - margin;
  const probes = await local(`local/probes?since=${Math.floor(from)}`);
  const clock = await local('local/clock');
  const to = (view.endedAt ?? clock.now) + margin;
  const samples = probes.timeline.filter((x) => x.t <= to);
  if (samples.length === 0) return replace(container);
  const inWindow = { ...probes, timeline: samples, summary: summarize(samples, probes.intervalMs) };
  replace(
    container,
    h(
      'div',
      { class: 'card', 'data-testid': 'execution-probes' },
      h('h2', {}, 'Probes during this execution (emulator)'),
      h('p', { class: 'muted small' }, 'Green: probe delivered; red: lost. Dashed lines: the execution\u2019s transitions.'),
      h('div', { class: 'chart' }, probeChart(inWindow, { from, to, marks: transitionMarks(journal), width: Math.min(1240, main.clientWidth - 40) })),
      legend(),
    ),
  );
}

function summarize(samples, intervalMs) {
  const by = new Map();
  for (const x of samples) {
    const f = by.get(x.flow) ?? { flow: x.flow, sent: 0, lost: 0, blackoutMs: 0 };
    f.sent += 1;
    if (!x.ok) {
      f.lost += 1;
      f.blackoutMs = f.lost * intervalMs;
    }
    by.set(x.flow, f);
  }
  return [...by.values()];
}

function legend() {
  return h('div', { class: 'legend' }, h('span', {}, h('i', { class: 'ok' }), 'delivered'), h('span', {}, h('i', { class: 'lost' }), 'lost'));
}

// ---- start / plan ----

function skeleton(schema) {
  if (!schema || typeof schema !== 'object') return {};
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const out = {};
      for (const k of schema.required ?? []) out[k] = skeleton(schema.properties?.[k]);
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return '';
  }
}

async function newView() {
  const { items } = await api.procedures();
  const select = h('select', { id: 'procedure' }, items.map((p) => h('option', { value: p.id }, `${p.id} v${p.version} — ${p.title}`)));
  const about = h('p', { class: 'muted' });
  const params = h('textarea', { id: 'params', rows: 14, spellcheck: 'false' });
  const result = h('div', {});
  const fill = () => {
    const p = items.find((x) => x.id === select.value);
    if (!p) return;
    about.textContent = `Seed chapter ${p.seedChapter}. ${p.description}`;
    params.value = JSON.stringify(skeleton(p.paramsSchema), null, 2);
    planButton.disabled = !p.plannable || !can('plan');
    planButton.title = p.plannable ? '' : 'this procedure has no planner';
  };
  const parsed = () => {
    try {
      return JSON.parse(params.value);
    } catch (err) {
      throw new Error(`parameters are not JSON: ${err.message}`);
    }
  };
  const planButton = h('button', {
    type: 'button',
    class: 'btn',
    id: 'plan',
    onclick: async () => {
      try {
        replace(result, h('p', { class: 'muted' }, 'Planning on the digital twin…'));
        const answer = await api.plan(select.value, parsed());
        replace(result, h('div', { class: 'card' }, h('h2', {}, 'Plan'), planView(answer.plan)));
      } catch (err) {
        replace(result);
        showError(err);
      }
    },
  }, 'Plan');
  const startButton = h('button', {
    type: 'button',
    class: 'btn primary',
    id: 'start',
    disabled: !can('start'),
    onclick: async () => {
      try {
        const view = await api.start(select.value, parsed());
        toast(`Started ${view.id}.`);
        location.hash = `#/executions/${view.id}`;
      } catch (err) {
        showError(err);
      }
    },
  }, 'Start');
  select.addEventListener('change', fill);
  replace(
    main,
    h(
      'div',
      { class: 'card' },
      h('h1', {}, 'New execution'),
      items.length === 0 ? h('p', { class: 'muted' }, 'No procedures are registered.') : null,
      h('p', {}, select),
      about,
      h('label', { for: 'params' }, 'Parameters (JSON)'),
      params,
      h('div', { class: 'actions' }, planButton, startButton),
    ),
    result,
  );
  fill();
}

// ---- network (local) ----

async function networkView(params) {
  if (!app.config.local) return replace(main, h('p', { class: 'muted' }, 'The network view needs the local stack (npm start).'));
  const minutes = Number(params.get('minutes') ?? '5');
  const range = h(
    'select',
    { id: 'range', onchange: () => (location.hash = `#/network?minutes=${range.value}`) },
    [1, 5, 15, 60].map((m) => h('option', { value: m, selected: m === minutes }, `last ${m} min (emulator clock)`)),
  );
  const body = h('div', {});
  replace(main, h('div', { class: 'card' }, h('div', { class: 'row' }, h('h1', { class: 'grow' }, 'Network probes'), range), body));
  const load = async () => {
    const clock = await local('local/clock');
    const from = clock.now - minutes * 60_000;
    const probes = await local(`local/probes?since=${Math.floor(from)}`);
    replace(
      body,
      h('p', { class: 'muted small' }, `Emulator clock: ${clock.kind}${clock.speed && clock.speed !== 1 ? ` ×${clock.speed}` : ''}, ${clock.time}. Sampling every ${fmtDuration(probes.intervalMs)}${probes.running ? '' : ' (stopped)'}.`),
      probes.flows.length === 0 && probes.timeline.length === 0
        ? h('p', { class: 'muted' }, 'No probe flows are configured on the emulator.')
        : [h('div', { class: 'chart' }, probeChart(probes, { from, to: clock.now, width: Math.min(1240, main.clientWidth - 40) })), legend()],
    );
  };
  await load();
  every(2000, load);
}

// ---- routing ----

async function route() {
  stopTimer();
  if (!app.me) return loginView();
  const hash = location.hash.replace(/^#/, '') || '/executions';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query ?? '');
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', path.startsWith(`/${a.dataset.nav}`));
  app.route = hash;
  try {
    const m = /^\/executions\/([^/]+)$/.exec(path);
    if (m) await executionView(decodeURIComponent(m[1]));
    else if (path === '/new') await newView();
    else if (path === '/network') await networkView(params);
    else await executionsView(params);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signOut('Your token is no longer valid.');
    replace(main, h('div', { class: 'card' }, h('p', { class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err))));
  }
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', () => void route());
  try {
    app.config = await local('config.json');
  } catch {
    app.config = { local: false };
  }
  const token = getToken();
  if (!token) return loginView();
  try {
    await signedIn(await api.me(token));
  } catch (err) {
    signOut(err instanceof ApiError && err.status === 401 ? 'Your token is no longer valid.' : `The API did not answer: ${err.message}`);
  }
}

void start();
