/**
 * Types of the performance-test library (seed chapter 2, "Test the network performance of a
 * physical connection"). Three clients share them: the emulator (link model → renderers → tool
 * output), the `link-performance-test` procedure (tool output → parsers → report) and the CLI.
 *
 * Units are spelled out in every name: `Bps` is bits per second, `Bytes` is bytes, `Ms` is
 * milliseconds, `Seconds` is seconds, `Pps` is packets per second.
 */

/** Transport protocol of a test flow. */
export type Protocol = 'tcp' | 'udp';

/**
 * Which way a flow crosses the leased line. The seed calls ECS → data center "inbound"
 * (netserver / iperf3 -s on the data-center device) and data center → ECS "outbound"; these
 * names avoid that ambiguity.
 */
export type FlowDirection = 'vpc-to-idc' | 'idc-to-vpc';

// ---------------------------------------------------------------------------------------------
// Link model
// ---------------------------------------------------------------------------------------------

/** The leased line being measured, as the link model sees it. */
export interface LinkSpec {
  /** Express Connect (port) bandwidth in bits/s, e.g. 1e9 for 1 Gbit/s. */
  bandwidthBps: number;
  /**
   * Packet-rate ceiling of the path in packets/s. Default: line rate of minimum-size Ethernet
   * frames at `bandwidthBps` (see `MIN_FRAME_WIRE_BITS`).
   */
  maxPps?: number;
  /**
   * Fraction of the bandwidth one hash stream (5-tuple) may use. Default `SINGLE_HASH_STREAM_FRACTION`
   * (1/12, seed chapter 2 "Alibaba Cloud-side speed limit").
   */
  singleStreamFraction?: number;
  /**
   * Directions in which the single-hash-stream limit applies. The seed states it for VPC → VBR;
   * default applies it both ways (UNCONFIRMED for VBR → VPC).
   */
  hashLimitDirections?: FlowDirection[];
  /** Round-trip time in ms, used for TCP congestion window figures and jitter. Default 2. */
  rttMs?: number;
  /**
   * Bytes charged against the bandwidth per packet in addition to the payload (IP/UDP/TCP
   * headers). Default 0: the model charges payload bits only, as iperf3 and netperf report them.
   */
  overheadBytesPerPacket?: number;
  /** Whether the line is up. A down line delivers nothing (all UDP lost, TCP stalls). Default true. */
  up?: boolean;
}

/** One test flow offered to the link (one iperf3 stream or one netperf process). */
export interface FlowSpec {
  /** Caller's id, returned unchanged in the outcome. */
  id: string;
  protocol: Protocol;
  /** Payload bytes per packet / write: iperf3 `-l`, netperf `-m`. */
  payloadBytes: number;
  /**
   * Offered rate in bits/s (iperf3 `-b`). Undefined means "as fast as the sender can":
   * TCP fills what the path allows, UDP sends at `senderMaxPps`.
   */
  offeredBps?: number;
  /** Highest packet rate the sending host produces. Default `DEFAULT_SENDER_MAX_PPS`. */
  senderMaxPps?: number;
  /** Seconds after the start of the simulation when the flow begins. Default 0. */
  startSeconds?: number;
  /** How long the flow runs, seconds (iperf3 `-t`, netperf `-l`). */
  durationSeconds: number;
  /** Default 'vpc-to-idc'. */
  direction?: FlowDirection;
  /**
   * The hash stream the flow belongs to (source IP, source port, protocol, destination IP,
   * destination port). Flows with equal keys share one hash stream's limit. Default: the id.
   */
  hashKey?: string;
}

/** Options of `simulateFlows`. */
export interface SimulateOptions {
  /** Length of one report interval, seconds (iperf3 `-i`). Default 1. */
  intervalSeconds?: number;
  /** Seed of the deterministic pseudo-random jitter. Default 1. */
  seed?: number;
}

/** What limited a flow most of the time. */
export type FlowLimit = 'offered' | 'sender' | 'hash-stream' | 'port-bandwidth' | 'packet-rate' | 'link-down';

/** Counts of one flow in one report interval. All counts are integers. */
export interface FlowInterval {
  /** Seconds since the flow started. */
  startSeconds: number;
  endSeconds: number;
  sentPackets: number;
  sentBytes: number;
  receivedPackets: number;
  receivedBytes: number;
  /** UDP packets offered but dropped (sent − received). Always 0 for TCP. */
  lostPackets: number;
  /** UDP inter-arrival jitter at the end of the interval (RFC 3550 style, as iperf3 reports). */
  jitterMs: number;
  /** TCP segments retransmitted in the interval. Always 0 for UDP. */
  retransmits: number;
  /** TCP congestion window at the end of the interval, bytes. 0 for UDP. */
  cwndBytes: number;
}

/** What the link model says happened to one flow. */
export interface FlowOutcome {
  id: string;
  protocol: Protocol;
  payloadBytes: number;
  direction: FlowDirection;
  durationSeconds: number;
  intervals: FlowInterval[];
  totals: {
    sentPackets: number;
    sentBytes: number;
    receivedPackets: number;
    receivedBytes: number;
    lostPackets: number;
    /** Jitter at the end of the run, ms. */
    jitterMs: number;
    retransmits: number;
    /** Received bits/s over the run. */
    receivedBps: number;
    /** Received packets/s over the run. */
    receivedPps: number;
    /** Sent bits/s over the run. */
    sentBps: number;
  };
  /** What bounded the flow in most intervals. */
  limitedBy: FlowLimit;
}

// ---------------------------------------------------------------------------------------------
// iperf3 runs (renderer input) and results (parser output)
// ---------------------------------------------------------------------------------------------

/** Which end of an iperf3 test printed the output. */
export type Iperf3Side = 'client' | 'server';

/**
 * One interval of one stream as one end counted it. Start and end times are implied: intervals
 * are contiguous from 0 and each lasts `seconds`.
 */
export interface Iperf3IntervalCounts {
  seconds: number;
  bytes: number;
  /**
   * UDP datagrams: on the sender, sent; on the receiver, the total implied by sequence numbers
   * (received + lost), as iperf3 counts it. 0 for TCP.
   */
  packets: number;
  /** UDP receiver: datagrams lost in the interval. */
  lostPackets: number;
  /** UDP receiver: jitter at the end of the interval, ms. */
  jitterMs: number;
  /** TCP sender: retransmits in the interval. */
  retransmits: number;
  /** TCP sender: congestion window at the end of the interval, bytes. */
  cwndBytes: number;
}

/** One iperf3 stream (one `-P` connection) with both ends' counts. */
export interface Iperf3StreamRun {
  /** Socket number the client prints as `[  5]`. */
  clientSocket: number;
  /** Socket number the server prints. */
  serverSocket: number;
  /** The client's local port of this data connection. */
  clientPort: number;
  /** Per-interval counts on the sending end. */
  sender: Iperf3IntervalCounts[];
  /** Per-interval counts on the receiving end. */
  receiver: Iperf3IntervalCounts[];
  /** UDP datagrams received out of order (receiver). Default 0. */
  outOfOrder?: number;
}

/** CPU utilisation percentages iperf3 reports at the end (`-V` / JSON). */
export interface Iperf3Cpu {
  hostTotal: number;
  hostUser: number;
  hostSystem: number;
  remoteTotal: number;
  remoteUser: number;
  remoteSystem: number;
}

/** Everything needed to print one end's output of one iperf3 test. Numbers in, text out. */
export interface Iperf3Run {
  side: Iperf3Side;
  protocol: Protocol;
  /** `-R`: the server sends. */
  reverse: boolean;
  clientHost: string;
  serverHost: string;
  serverPort: number;
  /** The client's local port of the control connection (the server prints it). */
  controlPort: number;
  /** `-t`, seconds. */
  durationSeconds: number;
  /** `-i`, seconds. */
  intervalSeconds: number;
  /** `-l`, bytes. */
  blockSize: number;
  /** `-b`, bits/s; 0 = unlimited. */
  targetBitrate: number;
  streams: Iperf3StreamRun[];
  /** Default 'iperf 3.12' (Debian 12). */
  version?: string;
  /** `uname -a`-like line for JSON `system_info`. */
  systemInfo?: string;
  /** Unix time (seconds) of the test start, for JSON `timestamp`. Default 0. */
  timestamp?: number;
  /** 36-character test cookie. Default derived from the hosts and ports. */
  cookie?: string;
  sndbufActual?: number;
  rcvbufActual?: number;
  /** Default 1448 for TCP. */
  tcpMssDefault?: number;
  cpu?: Iperf3Cpu;
  /** Round-trip time for TCP JSON `rtt` figures, ms. Default 2. */
  rttMs?: number;
  /** TCP congestion control algorithm name. Default 'cubic'. */
  congestion?: string;
  /** Server: the test number in "Server listening on P (test #N)". Default 1. */
  testNumber?: number;
  /** Server without `-1`: print the next "Server listening" banner after the test. Default false. */
  serverKeepsListening?: boolean;
}

/** Totals of one end (sender or receiver) for one stream or for all streams. */
export interface Iperf3Summary {
  startSeconds: number;
  endSeconds: number;
  seconds: number;
  bytes: number;
  bitsPerSecond: number;
  /** UDP only. On the receiver: total by sequence number (received + lost). */
  packets?: number;
  /** UDP only. */
  lostPackets?: number;
  /** UDP only. */
  lostPercent?: number;
  /** UDP only. */
  jitterMs?: number;
  /** TCP sender only. */
  retransmits?: number;
  /** UDP receiver only, JSON only. */
  outOfOrder?: number;
}

/** One interval row (per stream or `[SUM]`), as printed by the end that wrote the output. */
export interface Iperf3IntervalRow {
  /** Stream id (socket); `undefined` for a `[SUM]` row. */
  streamId?: number;
  startSeconds: number;
  endSeconds: number;
  bytes: number;
  bitsPerSecond: number;
  /** Whether the printing end was sending on this stream. */
  sender: boolean;
  packets?: number;
  lostPackets?: number;
  lostPercent?: number;
  jitterMs?: number;
  retransmits?: number;
  /** TCP sender interval rows: congestion window, bytes. */
  cwndBytes?: number;
  omitted?: boolean;
}

/** Parsed end-of-test figures of one stream. */
export interface Iperf3StreamResult {
  id: number;
  sender?: Iperf3Summary;
  receiver?: Iperf3Summary;
  intervals: Iperf3IntervalRow[];
}

/** What `parseIperf3` returns. */
export interface Iperf3Result {
  tool: 'iperf3';
  /** Which output format was read. Text figures are rounded to three significant digits. */
  format: 'json' | 'text';
  side: Iperf3Side | 'unknown';
  protocol: Protocol;
  reverse: boolean;
  version?: string;
  /** Seconds of the test (`-t`) when the output says so. */
  durationSeconds?: number;
  /** UDP datagram / TCP block size when the output says so. */
  blockSize?: number;
  streams: Iperf3StreamResult[];
  /** Sum over streams (`[SUM]` / `end.sum_sent` / `end.sum_received` / `end.sum`). */
  total: {
    sender?: Iperf3Summary;
    receiver?: Iperf3Summary;
    /** `[SUM]` interval rows, or one row per interval summed over streams. */
    intervals: Iperf3IntervalRow[];
  };
  /** Things a reader should know, e.g. that only the legacy `end.sum` was present. */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// netperf runs (renderer input) and results (parser output)
// ---------------------------------------------------------------------------------------------

/** The netperf tests xcflow runs (seed chapter 2 recommends UDP_STREAM). */
export type NetperfTest = 'UDP_STREAM' | 'TCP_STREAM';

/** Everything needed to print one netperf client's classic output. Numbers in, text out. */
export interface NetperfRun {
  test: NetperfTest;
  /** `-H` as typed. */
  remoteHost: string;
  /** The address `remoteHost` resolved to, printed in parentheses. Default `remoteHost`. */
  remoteAddress?: string;
  /** `-l`, seconds (the elapsed time printed). */
  elapsedSeconds: number;
  /** `-m`, bytes per send. */
  messageBytes: number;
  /** Local send socket buffer, bytes (line 1, first column). */
  localSendSocketBytes: number;
  /** Remote receive socket buffer, bytes. */
  remoteRecvSocketBytes: number;
  /** UDP_STREAM: messages the sender sent without error. */
  sentMessages: number;
  /** UDP_STREAM: failed sends. Default 0. */
  sendErrors?: number;
  /** UDP_STREAM: messages the receiver got. */
  receivedMessages: number;
  /** Bytes the receiver got (TCP_STREAM throughput). Default receivedMessages × messageBytes. */
  receivedBytes?: number;
  /** `-P 0`: no banner and no column titles. Default true (banner printed). */
  printHeaders?: boolean;
  /** Append " : demo" to the banner, as builds with --enable-demo do. Default true. */
  demo?: boolean;
}

/** One side of a netperf UDP_STREAM/TCP_STREAM table. */
export interface NetperfSideResult {
  socketBytes: number;
  /** Line 1 only. */
  messageBytes?: number;
  elapsedSeconds: number;
  /** UDP_STREAM: messages okay. */
  messages?: number;
  /** UDP_STREAM sender: errors. */
  errors?: number;
  /** Throughput in `throughputUnits`. */
  throughput: number;
}

/** What `parseNetperf` returns. */
export interface NetperfResult {
  tool: 'netperf';
  /** Which output shape was read. */
  format: 'table' | 'omni-csv' | 'omni-columns' | 'omni-keyval';
  test?: NetperfTest | string;
  /** Throughput unit as printed, e.g. `10^6bits/sec`, `Trans/s`. */
  throughputUnits?: string;
  /** Line 1 of a UDP_STREAM table, or the only line of TCP_STREAM. */
  sender?: NetperfSideResult;
  /** Line 2 of a UDP_STREAM table: this is the one that counts for pps. */
  receiver?: NetperfSideResult;
  /** TCP_STREAM: receiver socket buffer (first column). */
  remoteRecvSocketBytes?: number;
  elapsedSeconds?: number;
  /** Throughput in bits/s when the unit is a bit or byte rate. */
  throughputBps?: number;
  /** Receiver packets/s: UDP_STREAM line 2 messages ÷ elapsed, or REMOTE_RECV_CALLS ÷ ELAPSED_TIME. */
  receiverPps?: number;
  /** Sender packets/s: line 1 messages ÷ elapsed, or LOCAL_SEND_CALLS ÷ ELAPSED_TIME. */
  senderPps?: number;
  /** UDP_STREAM: sender messages − receiver messages. */
  lostMessages?: number;
  /** Omni output: every selector and its raw value, keys upper-case. */
  fields: Record<string, string>;
  notes: string[];
}
