/**
 * Hand-written SVG line plot of per-interval throughput: one line per stream, the total, and
 * dashed reference lines for the port bandwidth and the single-hash-stream limit. No
 * dependencies; the output is a complete standalone SVG document.
 */
import { fixed } from './cformat.ts';
import type { PerfReport, PerfSeriesPoint } from './report.ts';

const WIDTH = 860;
const HEIGHT = 480;
const MARGIN = { left: 70, right: 200, top: 40, bottom: 50 };
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" step (1, 2 or 5 × 10^k) giving about `target` ticks over `span`. */
function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function num(n: number): string {
  return fixed(n, 2).replace(/\.?0+$/, '');
}

/** Points of a step series at interval midpoints (what iperf3's per-interval figures describe). */
function pointsOf(series: PerfSeriesPoint[]): Array<[number, number]> {
  return series.map((p) => [(p.startSeconds + p.endSeconds) / 2, p.bitsPerSecond / 1e6]);
}

/**
 * Renders the per-interval throughput of every stream (and their total) as an SVG line plot,
 * with the port bandwidth and the single-hash-stream limit drawn as dashed lines.
 */
export function renderThroughputSvg(report: PerfReport): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const streams = report.streams.filter((s) => s.series.length > 0);
  const allSeries = [...streams.map((s) => s.series), report.total.series];
  const maxT = Math.max(1, ...allSeries.flatMap((s) => s.map((p) => p.endSeconds)));
  const maxY = Math.max(
    report.bandwidthBps / 1e6,
    ...allSeries.flatMap((s) => s.map((p) => p.bitsPerSecond / 1e6)),
  ) * 1.08;
  const x = (t: number): number => MARGIN.left + (t / maxT) * plotW;
  const y = (v: number): number => MARGIN.top + plotH - (v / maxY) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<title>Per-interval throughput</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">Throughput per interval (Mbit/s)</text>`);

  // Grid and axes.
  const yStep = niceStep(maxY, 6);
  for (let v = 0; v <= maxY + 1e-9; v += yStep) {
    out.push(`<line x1="${num(MARGIN.left)}" y1="${num(y(v))}" x2="${num(MARGIN.left + plotW)}" y2="${num(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${num(MARGIN.left - 8)}" y="${num(y(v) + 4)}" text-anchor="end">${esc(num(v))}</text>`);
  }
  const xStep = niceStep(maxT, 8);
  for (let t = 0; t <= maxT + 1e-9; t += xStep) {
    out.push(`<line x1="${num(x(t))}" y1="${num(MARGIN.top + plotH)}" x2="${num(x(t))}" y2="${num(MARGIN.top + plotH + 5)}" stroke="#333"/>`);
    out.push(`<text x="${num(x(t))}" y="${num(MARGIN.top + plotH + 20)}" text-anchor="middle">${esc(num(t))}</text>`);
  }
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${num(MARGIN.left + plotW / 2)}" y="${HEIGHT - 10}" text-anchor="middle">seconds</text>`);

  // Reference lines.
  const refs: Array<[number, string, string]> = [
    [report.bandwidthBps / 1e6, '#000000', `port ${num(report.bandwidthBps / 1e6)} Mbit/s`],
    [report.singleStreamLimitBps / 1e6, '#b00000', `hash-stream limit ${num(report.singleStreamLimitBps / 1e6)} Mbit/s`],
  ];
  for (const [v, color, label] of refs) {
    out.push(`<line x1="${MARGIN.left}" y1="${num(y(v))}" x2="${num(MARGIN.left + plotW)}" y2="${num(y(v))}" stroke="${color}" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${num(MARGIN.left + plotW - 4)}" y="${num(y(v) - 4)}" text-anchor="end" fill="${color}">${esc(label)}</text>`);
  }

  // Series.
  const legend: Array<[string, string, number]> = [];
  streams.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = pointsOf(s.series).map(([t, v]) => `${num(x(t))},${num(y(v))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>`);
    legend.push([`${s.instanceId}${s.streamId !== undefined ? ` #${s.streamId}` : ''}`, color, 1.5]);
  });
  if (report.total.series.length > 0 && streams.length > 1) {
    const pts = pointsOf(report.total.series).map(([t, v]) => `${num(x(t))},${num(y(v))}`).join(' ');
    out.push(`<polyline fill="none" stroke="#000000" stroke-width="2.5" points="${pts}"/>`);
    legend.push(['total', '#000000', 2.5]);
  }
  legend.forEach(([label, color, w], i) => {
    const ly = MARGIN.top + 10 + i * 18;
    const lx = WIDTH - MARGIN.right + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="${w}"/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(label)}</text>`);
  });
  if (streams.length === 0) {
    out.push(`<text x="${num(MARGIN.left + plotW / 2)}" y="${num(MARGIN.top + plotH / 2)}" text-anchor="middle" fill="#666">no stream produced figures</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
