/**
 * Reachability probes that verification steps use to prove traffic flows: "can X reach Y now?".
 * Two sources of truth: the emulator's data plane (longest-prefix match over the modelled
 * network, answered by its control API) and, in the cloud, ping run on an ECS instance through
 * Cloud Assistant (seed chapter 6 failover test; alibaba-api.md §6, §9.5).
 */
import type { JsonObject } from '../engine/types.ts';
import { CloudTransientError, ValidationError } from '../errors.ts';
import { parseIpv4 } from '../net/index.ts';
import { FINAL_INSTANCE_INVOCATION_STATUSES, type EcsClient, type InvocationResult } from './ecs.ts';

/** A flow to probe. */
export interface Flow {
  /** Label shown in reports. */
  name?: string;
  /** Where traffic starts: an ECS instance id (`i-…`), an IP in a VPC, or a data-center device IP. */
  source: string;
  destinationIp: string;
  /** Default `icmp`. */
  protocol?: 'icmp' | 'tcp' | 'udp';
  port?: number;
}

/** What a probe found for one flow. */
export interface FlowProbeResult {
  flow: Flow;
  reachable: boolean;
  /** The path, when the prober can tell (emulator: router/table/next-hop ids in order). */
  hops?: string[];
  /** Why the flow is not reachable (emulator: the drop reason; cloud: `100% packet loss`). */
  reason?: string;
  /** Raw facts behind the verdict, for the journal (ping counts, invoke id, emulator answer). */
  evidence: JsonObject;
}

/** Probes flows. Verification effects receive one through `CloudClients.prober`. */
export interface FlowProber {
  /** Which implementation this is (`emulator` or `cloud-assistant`). */
  readonly kind: string;
  /** The emulator's base URL (emulator prober only), for tools that use its control API (failover tests). */
  readonly endpoint?: string;
  /**
   * Probes every flow once; results are in the order of `flows`.
   * @throws ValidationError when a flow cannot be probed by this prober (bad IP, a source
   *   Cloud Assistant cannot run on)
   * @throws CloudTransientError when the probe itself could not complete (timeout, failed invocation)
   */
  probe(flows: Flow[]): Promise<FlowProbeResult[]>;
}

function checkFlow(flow: Flow, i: number): void {
  parseIpv4(flow.destinationIp, `flows[${i}].destinationIp`);
  if (flow.port !== undefined && (!Number.isInteger(flow.port) || flow.port < 1 || flow.port > 65535)) {
    throw new ValidationError(`port must be 1-65535, got ${flow.port}`, { code: 'InvalidPort', field: `flows[${i}].port` });
  }
  if (flow.protocol === 'tcp' && flow.port === undefined) {
    throw new ValidationError('a tcp flow needs a port', { code: 'InvalidPort', field: `flows[${i}].port` });
  }
}

// ---------------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toJsonObject(v: unknown): JsonObject {
  return isObject(v) ? (JSON.parse(JSON.stringify(v)) as JsonObject) : {};
}

/** `node:id` of an emulator hop (`vbr:vbr-1`, `router-interface:ri-2`). */
function hopLabel(h: unknown): string {
  if (typeof h === 'string') return h;
  if (isObject(h) && typeof h.id === 'string') return typeof h.node === 'string' ? `${h.node}:${h.id}` : h.id;
  return JSON.stringify(h);
}

function errorMessage(body: unknown, text: string): string {
  if (isObject(body) && isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
  return text.slice(0, 200);
}

// Drop reasons that mean the question was wrong, not that the network drops the flow.
const INVALID_QUESTION = new Set(['unknown-source', 'invalid-address']);

/**
 * Probes through the emulator's data plane (`src/emulator/dataplane.ts`):
 * `GET <endpoint>/_emulator/reachability?source=…&destination=…[&protocol=…&destinationPort=…]`.
 * `reachable` means both the forward and the return leg deliver. `hops` lists the forward leg as
 * `node:id`; the emulator's whole answer (both legs, `dropAt`, `failedDirection`) is the evidence.
 */
export function createEmulatorProber(emulatorEndpoint: string): FlowProber {
  const base = emulatorEndpoint.replace(/\/+$/, '');
  return {
    kind: 'emulator',
    endpoint: base,
    async probe(flows) {
      flows.forEach(checkFlow);
      const results: FlowProbeResult[] = [];
      for (const [i, flow] of flows.entries()) {
        const q = new URLSearchParams({ source: flow.source, destination: flow.destinationIp });
        if (flow.protocol) q.set('protocol', flow.protocol);
        if (flow.port !== undefined) q.set('destinationPort', String(flow.port));
        let res: Response;
        try {
          res = await fetch(`${base}/_emulator/reachability?${q.toString()}`);
        } catch (err) {
          throw new CloudTransientError(`emulator reachability query failed: ${(err as Error).message}`, {
            code: 'NetworkError',
          });
        }
        const text = await res.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (res.status === 400) {
          throw new ValidationError(`emulator cannot probe ${flow.source} → ${flow.destinationIp}: ${errorMessage(body, text)}`, {
            code: 'InvalidProbe',
            field: `flows[${i}]`,
          });
        }
        if (!res.ok || !isObject(body)) {
          throw new CloudTransientError(`emulator reachability answered ${res.status}: ${errorMessage(body, text)}`, {
            code: 'InvalidResponse',
          });
        }
        const reason = typeof body.reason === 'string' ? body.reason : undefined;
        if (body.reachable !== true && reason && INVALID_QUESTION.has(reason)) {
          throw new ValidationError(`emulator cannot probe ${flow.source} → ${flow.destinationIp}: ${reason}`, {
            code: 'UnsupportedProbeSource',
            field: `flows[${i}]`,
          });
        }
        const reachable = body.reachable === true;
        const forward = Array.isArray(body.hops)
          ? body.hops.filter((h) => !isObject(h) || h.direction === undefined || h.direction === 'forward')
          : undefined;
        results.push({
          flow,
          reachable,
          ...(forward ? { hops: forward.map(hopLabel) } : {}),
          ...(!reachable && reason ? { reason } : {}),
          evidence: { method: 'emulator', ...toJsonObject(body) },
        });
      }
      return results;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Cloud Assistant
// ---------------------------------------------------------------------------------------------

/** Tuning of {@link createCloudAssistantProber}. */
export interface CloudAssistantProberOptions {
  regionId: string;
  /** Echo requests (or TCP connects) per flow. Default 5. */
  count?: number;
  /** Wait between result polls, ms. Default 1000. */
  pollIntervalMs?: number;
  /** Give up after this long, ms. Default: 2 s per probe packet + 30 s. */
  timeoutMs?: number;
  /** Injected for tests on a virtual clock. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests on a virtual clock. Default `Date.now`. */
  now?: () => number;
}

/** Counts read from ping's summary. */
export interface PingSummary {
  transmitted: number;
  received: number;
  lossPercent: number;
  rttMinMs?: number;
  rttAvgMs?: number;
  rttMaxMs?: number;
}

/**
 * Reads ping's summary lines (iputils and busybox formats):
 * `5 packets transmitted, 4 received, 20% packet loss` and `rtt min/avg/max/mdev = …`.
 * Returns `undefined` when there is no summary (ping did not run).
 */
export function parsePingSummary(output: string): PingSummary | undefined {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+\d+ (?:errors|duplicates))*, ([\d.]+)% packet loss/.exec(
    output,
  );
  if (!m) return undefined;
  const summary: PingSummary = {
    transmitted: Number(m[1]),
    received: Number(m[2]),
    lossPercent: Number(m[3]),
  };
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(output);
  if (rtt) {
    summary.rttMinMs = Number(rtt[1]);
    summary.rttAvgMs = Number(rtt[2]);
    summary.rttMaxMs = Number(rtt[3]);
  }
  return summary;
}

const MARK = '@@xcflow-probe';

/** The shell script that probes `flows` from one instance, one marked section per flow (exported for tests). */
export function buildProbeScript(flows: Array<{ index: number; flow: Flow }>, count: number): string {
  const lines = ['#!/bin/sh'];
  for (const { index, flow } of flows) {
    // destinationIp and port were validated: no shell metacharacters can reach this script.
    lines.push(`echo "${MARK} ${index}"`);
    if (flow.protocol === 'tcp') {
      lines.push(
        `ok=0; i=0; while [ $i -lt ${count} ]; do i=$((i+1)); ` +
          `if timeout 2 bash -c '</dev/tcp/${flow.destinationIp}/${flow.port}' 2>/dev/null; then ok=$((ok+1)); fi; done; ` +
          `echo "${count} packets transmitted, $ok received, $(( (${count}-ok)*100/${count} ))% packet loss"`,
      );
    } else {
      lines.push(`ping -c ${count} -W 1 ${flow.destinationIp}`);
    }
    // Plain simple commands only, so that minimal shells (the emulator's) run the ICMP case too.
    lines.push(`echo "${MARK}-end ${index}"`);
  }
  return lines.join('\n') + '\n';
}

/** Splits the output of {@link buildProbeScript} into sections by flow index. */
export function splitProbeOutput(output: string): Map<number, string> {
  const out = new Map<number, string>();
  const re = new RegExp(`^${MARK} (\\d+)$([\\s\\S]*?)^${MARK}-end \\1\\b.*$`, 'gm');
  for (const m of output.matchAll(re)) out.set(Number(m[1]), m[2].trim());
  return out;
}

const ECS_ID = /^i-[a-z0-9]+$/i;

/**
 * Probes with `ping -c N -W 1 <ip>` (TCP flows: N connects through bash's `/dev/tcp`) run by
 * Cloud Assistant on the source ECS instance, then polls DescribeInvocationResults (PlainText)
 * until done. A flow is reachable when loss < 100%. Sources may be an instance id or a private
 * IP of an ECS instance in the region; data-center sources cannot be probed this way.
 */
export function createCloudAssistantProber(ecs: EcsClient, options: CloudAssistantProberOptions): FlowProber {
  const count = options.count ?? 5;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;

  async function resolveSources(flows: Flow[]): Promise<Map<string, string>> {
    const bySource = new Map<string, string>();
    const ips: string[] = [];
    flows.forEach((f, i) => {
      if (ECS_ID.test(f.source)) bySource.set(f.source, f.source);
      else {
        parseIpv4(f.source, `flows[${i}].source`);
        ips.push(f.source);
      }
    });
    if (ips.length > 0) {
      const unique = [...new Set(ips)];
      const instances = await ecs.describeInstances({ privateIpAddresses: unique });
      for (const ip of unique) {
        const inst = instances.find((x) => x.privateIpAddresses.includes(ip));
        if (!inst) {
          throw new ValidationError(
            `source ${ip} is not an ECS instance in ${options.regionId}; Cloud Assistant can only probe from ECS`,
            { code: 'UnsupportedProbeSource', field: 'flows' },
          );
        }
        bySource.set(ip, inst.instanceId);
      }
    }
    return bySource;
  }

  return {
    kind: 'cloud-assistant',
    async probe(flows) {
      flows.forEach(checkFlow);
      if (flows.length === 0) return [];
      const sourceToInstance = await resolveSources(flows);
      const byInstance = new Map<string, Array<{ index: number; flow: Flow }>>();
      flows.forEach((flow, index) => {
        const id = sourceToInstance.get(flow.source) as string;
        byInstance.set(id, [...(byInstance.get(id) ?? []), { index, flow }]);
      });
      const instanceIds = [...byInstance.keys()];
      const status = await ecs.describeCloudAssistantStatus({ instanceIds });
      const missing = instanceIds.filter((id) => !status.some((s) => s.instanceId === id && s.cloudAssistantStatus));
      if (missing.length > 0) {
        throw new ValidationError(`Cloud Assistant is not running on ${missing.join(', ')}`, {
          code: 'CloudAssistantUnavailable',
          field: 'flows',
        });
      }
      // One invocation per instance: its flows run one after another inside one script.
      const runs: Array<{ instanceId: string; invokeId: string; items: Array<{ index: number; flow: Flow }> }> = [];
      let longest = 0;
      for (const [instanceId, items] of byInstance) {
        const seconds = items.length * (count * 2 + 2) + 10;
        longest = Math.max(longest, seconds);
        const { invokeId } = await ecs.runCommand({
          instanceIds: [instanceId],
          commandContent: buildProbeScript(items, count),
          timeoutSeconds: seconds,
          name: 'xcflow-probe',
        });
        runs.push({ instanceId, invokeId, items });
      }
      const deadline = now() + (options.timeoutMs ?? longest * 1000 + 30_000);
      const results: FlowProbeResult[] = new Array(flows.length);
      for (const run of runs) {
        let result: InvocationResult | undefined;
        for (;;) {
          const all = await ecs.describeInvocationResults({ invokeId: run.invokeId, instanceId: run.instanceId });
          result = all.find((r) => r.instanceId === run.instanceId);
          if (result && FINAL_INSTANCE_INVOCATION_STATUSES.has(result.invocationStatus)) break;
          if (now() >= deadline) {
            throw new CloudTransientError(`probe on ${run.instanceId} did not finish in time (InvokeId ${run.invokeId})`, {
              code: 'ProbeTimeout',
            });
          }
          await sleep(pollIntervalMs);
        }
        const sections = splitProbeOutput(result.output);
        for (const { index, flow } of run.items) {
          const text = sections.get(index);
          const summary = text === undefined ? undefined : parsePingSummary(text);
          if (!summary) {
            // No measurement is not a verdict: never report "unreachable" without one.
            throw new CloudTransientError(
              `probe on ${run.instanceId} ended ${result.invocationStatus} without a result for ${flow.destinationIp}` +
                `${result.errorInfo ? `: ${result.errorInfo}` : ''} (InvokeId ${run.invokeId})`,
              { code: 'ProbeFailed' },
            );
          }
          const reachable = summary.lossPercent < 100;
          results[index] = {
            flow,
            reachable,
            ...(reachable ? {} : { reason: `${summary.lossPercent}% packet loss` }),
            evidence: {
              method: flow.protocol === 'tcp' ? 'cloud-assistant-tcp' : 'cloud-assistant-ping',
              instanceId: run.instanceId,
              invokeId: run.invokeId,
              invocationStatus: result.invocationStatus,
              ...(summary as unknown as JsonObject),
            },
          };
        }
      }
      return results;
    },
  };
}
