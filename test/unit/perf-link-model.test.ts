import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SENDER_MAX_PPS, MIN_FRAME_WIRE_BITS, simulateFlows, singleStreamLimitBps } from '../../src/perf/index.ts';
import type { FlowSpec } from '../../src/perf/index.ts';
import { ValidationError } from '../../src/errors.ts';

const GBIT = 1e9;

function tcp(id: string, extra: Partial<FlowSpec> = {}): FlowSpec {
  return { id, protocol: 'tcp', payloadBytes: 1400, durationSeconds: 10, ...extra };
}

function udp(id: string, offeredBps: number | undefined, extra: Partial<FlowSpec> = {}): FlowSpec {
  return { id, protocol: 'udp', payloadBytes: 1400, durationSeconds: 10, ...(offeredBps !== undefined ? { offeredBps } : {}), ...extra };
}

test('one TCP flow on a 1 Gbit/s line is held to 1/12 of the bandwidth (~83 Mbit/s)', () => {
  // Act
  const [o] = simulateFlows({ bandwidthBps: GBIT }, [tcp('a')]);
  // Assess
  assert.equal(singleStreamLimitBps({ bandwidthBps: GBIT }), GBIT / 12);
  assert.ok(o!.totals.receivedBps > 83e6 && o!.totals.receivedBps <= 85e6, `${o!.totals.receivedBps}`);
  assert.equal(o!.limitedBy, 'hash-stream');
  assert.equal(o!.totals.lostPackets, 0);
});

test('twelve or more TCP flows fill the port and share it equally', () => {
  for (const n of [12, 16]) {
    // Act
    const out = simulateFlows({ bandwidthBps: GBIT }, Array.from({ length: n }, (_, i) => tcp(`f${i}`)));
    // Assess
    const total = out.reduce((a, o) => a + o.totals.receivedBps, 0);
    assert.ok(total > 0.999 * GBIT && total <= GBIT, `n=${n}: ${total}`);
    const rates = out.map((o) => o.totals.receivedBps);
    assert.ok(Math.max(...rates) - Math.min(...rates) < 0.001 * GBIT, `n=${n}: unequal shares`);
    assert.equal(out[0]!.limitedBy, n === 12 ? 'hash-stream' : 'port-bandwidth');
  }
});

test('UDP offered above what fits is lost; below it nothing is lost', () => {
  // Act
  const [over, under] = simulateFlows({ bandwidthBps: GBIT }, [udp('over', 200e6), udp('under', 20e6)]);
  // Assess
  const o = over!.totals;
  assert.equal(o.sentPackets, Math.floor((200e6 / (1400 * 8)) * 10));
  assert.equal(o.lostPackets, o.sentPackets - o.receivedPackets);
  assert.ok(Math.abs(o.receivedBps - GBIT / 12) < 0.001 * GBIT);
  assert.equal(over!.limitedBy, 'hash-stream');
  assert.equal(under!.totals.lostPackets, 0);
  assert.equal(under!.limitedBy, 'offered');
  assert.ok(Math.abs(under!.totals.receivedBps - 20e6) < 2000);
});

test('1-byte UDP flows are limited by the packet-rate ceiling, not by bits', () => {
  // Prepare: defaults: ceiling = line rate of minimum frames; one hash stream gets 1/12 of it
  const ceiling = GBIT / MIN_FRAME_WIRE_BITS;
  // Act
  const one = simulateFlows({ bandwidthBps: GBIT }, [udp('a', undefined, { payloadBytes: 1 })])[0]!;
  const many = simulateFlows({ bandwidthBps: GBIT }, Array.from({ length: 24 }, (_, i) => udp(`f${i}`, undefined, { payloadBytes: 1 })));
  // Assess
  assert.equal(one.totals.sentPackets, DEFAULT_SENDER_MAX_PPS * 10);
  assert.ok(Math.abs(one.totals.receivedPps - ceiling / 12) < 1, `${one.totals.receivedPps}`);
  const totalPps = many.reduce((a, o) => a + o.totals.receivedPps, 0);
  assert.ok(Math.abs(totalPps - ceiling) < 24, `${totalPps}`);
  assert.equal(many[0]!.limitedBy, 'packet-rate');
});

test('flows with the same hash key share one hash stream; an explicit ceiling and fraction are honoured', () => {
  // Act
  const shared = simulateFlows({ bandwidthBps: GBIT }, [tcp('a', { hashKey: 'k' }), tcp('b', { hashKey: 'k' })]);
  const custom = simulateFlows({ bandwidthBps: GBIT, singleStreamFraction: 1 / 4, maxPps: 1000 }, [udp('a', undefined, { payloadBytes: 1 })]);
  // Assess
  const sum = shared[0]!.totals.receivedBps + shared[1]!.totals.receivedBps;
  assert.ok(Math.abs(sum - GBIT / 12) < 1e3, `${sum}`);
  assert.ok(Math.abs(custom[0]!.totals.receivedPps - 250) < 1);
});

test('the hash-stream limit applies only in the listed directions', () => {
  // Act
  const [limited, free] = simulateFlows({ bandwidthBps: GBIT, hashLimitDirections: ['vpc-to-idc'] }, [
    tcp('up', { direction: 'vpc-to-idc' }),
    tcp('down', { direction: 'idc-to-vpc' }),
  ]);
  // Assess
  assert.equal(limited!.limitedBy, 'hash-stream');
  assert.ok(free!.totals.receivedBps > 0.9 * (GBIT - GBIT / 12));
});

test('per-interval counts are integers that add up to the totals; the last interval may be short', () => {
  // Act
  const [o] = simulateFlows({ bandwidthBps: GBIT }, [udp('a', 150e6, { durationSeconds: 2.5 })], { intervalSeconds: 1 });
  // Assess
  assert.deepEqual(o!.intervals.map((i) => [i.startSeconds, i.endSeconds]), [[0, 1], [1, 2], [2, 2.5]]);
  for (const i of o!.intervals) {
    for (const v of [i.sentPackets, i.receivedPackets, i.lostPackets, i.sentBytes, i.receivedBytes]) assert.ok(Number.isInteger(v));
    assert.equal(i.lostPackets, i.sentPackets - i.receivedPackets);
  }
  assert.equal(o!.intervals.reduce((a, i) => a + i.receivedPackets, 0), o!.totals.receivedPackets);
  assert.equal(o!.intervals.reduce((a, i) => a + i.sentBytes, 0), o!.totals.sentBytes);
});

test('a flow starting later shares the port only while both run', () => {
  // Act: 13 flows from 0 s fill the port; one more joins at 5 s
  const flows = [...Array.from({ length: 13 }, (_, i) => tcp(`f${i}`)), tcp('late', { startSeconds: 5, durationSeconds: 5 })];
  const out = simulateFlows({ bandwidthBps: GBIT }, flows);
  // Assess
  const first = out[0]!.intervals;
  assert.ok(first[0]!.receivedBytes > first[9]!.receivedBytes, 'the early flows get less after the late one joins');
  assert.equal(out[13]!.intervals.length, 5);
});

test('the model is deterministic for a seed and its jitter changes with the seed', () => {
  // Prepare
  const flows = [udp('a', 50e6), udp('b', 120e6)];
  // Act
  const a = simulateFlows({ bandwidthBps: GBIT }, flows, { seed: 42 });
  const b = simulateFlows({ bandwidthBps: GBIT }, flows, { seed: 42 });
  const c = simulateFlows({ bandwidthBps: GBIT }, flows, { seed: 43 });
  // Assess
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0]!.intervals.map((i) => i.jitterMs), c[0]!.intervals.map((i) => i.jitterMs));
  assert.deepEqual(a[0]!.totals.receivedPackets, c[0]!.totals.receivedPackets);
  for (const i of a[0]!.intervals) assert.ok(i.jitterMs > 0 && i.jitterMs < 1, `${i.jitterMs}`);
});

test('a line that is down delivers nothing: UDP is all lost, TCP sends nothing', () => {
  // Act
  const [u, t] = simulateFlows({ bandwidthBps: GBIT, up: false }, [udp('u', 10e6), tcp('t')]);
  // Assess
  assert.equal(u!.totals.receivedPackets, 0);
  assert.equal(u!.totals.lostPackets, u!.totals.sentPackets);
  assert.ok(u!.totals.sentPackets > 0);
  assert.equal(t!.totals.sentBytes, 0);
  assert.equal(u!.limitedBy, 'link-down');
});

test('impossible links and flows are refused with ValidationError', () => {
  const cases: Array<{ case: string; run: () => unknown }> = [
    { case: 'zero bandwidth', run: () => simulateFlows({ bandwidthBps: 0 }, []) },
    { case: 'fraction above 1', run: () => simulateFlows({ bandwidthBps: GBIT, singleStreamFraction: 2 }, []) },
    { case: 'zero duration', run: () => simulateFlows({ bandwidthBps: GBIT }, [tcp('a', { durationSeconds: 0 })]) },
    { case: 'duplicate ids', run: () => simulateFlows({ bandwidthBps: GBIT }, [tcp('a'), tcp('a')]) },
    { case: 'negative offered', run: () => simulateFlows({ bandwidthBps: GBIT }, [udp('a', -1)]) },
  ];
  for (const c of cases) assert.throws(c.run, ValidationError, c.case);
});
