/**
 * Ping through Cloud Assistant (alibaba-api.md §6, §9.5): one plain `ping` per target and
 * invocation from one instance (an ECS instance or a managed data-center server), and the parser
 * of its output. Used where the cloud has no data plane to ask: the reachability check of
 * `cloud-service-access` from a data-center server, and the ping series of the cloud failover
 * test of `physical-connection-redundancy` (seed chapter 6 step 6, "Ping an instance in the VPC
 * when one physical connection fails").
 */
import { FINAL_INSTANCE_INVOCATION_STATUSES, parsePingSummary, type EcsClient, type InvocationResult, type PingSummary } from '../../src/cloud/index.ts';
import { parseIpv4 } from '../../src/net/index.ts';

/**
 * Marks the lines of one target in the output of older invocations (one script pinging several
 * targets in the background, which Cloud Assistant shells may refuse): still read, never written.
 */
const TAG = '@@xcflow-ping';

/** How to ping. */
export interface PingOptions {
  /** Echo requests. */
  count: number;
  /** Seconds between requests (iputils allows ≥ 0.2 s for non-root; Cloud Assistant runs as root). */
  intervalSeconds: number;
  /** Print a timestamp on every line and report unanswered requests (`-D -O`): needed for a series. */
  series?: boolean;
}

/**
 * The command of one ping to `target`: iputils `ping` in the foreground, numeric, 1 s reply
 * timeout, nothing else on the line (no pipe, no background job), so that any shell Cloud
 * Assistant runs — and the emulator's — accepts it. The target is checked as an IPv4 address
 * first, so nothing else reaches the shell.
 * @throws ValidationError for a target that is not an IPv4 address
 */
export function pingCommand(target: string, opts: PingOptions, field = 'target'): string {
  parseIpv4(target, field);
  return `ping -n -W 1 -i ${opts.intervalSeconds} -c ${Math.max(1, Math.floor(opts.count))}${opts.series ? ' -D -O' : ''} ${target}\n`;
}

/** What one target's ping printed. */
export interface PingSeries {
  target: string;
  /** Sequence numbers answered, with the reply's time (ms since the epoch) when printed (`-D`). */
  replies: Array<{ seq: number; atMs?: number }>;
  /** Sequence numbers reported unanswered (`-O`), with the time printed. */
  unanswered: Array<{ seq: number; atMs?: number }>;
  /** The summary, once ping has finished. */
  summary?: PingSummary;
}

const REPLY = /^(?:\[(\d+(?:\.\d+)?)\]\s+)?\d+ bytes from [^:]+: icmp_seq=(\d+)/;
const NO_ANSWER = /^(?:\[(\d+(?:\.\d+)?)\]\s+)?no answer yet for icmp_seq=(\d+)/;

/**
 * Reads the output of one ping to `target` ({@link pingCommand}). Lines of an older multi-target
 * script (tagged `@@xcflow-ping <target>`) count only when tagged with `target`.
 */
export function parseSinglePingOutput(target: string, output: string): PingSeries {
  const series: PingSeries = { target, replies: [], unanswered: [] };
  const lines: string[] = [];
  for (const raw of output.split('\n')) {
    let l = raw;
    if (l.startsWith(`${TAG} `)) {
      const rest = l.slice(TAG.length + 1);
      const space = rest.indexOf(' ');
      if ((space < 0 ? rest : rest.slice(0, space)) !== target) continue;
      l = space < 0 ? '' : rest.slice(space + 1);
    }
    lines.push(l);
    const r = REPLY.exec(l);
    if (r) {
      series.replies.push({ seq: Number(r[2]), ...(r[1] ? { atMs: Math.round(Number(r[1]) * 1000) } : {}) });
      continue;
    }
    const n = NO_ANSWER.exec(l);
    if (n) series.unanswered.push({ seq: Number(n[2]), ...(n[1] ? { atMs: Math.round(Number(n[1]) * 1000) } : {}) });
  }
  const summary = parsePingSummary(lines.join('\n'));
  if (summary) series.summary = summary;
  return series;
}

/** Loss figures of one series. */
export interface PingLoss {
  sent: number;
  lost: number;
  /** Longest run of consecutive unanswered requests. */
  longestLossRun: number;
  /** Whether the newest request seen was answered. */
  lastOk: boolean;
  /** Highest sequence number seen (answered or not). */
  lastSeq: number;
}

/**
 * Counts losses from sequence numbers: every number up to the highest one seen that has no reply
 * is lost (unanswered ones reported by `-O` included).
 */
export function pingLoss(series: PingSeries): PingLoss {
  const answered = new Set(series.replies.map((r) => r.seq));
  const seen = [...answered, ...series.unanswered.map((u) => u.seq)];
  const lastSeq = seen.length > 0 ? Math.max(...seen) : 0;
  const first = seen.length > 0 ? Math.min(...seen, 1) : 1;
  let lost = 0;
  let run = 0;
  let longest = 0;
  for (let s = first; s <= lastSeq; s++) {
    if (answered.has(s)) {
      run = 0;
      continue;
    }
    lost++;
    run++;
    longest = Math.max(longest, run);
  }
  const sent = lastSeq >= first ? lastSeq - first + 1 : 0;
  return { sent, lost, longestLossRun: longest, lastOk: answered.has(lastSeq), lastSeq };
}

/**
 * Starts one ping to `target` from `instanceId` ({@link pingCommand}; RunCommand, Timeout = the
 * series plus a margin).
 * @throws CloudApiError (e.g. `ClientNeedUpgrade`), ValidationError for a bad target
 */
export async function startPing(ecs: EcsClient, instanceId: string, target: string, opts: PingOptions & { name?: string; field?: string }, clientToken?: string): Promise<{ invokeId: string; requestId: string; timeoutSeconds: number }> {
  const timeoutSeconds = Math.ceil(opts.count * opts.intervalSeconds) + 30;
  const r = await ecs.runCommand({
    instanceIds: [instanceId],
    commandContent: pingCommand(target, opts, opts.field),
    timeoutSeconds,
    name: opts.name ?? 'xcflow-ping',
    ...(clientToken ? { clientToken } : {}),
  });
  return { invokeId: r.invokeId, requestId: r.requestId, timeoutSeconds };
}

/** The ping invocation's result on `instanceId` so far (output read as PlainText). */
export async function readPing(ecs: EcsClient, invokeId: string, instanceId: string): Promise<{ done: boolean; result?: InvocationResult }> {
  const all = await ecs.describeInvocationResults({ invokeId, instanceId });
  const result = all.find((r) => r.instanceId === instanceId);
  return { done: result !== undefined && FINAL_INSTANCE_INVOCATION_STATUSES.has(result.invocationStatus), ...(result ? { result } : {}) };
}
