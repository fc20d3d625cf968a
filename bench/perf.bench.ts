/**
 * Figures of the perf library: link-model speed for the seed's chapter 2 test (8 flows × 300 s)
 * and a larger one, and render → parse round trips per second.
 */
import { iperf3RunFromOutcomes, parseIperf3, renderIperf3Json, renderIperf3Text, simulateFlows } from '../src/perf/index.ts';

function time(fn: () => void, minMs = 300): { perSecond: number; runs: number } {
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    runs++;
  }
  return { perSecond: Math.round((runs * 1000) / (performance.now() - start)), runs };
}

export default async function run(): Promise<Record<string, unknown>> {
  const flows = (n: number, seconds: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `f${i}`, protocol: 'udp' as const, payloadBytes: 16, offeredBps: 100e6, durationSeconds: seconds }));
  const chapter2 = time(() => simulateFlows({ bandwidthBps: 1e9 }, flows(8, 300)));
  const big = time(() => simulateFlows({ bandwidthBps: 10e9 }, flows(64, 300)));
  const [o] = simulateFlows({ bandwidthBps: 1e9 }, flows(1, 120));
  const runInput = iperf3RunFromOutcomes([o!], { side: 'server', clientHost: '172.16.0.2', serverHost: '192.168.100.1' });
  const text = renderIperf3Text(runInput);
  const json = renderIperf3Json(runInput);
  return {
    simulate8Flows300sPerSecond: chapter2.perSecond,
    simulate64Flows300sPerSecond: big.perSecond,
    renderParseText120IntervalsPerSecond: time(() => parseIperf3(renderIperf3Text(runInput))).perSecond,
    renderParseJson120IntervalsPerSecond: time(() => parseIperf3(renderIperf3Json(runInput))).perSecond,
    textBytes: text.length,
    jsonBytes: json.length,
  };
}
