/**
 * Link model of a leased line (seed chapter 2): what a set of concurrent test flows gets through
 * an Express Connect port. Pure and deterministic: the same link, flows and seed give the same
 * numbers. The emulator turns the outcome into iperf3/netperf output with the renderers.
 *
 * The model:
 * - the port carries at most `bandwidthBps` bits/s and `maxPps` packets/s;
 * - one hash stream (5-tuple) carries at most `singleStreamFraction` (1/12) of both;
 * - capacity is shared max-min fairly among the flows active at the same time;
 * - UDP offered above what it is given is lost; TCP sends only what it is given (it adapts) and
 *   retransmits a little when it is held back by the path;
 * - jitter is small, grows with port load, and varies by a seeded pseudo-random factor.
 */
import { ValidationError } from '../errors.ts';
import type {
  FlowDirection,
  FlowInterval,
  FlowLimit,
  FlowOutcome,
  FlowSpec,
  LinkSpec,
  SimulateOptions,
} from './types.ts';

/**
 * Share of the Express Connect bandwidth one hash stream may use: seed chapter 2, "Alibaba
 * Cloud-side speed limit": "the speed of a single hash stream from the VPC to the VBR is limited
 * to one twelfth of the Express Connect bandwidth" (1 Gbit/s → ~83 Mbit/s; the seed's example
 * rounds this to 85 Mbit/s).
 */
export const SINGLE_HASH_STREAM_FRACTION = 1 / 12;

/**
 * Bits one minimum-size Ethernet frame occupies on the wire: 64-byte frame + 8-byte preamble +
 * 12-byte inter-frame gap = 84 bytes. The default packet-rate ceiling is the line rate of such
 * frames (1.488 Mpps at 1 Gbit/s). A model choice: the seed gives no pps figure for the port.
 */
export const MIN_FRAME_WIRE_BITS = 84 * 8;

/** Default packet rate a sending host can produce per flow (model choice, UNCONFIRMED). */
export const DEFAULT_SENDER_MAX_PPS = 1_000_000;

/** Default round-trip time of the leased line, ms (model choice). */
export const DEFAULT_RTT_MS = 2;

/** Jitter of an idle line, ms (model choice). */
export const BASE_JITTER_MS = 0.01;

/** Extra jitter at full port load, ms (model choice). */
export const LOAD_JITTER_MS = 0.2;

/** Fraction of a path-limited TCP flow's segments that are retransmitted (model choice). */
export const TCP_RETRANSMIT_RATIO = 0.0002;

/** Default TCP maximum segment size, bytes (1500-byte MTU). */
export const DEFAULT_TCP_MSS = 1448;

const EPS = 1e-12;

/** Fills the defaults of a link and checks it. @throws ValidationError on impossible figures. */
export function resolveLink(link: LinkSpec): Required<LinkSpec> {
  const r: Required<LinkSpec> = {
    bandwidthBps: link.bandwidthBps,
    maxPps: link.maxPps ?? link.bandwidthBps / MIN_FRAME_WIRE_BITS,
    singleStreamFraction: link.singleStreamFraction ?? SINGLE_HASH_STREAM_FRACTION,
    hashLimitDirections: link.hashLimitDirections ?? ['vpc-to-idc', 'idc-to-vpc'],
    rttMs: link.rttMs ?? DEFAULT_RTT_MS,
    overheadBytesPerPacket: link.overheadBytesPerPacket ?? 0,
    up: link.up ?? true,
  };
  positive(r.bandwidthBps, 'link.bandwidthBps');
  positive(r.maxPps, 'link.maxPps');
  if (!(r.singleStreamFraction > 0 && r.singleStreamFraction <= 1)) {
    throw new ValidationError('link.singleStreamFraction must be in (0, 1]', { code: 'InvalidLink', field: 'link.singleStreamFraction' });
  }
  if (!(r.rttMs >= 0) || !(r.overheadBytesPerPacket >= 0)) {
    throw new ValidationError('link.rttMs and link.overheadBytesPerPacket must be ≥ 0', { code: 'InvalidLink', field: 'link' });
  }
  return r;
}

/** Highest bits/s one hash stream gets on this link (1/12 of the bandwidth by default). */
export function singleStreamLimitBps(link: LinkSpec): number {
  const r = resolveLink(link);
  return r.bandwidthBps * r.singleStreamFraction;
}

function positive(n: number, field: string): void {
  if (!(Number.isFinite(n) && n > 0)) {
    throw new ValidationError(`${field} must be a positive number, got ${String(n)}`, { code: 'InvalidLink', field });
  }
}

/** 32-bit string hash (FNV-1a), used to give each flow its own pseudo-random sequence. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Small deterministic PRNG (mulberry32); returns numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FlowState {
  spec: FlowSpec;
  start: number;
  end: number;
  direction: FlowDirection;
  /** Port units per packet: max(bits/bandwidth, 1/maxPps). */
  costPerPacket: number;
  /** Whether bits (not packets) dominate the cost. */
  bitBound: boolean;
  /** Packets/s the flow would send if nothing held it back. */
  demandPps: number;
  /** Whether demand is the sender's own ceiling rather than an offered rate. */
  demandIsSender: boolean;
  group: string;
  groupLimited: boolean;
  // accumulators (real numbers), cumulative since the flow's start
  cumSent: number;
  cumRecv: number;
  cumRetrans: number;
  emittedSent: number;
  emittedRecv: number;
  emittedRetrans: number;
  /** Seconds spent under each limit. */
  limitTime: Map<FlowLimit, number>;
  /** Time-weighted port load seen, for jitter. */
  loadTime: number;
  activeTime: number;
  lastRatePps: number;
  intervals: FlowInterval[];
  random: () => number;
}

/**
 * Runs the link model over a set of flows.
 *
 * Each flow gets per-interval counts (interval length `opts.intervalSeconds`, measured from the
 * flow's own start; the last interval may be shorter) and totals. Counts are integers whose sums
 * equal the totals exactly.
 *
 * @throws ValidationError when the link or a flow has impossible figures (non-positive bandwidth,
 * duration or payload, duplicate ids).
 */
export function simulateFlows(link: LinkSpec, flows: FlowSpec[], opts: SimulateOptions = {}): FlowOutcome[] {
  const L = resolveLink(link);
  const interval = opts.intervalSeconds ?? 1;
  positive(interval, 'opts.intervalSeconds');
  const seed = opts.seed ?? 1;
  const ids = new Set<string>();

  const states: FlowState[] = flows.map((spec, i) => {
    const field = `flows[${i}]`;
    if (ids.has(spec.id)) throw new ValidationError(`duplicate flow id ${spec.id}`, { code: 'InvalidFlow', field: `${field}.id` });
    ids.add(spec.id);
    positive(spec.payloadBytes, `${field}.payloadBytes`);
    positive(spec.durationSeconds, `${field}.durationSeconds`);
    if (spec.offeredBps !== undefined && !(spec.offeredBps >= 0)) {
      throw new ValidationError(`${field}.offeredBps must be ≥ 0`, { code: 'InvalidFlow', field: `${field}.offeredBps` });
    }
    const senderMax = spec.senderMaxPps ?? DEFAULT_SENDER_MAX_PPS;
    positive(senderMax, `${field}.senderMaxPps`);
    const start = spec.startSeconds ?? 0;
    if (!(start >= 0)) throw new ValidationError(`${field}.startSeconds must be ≥ 0`, { code: 'InvalidFlow', field: `${field}.startSeconds` });
    const bitsPerPacket = (spec.payloadBytes + L.overheadBytesPerPacket) * 8;
    const bitCost = bitsPerPacket / L.bandwidthBps;
    const pktCost = 1 / L.maxPps;
    // iperf3 -b counts payload bits only.
    const offeredPps = spec.offeredBps === undefined ? Infinity : spec.offeredBps / (spec.payloadBytes * 8);
    const direction = spec.direction ?? 'vpc-to-idc';
    return {
      spec,
      start,
      end: start + spec.durationSeconds,
      direction,
      costPerPacket: Math.max(bitCost, pktCost),
      bitBound: bitCost >= pktCost,
      demandPps: Math.min(offeredPps, senderMax),
      demandIsSender: senderMax <= offeredPps,
      group: spec.hashKey ?? `flow:${spec.id}`,
      groupLimited: L.hashLimitDirections.includes(direction),
      cumSent: 0,
      cumRecv: 0,
      cumRetrans: 0,
      emittedSent: 0,
      emittedRecv: 0,
      emittedRetrans: 0,
      limitTime: new Map(),
      loadTime: 0,
      activeTime: 0,
      lastRatePps: 0,
      intervals: [],
      random: createRandom((seed ^ hash32(spec.id)) >>> 0),
    };
  });

  // Breakpoints: every flow's start, end and interval boundary. Between two breakpoints the set
  // of active flows is fixed, so the allocation is constant.
  const points = new Set<number>();
  for (const s of states) {
    points.add(s.start);
    points.add(s.end);
    for (let t = s.start + interval; t < s.end - EPS; t += interval) points.add(roundTime(t));
  }
  const times = [...points].sort((a, b) => a - b);
  const allocations = new Map<string, Map<FlowState, Allocation>>();

  for (let k = 0; k + 1 < times.length; k++) {
    const t0 = times[k]!;
    const t1 = times[k + 1]!;
    const dt = t1 - t0;
    if (dt <= EPS) continue;
    const active = states.filter((s) => s.start <= t0 + EPS && s.end >= t1 - EPS);
    // The allocation depends only on which flows are active; reuse it while that set holds.
    const key = active.map((s) => s.spec.id).join('\u0000');
    let alloc = allocations.get(key);
    if (!alloc) {
      alloc = allocate(active, L);
      allocations.set(key, alloc);
    }
    for (const s of active) {
      const a = alloc.get(s)!;
      s.activeTime += dt;
      s.loadTime += a.portLoad * dt;
      s.limitTime.set(a.limit, (s.limitTime.get(a.limit) ?? 0) + dt);
      s.lastRatePps = a.ratePps;
      if (s.spec.protocol === 'udp') {
        s.cumSent += s.demandPps * dt;
        s.cumRecv += a.ratePps * dt;
      } else {
        s.cumSent += a.ratePps * dt;
        s.cumRecv += a.ratePps * dt;
        if (a.limit !== 'offered' && a.limit !== 'sender' && a.limit !== 'link-down') {
          s.cumRetrans += a.ratePps * dt * TCP_RETRANSMIT_RATIO * (0.5 + s.random());
        }
      }
    }
    // Close the intervals that end at t1.
    for (const s of active) {
      const rel = roundTime(t1 - s.start);
      const intervalEnd = Math.abs(t1 - s.end) < EPS || Math.abs(rel / interval - Math.round(rel / interval)) < 1e-9;
      if (intervalEnd) closeInterval(s, L, interval);
    }
  }

  return states.map((s) => outcomeOf(s));
}

/** Rounds a time to microseconds so that sums of interval lengths land on exact boundaries. */
function roundTime(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

interface Allocation {
  ratePps: number;
  limit: FlowLimit;
  portLoad: number;
}

/**
 * Max-min fair share in "port units" (fraction of the port one packet/s costs), with per hash
 * stream caps of `fraction` of the port.
 */
function allocate(active: FlowState[], L: Required<LinkSpec>): Map<FlowState, Allocation> {
  const out = new Map<FlowState, Allocation>();
  if (!L.up) {
    for (const s of active) out.set(s, { ratePps: 0, limit: 'link-down', portLoad: 0 });
    return out;
  }
  // Units each flow is currently given.
  const given = new Map<FlowState, number>();
  const frozen = new Map<FlowState, FlowLimit>();
  const demandUnits = (s: FlowState): number => s.demandPps * s.costPerPacket;
  for (const s of active) {
    given.set(s, 0);
    if (demandUnits(s) <= EPS) frozen.set(s, s.demandIsSender ? 'sender' : 'offered');
  }
  let portUsed = 0;
  for (let guard = 0; guard < active.length * 3 + 3; guard++) {
    const open = active.filter((s) => !frozen.has(s));
    if (open.length === 0) break;
    // Largest equal increment before some constraint binds.
    let step = (1 - portUsed) / open.length;
    for (const s of open) step = Math.min(step, demandUnits(s) - given.get(s)!);
    const groups = new Map<string, FlowState[]>();
    for (const s of active) {
      if (!s.groupLimited) continue;
      const g = groups.get(s.group) ?? [];
      g.push(s);
      groups.set(s.group, g);
    }
    for (const members of groups.values()) {
      const openInGroup = members.filter((s) => !frozen.has(s)).length;
      if (openInGroup === 0) continue;
      const used = members.reduce((a, s) => a + given.get(s)!, 0);
      step = Math.min(step, (L.singleStreamFraction - used) / openInGroup);
    }
    step = Math.max(0, step);
    for (const s of open) given.set(s, given.get(s)! + step);
    portUsed += step * open.length;
    // Freeze what is now bound.
    for (const s of open) {
      if (given.get(s)! >= demandUnits(s) - EPS) frozen.set(s, s.demandIsSender ? 'sender' : 'offered');
    }
    for (const members of groups.values()) {
      const used = members.reduce((a, s) => a + given.get(s)!, 0);
      if (used >= L.singleStreamFraction - EPS) {
        for (const s of members) if (!frozen.has(s)) frozen.set(s, 'hash-stream');
      }
    }
    if (portUsed >= 1 - EPS) {
      for (const s of active) if (!frozen.has(s)) frozen.set(s, s.bitBound ? 'port-bandwidth' : 'packet-rate');
    }
  }
  for (const s of active) {
    const units = given.get(s)!;
    out.set(s, { ratePps: units / s.costPerPacket, limit: frozen.get(s) ?? 'port-bandwidth', portLoad: Math.min(1, portUsed) });
  }
  return out;
}

function closeInterval(s: FlowState, L: Required<LinkSpec>, interval: number): void {
  const startSeconds = s.intervals.length === 0 ? 0 : s.intervals[s.intervals.length - 1]!.endSeconds;
  const endSeconds = roundTime(Math.min(s.spec.durationSeconds, startSeconds + interval));
  const sent = Math.floor(s.cumSent + 1e-6) - s.emittedSent;
  const recv = Math.min(Math.floor(s.cumRecv + 1e-6) - s.emittedRecv, sent + s.emittedSent - s.emittedRecv);
  const retr = Math.floor(s.cumRetrans + 1e-6) - s.emittedRetrans;
  s.emittedSent += sent;
  s.emittedRecv += recv;
  s.emittedRetrans += retr;
  const udp = s.spec.protocol === 'udp';
  const load = s.activeTime > 0 ? s.loadTime / s.activeTime : 0;
  const jitterMs = udp && recv > 0 ? round6((BASE_JITTER_MS + LOAD_JITTER_MS * load * load) * (0.8 + 0.4 * s.random())) : 0;
  const rateBytes = s.lastRatePps * s.spec.payloadBytes;
  const cwndBytes = udp ? 0 : Math.max(10 * DEFAULT_TCP_MSS, Math.round((rateBytes * Math.max(L.rttMs, 0.1)) / 1000));
  s.intervals.push({
    startSeconds,
    endSeconds,
    sentPackets: sent,
    sentBytes: sent * s.spec.payloadBytes,
    receivedPackets: recv,
    receivedBytes: recv * s.spec.payloadBytes,
    lostPackets: udp ? sent - recv : 0,
    jitterMs,
    retransmits: udp ? 0 : retr,
    cwndBytes,
  });
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function outcomeOf(s: FlowState): FlowOutcome {
  const sum = (f: (i: FlowInterval) => number): number => s.intervals.reduce((a, i) => a + f(i), 0);
  const sentBytes = sum((i) => i.sentBytes);
  const receivedBytes = sum((i) => i.receivedBytes);
  const receivedPackets = sum((i) => i.receivedPackets);
  const d = s.spec.durationSeconds;
  let limitedBy: FlowLimit = 'offered';
  let best = -1;
  for (const [limit, t] of s.limitTime) {
    if (t > best + EPS) {
      best = t;
      limitedBy = limit;
    }
  }
  const last = s.intervals[s.intervals.length - 1];
  return {
    id: s.spec.id,
    protocol: s.spec.protocol,
    payloadBytes: s.spec.payloadBytes,
    direction: s.direction,
    durationSeconds: d,
    intervals: s.intervals,
    totals: {
      sentPackets: sum((i) => i.sentPackets),
      sentBytes,
      receivedPackets,
      receivedBytes,
      lostPackets: sum((i) => i.lostPackets),
      jitterMs: last?.jitterMs ?? 0,
      retransmits: sum((i) => i.retransmits),
      receivedBps: (receivedBytes * 8) / d,
      receivedPps: receivedPackets / d,
      sentBps: (sentBytes * 8) / d,
    },
    limitedBy,
  };
}
