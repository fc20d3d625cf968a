// A plan as approvers need to see it: what changes in which route table (a before/after diff keyed
// by route table and destination), the predicted blackout per probed flow from the digital twin,
// the cloud calls in order, warnings and refusals. Plans of other shapes are shown as JSON.

import { fmtDuration, h, jsonBlock, kv } from './dom.js';

const VALUE_COLUMNS = [
  ['entryType', 'Entry'],
  ['nextHop', 'Next hop'],
  ['cenStatus', 'CEN route'],
  ['cenNextHop', 'CEN next hop'],
];

function cell(row, side, key) {
  const values = row[side];
  const text = values ? values[key] ?? '' : '';
  let cls = '';
  if (row.presence === 'after' && side === 'after') cls = 'added';
  else if (row.presence === 'before' && side === 'before') cls = 'removed';
  else if (row.presence === 'both' && Array.isArray(row.changed) && row.changed.includes(key)) cls = side === 'after' ? 'changed' : '';
  return h('td', { class: `${cls} mono` }, text === null ? '' : String(text));
}

function changeText(row) {
  if (row.presence === 'after') return 'added';
  if (row.presence === 'before') return 'removed';
  return Array.isArray(row.changed) && row.changed.length > 0 ? `changed: ${row.changed.join(', ')}` : 'unchanged';
}

/** The route-table diff, one table per route table, unchanged rows behind a toggle. */
export function routeDiff(diff) {
  const byTable = new Map();
  for (const row of diff) {
    if (!byTable.has(row.routeTableId)) byTable.set(row.routeTableId, []);
    byTable.get(row.routeTableId).push(row);
  }
  const out = h('div', { class: 'diff', 'data-testid': 'route-diff' });
  for (const [tableId, rows] of byTable) {
    const changed = rows.filter((r) => changeText(r) !== 'unchanged');
    const render = (r) =>
      h(
        'tr',
        { class: changeText(r) === 'unchanged' ? 'unchanged' : 'changed-row', 'data-cidr': r.destinationCidrBlock },
        h('td', { class: 'mono' }, r.destinationCidrBlock),
        h('td', {}, changeText(r)),
        VALUE_COLUMNS.map(([k]) => cell(r, 'before', k)),
        VALUE_COLUMNS.map(([k]) => cell(r, 'after', k)),
      );
    const head = h(
      'thead',
      {},
      h('tr', {}, h('th', { rowspan: 2 }, 'Destination'), h('th', { rowspan: 2 }, 'Change'), h('th', { colspan: 4 }, 'Before'), h('th', { colspan: 4 }, 'After')),
      h('tr', {}, VALUE_COLUMNS.map(([, t]) => h('th', {}, t)), VALUE_COLUMNS.map(([, t]) => h('th', {}, t))),
    );
    const body = h('tbody', {}, changed.map(render));
    const unchanged = rows.length - changed.length;
    out.append(
      h('h3', {}, 'Route table ', h('code', {}, tableId), h('span', { class: 'muted small' }, ` — ${changed.length} change${changed.length === 1 ? '' : 's'}, ${unchanged} unchanged`)),
      h('table', {}, head, body),
    );
    if (unchanged > 0) {
      const toggle = h('button', {
        type: 'button',
        class: 'link',
        onclick: () => {
          body.replaceChildren(...rows.map(render));
          toggle.remove();
        },
      }, `show ${unchanged} unchanged`);
      out.append(toggle);
    }
  }
  if (byTable.size === 0) out.append(h('p', { class: 'muted' }, 'No route changes.'));
  return out;
}

/** The digital twin's prediction. */
export function blackout(p) {
  if (!p) return null;
  const zero = p.simulated && p.totalLost === 0;
  return h(
    'div',
    { 'data-testid': 'predicted-blackout' },
    h(
      'p',
      {},
      p.simulated
        ? h('strong', { class: zero ? '' : 'warn' }, zero ? 'None: no probe lost on the twin.' : `Up to ${fmtDuration(p.maxBlackoutMs)}: ${p.totalLost} probes lost on the twin.`)
        : h('span', { class: 'warn' }, `Not simulated: ${p.reason ?? 'no reason given'}`),
    ),
    p.simulated
      ? kv([
          ['Twin built from', p.source === 'snapshot' ? 'the emulator snapshot' : p.source === 'describe' ? 'Describe calls on the live network' : p.source],
          ['Outcome on the twin', p.outcome],
          ['Duration on the twin', fmtDuration(p.durationMs)],
          ['Probe interval', fmtDuration(p.probeIntervalMs)],
          ['Cloud calls', p.calls ? `${p.calls.total} (${p.calls.writes} writes)` : undefined],
          ['Note', p.reason],
        ])
      : null,
    Array.isArray(p.flows) && p.flows.length > 0
      ? h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Flow'), h('th', {}, 'From → to'), h('th', { class: 'num' }, 'Probes'), h('th', { class: 'num' }, 'Lost'), h('th', { class: 'num' }, 'Blackout'), h('th', { class: 'num' }, 'Longest'))),
          h(
            'tbody',
            {},
            p.flows.map((f) =>
              h(
                'tr',
                {},
                h('td', {}, f.name, f.derived ? h('span', { class: 'muted small' }, ' (derived)') : null),
                h('td', { class: 'mono' }, `${f.source} → ${f.destinationIp}`),
                h('td', { class: 'num' }, f.sent),
                h('td', { class: `num ${f.lost > 0 ? 'warn' : ''}` }, f.lost),
                h('td', { class: 'num' }, fmtDuration(f.blackoutMs)),
                h('td', { class: 'num' }, fmtDuration(f.longestBlackoutMs)),
              ),
            ),
          ),
        )
      : null,
  );
}

function callsList(calls) {
  if (!Array.isArray(calls) || calls.length === 0) return null;
  return h(
    'details',
    {},
    h('summary', {}, `${calls.length} cloud API calls in order`),
    h(
      'table',
      { class: 'calls' },
      h('tbody', {}, calls.map((c, i) => h('tr', {}, h('td', { class: 'num' }, i + 1), h('td', {}, c.product ?? ''), h('td', {}, h('code', {}, c.action ?? '')), h('td', {}, c.kind ?? ''), h('td', {}, c.target ?? ''), h('td', { class: 'muted' }, c.seed ? `seed ${c.seed}` : '')))),
    ),
  );
}

/** Renders any plan; migration plans get the diff and blackout views. */
export function planView(plan) {
  if (plan === null || plan === undefined) return h('p', { class: 'muted' }, 'This execution has no plan.');
  if (typeof plan !== 'object' || !plan.routes) return h('div', { 'data-testid': 'plan' }, jsonBlock('Plan', plan, true));
  return h(
    'div',
    { 'data-testid': 'plan' },
    kv([
      ['Procedure', plan.procedureId],
      ['Mode', plan.mode],
      ['CEN', plan.cenId],
      ['Region', plan.regionId],
      ['Cloud calls', plan.callCounts ? `${plan.callCounts.total} (${plan.callCounts.write} writes)` : undefined],
      ['Runnable', plan.runnable === false ? h('span', { class: 'error' }, 'no — refused') : 'yes'],
    ]),
    Array.isArray(plan.refusals) && plan.refusals.length > 0 ? h('ul', { class: 'error' }, plan.refusals.map((r) => h('li', {}, `${r.code}: ${r.message}`))) : null,
    Array.isArray(plan.warnings) && plan.warnings.length > 0 ? h('ul', { class: 'warn' }, plan.warnings.map((w) => h('li', {}, w))) : null,
    plan.predictedBlackout ? [h('h3', {}, 'Predicted blackout'), blackout(plan.predictedBlackout)] : null,
    h('h3', {}, 'Route tables before → after'),
    routeDiff(plan.routes.diff ?? []),
    callsList(plan.calls),
    jsonBlock('Whole plan (JSON)', plan),
  );
}
