/**
 * Glue for the emulator: turns link-model outcomes into renderer input, so that an `iperf3` or
 * `netperf` command line run through the emulated Cloud Assistant prints what the model says.
 * The numbers a parser reads back from the rendered output equal the outcome's (within the
 * tools' display rounding).
 */
import { ValidationError } from '../errors.ts';
import type { FlowOutcome, Iperf3Cpu, Iperf3Run, Iperf3Side, Iperf3StreamRun, NetperfRun, NetperfTest } from './types.ts';

/** Addressing and options of one iperf3 test, besides the per-interval numbers. */
export interface Iperf3RunParams {
  side: Iperf3Side;
  /** `-R`. Default false. */
  reverse?: boolean;
  clientHost: string;
  serverHost: string;
  /** `-p`. Default 5201. */
  serverPort?: number;
  /** First client data port; stream k uses `clientPortBase + 1 + k`. Default 40000. */
  clientPortBase?: number;
  /** `-i`. Default 1. */
  intervalSeconds?: number;
  /** `-l`, bytes. Default: the flows' payload size. */
  blockSize?: number;
  /** `-b`, bits/s; 0 = unlimited. Default: 1 Mbit/s for UDP, 0 for TCP (iperf3's defaults). */
  targetBitrate?: number;
  /** Unix seconds of the test start. Default 0. */
  timestamp?: number;
  version?: string;
  systemInfo?: string;
  cpu?: Iperf3Cpu;
  rttMs?: number;
  serverKeepsListening?: boolean;
  testNumber?: number;
}

/**
 * Builds the input of `renderIperf3Text` / `renderIperf3Json` from the outcomes of the flows of
 * one iperf3 test (one outcome per `-P` stream, all with the same protocol and intervals).
 * Client sockets are numbered 5, 7, 9, … and server sockets 5, 6, 7, … as iperf3 3.12 does on
 * Linux.
 * @throws ValidationError when there are no outcomes or they disagree on protocol or intervals.
 */
export function iperf3RunFromOutcomes(outcomes: FlowOutcome[], params: Iperf3RunParams): Iperf3Run {
  const first = outcomes[0];
  if (!first) throw new ValidationError('an iperf3 test needs at least one flow outcome', { code: 'InvalidIperf3Run', field: 'outcomes' });
  for (const o of outcomes) {
    if (o.protocol !== first.protocol || o.intervals.length !== first.intervals.length) {
      throw new ValidationError('all streams of one iperf3 test need the same protocol and intervals', { code: 'InvalidIperf3Run', field: 'outcomes' });
    }
  }
  const udp = first.protocol === 'udp';
  const portBase = params.clientPortBase ?? 40000;
  const streams: Iperf3StreamRun[] = outcomes.map((o, k) => ({
    clientSocket: 5 + 2 * k,
    serverSocket: 5 + k,
    clientPort: portBase + 1 + k,
    sender: o.intervals.map((i) => ({
      seconds: i.endSeconds - i.startSeconds,
      bytes: i.sentBytes,
      packets: udp ? i.sentPackets : 0,
      lostPackets: 0,
      jitterMs: 0,
      retransmits: i.retransmits,
      cwndBytes: i.cwndBytes,
    })),
    receiver: o.intervals.map((i) => ({
      seconds: i.endSeconds - i.startSeconds,
      bytes: i.receivedBytes,
      // iperf3's receiver counts by sequence number: received + lost.
      packets: udp ? i.receivedPackets + i.lostPackets : 0,
      lostPackets: i.lostPackets,
      jitterMs: i.jitterMs,
      retransmits: 0,
      cwndBytes: 0,
    })),
  }));
  return {
    side: params.side,
    protocol: first.protocol,
    reverse: params.reverse ?? false,
    clientHost: params.clientHost,
    serverHost: params.serverHost,
    serverPort: params.serverPort ?? 5201,
    controlPort: portBase,
    durationSeconds: first.durationSeconds,
    intervalSeconds: params.intervalSeconds ?? 1,
    blockSize: params.blockSize ?? first.payloadBytes,
    targetBitrate: params.targetBitrate ?? (udp ? 1_000_000 : 0),
    streams,
    ...(params.version !== undefined ? { version: params.version } : {}),
    ...(params.systemInfo !== undefined ? { systemInfo: params.systemInfo } : {}),
    timestamp: params.timestamp ?? 0,
    ...(params.cpu !== undefined ? { cpu: params.cpu } : {}),
    ...(params.rttMs !== undefined ? { rttMs: params.rttMs } : {}),
    ...(params.serverKeepsListening !== undefined ? { serverKeepsListening: params.serverKeepsListening } : {}),
    ...(params.testNumber !== undefined ? { testNumber: params.testNumber } : {}),
  };
}

/** Addressing and options of one netperf client run. */
export interface NetperfRunParams {
  /** Default: UDP_STREAM for a UDP outcome, TCP_STREAM for TCP. */
  test?: NetperfTest;
  remoteHost: string;
  /** Default 212992 (Linux default `wmem_max`-sized send buffer). */
  localSendSocketBytes?: number;
  /** Default 212992. */
  remoteRecvSocketBytes?: number;
  /** `-P 0` → false. Default true. */
  printHeaders?: boolean;
  demo?: boolean;
}

/**
 * Builds the input of `renderNetperf` from one flow's outcome (one netperf process).
 * @throws ValidationError when the outcome has zero duration.
 */
export function netperfRunFromOutcome(outcome: FlowOutcome, params: NetperfRunParams): NetperfRun {
  if (!(outcome.durationSeconds > 0)) {
    throw new ValidationError('netperf run needs a positive duration', { code: 'InvalidNetperfRun', field: 'outcome.durationSeconds' });
  }
  return {
    test: params.test ?? (outcome.protocol === 'udp' ? 'UDP_STREAM' : 'TCP_STREAM'),
    remoteHost: params.remoteHost,
    elapsedSeconds: outcome.durationSeconds,
    messageBytes: outcome.payloadBytes,
    localSendSocketBytes: params.localSendSocketBytes ?? 212992,
    remoteRecvSocketBytes: params.remoteRecvSocketBytes ?? 212992,
    sentMessages: outcome.totals.sentPackets,
    sendErrors: 0,
    receivedMessages: outcome.totals.receivedPackets,
    receivedBytes: outcome.totals.receivedBytes,
    ...(params.printHeaders !== undefined ? { printHeaders: params.printHeaders } : {}),
    ...(params.demo !== undefined ? { demo: params.demo } : {}),
  };
}
