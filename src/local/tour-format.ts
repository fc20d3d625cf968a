/**
 * Text rendering for `npm run tour`: durations, and a probe timeline as a strip of characters
 * (one column per slice of time: `█` every probe delivered, `░` some lost, `×` all lost) with the
 * execution's transitions marked underneath.
 */

/** One probe sample as the emulator's control API returns it. */
export interface ProbeSample {
  t: number;
  flow: string;
  ok: boolean;
}

/** `850 ms`, `12.4 s`, `3 min 05 s`. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

/**
 * The strip, its time axis and a legend of marks (`a`, `b`, … under the column where each falls).
 * @param opts.width columns; `t0` the time the axis counts from; `marks` [{ at, label }]
 */
export function probeStrip(samples: readonly ProbeSample[], opts: { width: number; t0: number; marks?: readonly { at: number; label: string }[] }): string[] {
  if (samples.length === 0) return ['(no probe samples)'];
  const from = samples[0]!.t;
  const to = samples[samples.length - 1]!.t;
  const span = Math.max(1, to - from);
  const width = Math.max(10, opts.width);
  const col = (t: number): number => Math.min(width - 1, Math.max(0, Math.floor(((t - from) / span) * (width - 1))));
  const ok = new Array<number>(width).fill(0);
  const lost = new Array<number>(width).fill(0);
  for (const s of samples) (s.ok ? ok : lost)[col(s.t)]! += 1;
  const strip = ok.map((n, i) => (lost[i]! === 0 ? (n > 0 ? '█' : ' ') : n === 0 ? '×' : '░')).join('');
  const markRow = new Array<string>(width).fill(' ');
  const legend: string[] = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  (opts.marks ?? []).forEach((m, i) => {
    if (m.at < from || m.at > to || i >= letters.length) return;
    const letter = letters[i]!;
    markRow[col(m.at)] = letter;
    legend.push(`${letter} ${fmtDuration(m.at - opts.t0)} ${m.label}`);
  });
  return [
    `|${strip}|`,
    ` ${markRow.join('').trimEnd()}`,
    ` ${fmtDuration(from - opts.t0)}${' '.repeat(Math.max(1, width - fmtDuration(from - opts.t0).length - fmtDuration(to - opts.t0).length))}${fmtDuration(to - opts.t0)}`,
    ...legend.map((l) => `   ${l}`),
    ' █ all delivered  ░ some lost  × all lost  (blank: no sample taken)',
  ];
}
