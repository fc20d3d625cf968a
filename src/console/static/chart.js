// The emulator's probe timeline as an SVG chart: one row per probed flow, time left to right,
// runs of delivered probes green and lost ones red, with optional vertical marks (an execution's
// transitions) so a blackout can be read against the step that caused it.

import { fmtDuration, fmtOffset, s } from './dom.js';

const ROW = 36;
const LABEL = 260;
const RIGHT = 16;
const TOP = 18;
const AXIS = 44;

/** Consecutive samples of one flow with the same outcome, as [{ from, to, ok, n }]. */
export function runsOf(samples, intervalMs) {
  const runs = [];
  for (const x of samples) {
    const last = runs[runs.length - 1];
    if (last && last.ok === x.ok) {
      last.to = x.t + intervalMs;
      last.n += 1;
    } else runs.push({ from: x.t, to: x.t + intervalMs, ok: x.ok, n: 1 });
  }
  return runs;
}

function niceStep(spanMs) {
  const target = spanMs / 8;
  for (const step of [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000]) {
    if (step >= target) return step;
  }
  return 7_200_000;
}

/**
 * Builds the chart.
 * @param probes the emulator's `GET /_emulator/probes` answer: { intervalMs, flows, summary, timeline }
 * @param opts { width, from, to, marks: [{ at, label }] } — times on the emulator's clock
 */
export function probeChart(probes, opts = {}) {
  const interval = probes.intervalMs || 1000;
  const flows = [...new Set([...(probes.flows ?? []).map((f) => f.id), ...(probes.timeline ?? []).map((x) => x.flow)])];
  const samples = probes.timeline ?? [];
  const from = opts.from ?? (samples.length ? samples[0].t : 0);
  const to = Math.max(opts.to ?? (samples.length ? samples[samples.length - 1].t + interval : from + interval), from + interval);
  const width = Math.max(480, opts.width ?? 960);
  const plotW = width - LABEL - RIGHT;
  const height = TOP + flows.length * ROW + AXIS;
  const x = (t) => LABEL + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * plotW;
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'probe timeline', 'data-testid': 'probe-chart' });
  const summary = new Map((probes.summary ?? []).map((x) => [x.flow, x]));

  flows.forEach((flow, i) => {
    const y = TOP + i * ROW;
    const sum = summary.get(flow);
    const lostText = sum ? (sum.lost === 0 ? `${sum.sent} probes, none lost` : `${sum.lost} of ${sum.sent} lost (${fmtDuration(sum.blackoutMs)})`) : '';
    svg.append(
      s('text', { x: 4, y: y + 15, class: 'label' }, s('title', {}, flow), flow.length > 36 ? `${flow.slice(0, 35)}…` : flow),
      s('text', { x: 4, y: y + 29, class: `tick${sum && sum.lost > 0 ? ' lost-text' : ''}` }, lostText),
    );
    const own = samples.filter((p) => p.flow === flow && p.t + interval > from && p.t < to);
    for (const run of runsOf(own, interval)) {
      const x0 = x(run.from);
      const w = Math.max(1, x(run.to) - x0);
      svg.append(
        s(
          'rect',
          { x: x0.toFixed(1), y: y + 6, width: w.toFixed(1), height: ROW - 12, class: run.ok ? 'ok' : 'lost', 'data-ok': run.ok ? '1' : '0' },
          s('title', {}, `${flow}: ${run.n} probe${run.n === 1 ? '' : 's'} ${run.ok ? 'delivered' : 'lost'}, ${fmtOffset(run.from - from)} … ${fmtOffset(run.to - from)}`),
        ),
      );
    }
  });

  const axisY = TOP + flows.length * ROW + 4;
  svg.append(s('line', { x1: LABEL, x2: LABEL + plotW, y1: axisY, y2: axisY, class: 'axis' }));
  const step = niceStep(to - from);
  for (let t = 0; t <= to - from; t += step) {
    const tx = x(from + t);
    svg.append(s('line', { x1: tx, x2: tx, y1: axisY, y2: axisY + 4, class: 'axis' }));
    svg.append(s('text', { x: tx, y: axisY + 16, 'text-anchor': 'middle', class: 'tick' }, step < 1000 ? `${(t / 1000).toFixed(1)}s` : step < 60_000 ? `${Math.round(t / 1000)}s` : `${Math.round(t / 60_000)}m`));
  }
  for (const m of opts.marks ?? []) {
    if (m.at < from || m.at > to) continue;
    const mx = x(m.at);
    svg.append(s('line', { x1: mx, x2: mx, y1: TOP - 6, y2: axisY, class: 'mark' }, s('title', {}, `${m.label} at ${fmtOffset(m.at - from)}`)));
  }
  return svg;
}
