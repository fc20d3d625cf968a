/**
 * Performance-test library (seed chapter 2): link model, iperf3/netperf renderers and parsers,
 * and the report of the `link-performance-test` procedure. Pure: no I/O.
 */
export type * from './types.ts';
export {
  simulateFlows,
  resolveLink,
  singleStreamLimitBps,
  createRandom,
  SINGLE_HASH_STREAM_FRACTION,
  MIN_FRAME_WIRE_BITS,
  DEFAULT_SENDER_MAX_PPS,
  DEFAULT_RTT_MS,
  BASE_JITTER_MS,
  LOAD_JITTER_MS,
  TCP_RETRANSMIT_RATIO,
  DEFAULT_TCP_MSS,
} from './link-model.ts';
export { renderIperf3Text, renderIperf3Json, DEFAULT_IPERF3_VERSION } from './iperf3-render.ts';
export { renderNetperf, NETPERF_DEFAULT_UNITS } from './netperf-render.ts';
export { iperf3RunFromOutcomes, netperfRunFromOutcome } from './emulate.ts';
export type { Iperf3RunParams, NetperfRunParams } from './emulate.ts';
export { parseIperf3 } from './iperf3-parse.ts';
export { parseNetperf, OMNI_SELECTOR_TITLES } from './netperf-parse.ts';
export { buildPerfReport, renderPerfReportText, sizeFlows, HASH_LIMIT_CAP_SHARE, LINE_FILLED_SHARE } from './report.ts';
export type { PerfReport, PerfReportInput, PerfInstanceInput, PerfInstanceError, PerfStreamReport, PerfSeriesPoint, PerfSizing } from './report.ts';
export { renderThroughputSvg } from './svg.ts';
