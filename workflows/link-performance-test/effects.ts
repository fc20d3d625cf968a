/**
 * Effects of `link-performance-test` (seed chapter 2), one per `meta.step.effect` of the machine.
 * Commands run through Cloud Assistant (RunCommand with a Timeout longer than the test, a
 * ClientToken per command so a retried step starts nothing twice); results are read with
 * `ContentEncoding=PlainText`, parsed by `src/perf` and reported with `buildPerfReport`. A
 * failing instance (no agent, exit 127, timeout, unreadable output) becomes an entry of the
 * report's errors; the rest of the report is still produced. None sleeps: the engine polls.
 */
import type { CloudClients, InvocationResult } from '../../src/cloud/index.ts';
import { FINAL_INSTANCE_INVOCATION_STATUSES, isCloudApiError, isCloudErrorClass, regionView } from '../../src/cloud/index.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../src/engine/types.ts';
import { buildPerfReport, renderPerfReportText, renderThroughputSvg, type PerfInstanceInput, type PerfReport } from '../../src/perf/index.ts';
import { contextReaders } from '../shared/context.ts';
import type { InvocationRef, PerfContext, StreamProblem } from './machine.ts';
import { PAYLOAD_BYTES, parsePerfParams } from './params.ts';
import { planPerfTest, type CommandPlan, type RoundPlan, type StreamPlan } from './plan.ts';

type Input = EffectInput<JsonObject, JsonObject>;

const { ctxOf, planOf } = contextReaders<PerfContext>();
const json = (v: unknown): Json => v as Json;

function roundOf(input: Input): RoundPlan {
  const r = planOf(input).rounds[ctxOf(input).round];
  if (!r) throw new Error(`${input.step}: no round ${ctxOf(input).round}`);
  return r;
}

const programOf = (command: string): string => command.split(' ')[0] ?? command;

/** A one-line reason from a tool's output (iperf3 -J puts it in `error`). */
function firstProblem(output: string): string {
  const text = output.trim();
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { error?: unknown };
      if (typeof j.error === 'string') return j.error;
    } catch {
      // Not JSON after all: fall through to the text.
    }
  }
  return text.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '(no output)';
}

/** Starts one command; an answer that names the instance as the problem becomes a stream problem. */
async function run(cloud: CloudClients, c: CommandPlan, name: string, clientToken: string, index: number): Promise<{ ref?: InvocationRef; problem?: StreamProblem }> {
  try {
    const r = await cloud.ecs.runCommand({ instanceIds: [c.instanceId], commandContent: c.command, timeoutSeconds: c.timeoutSeconds, name, clientToken });
    return { ref: { index, instanceId: c.instanceId, invokeId: r.invokeId } };
  } catch (err) {
    // Throttling and busy answers are retried by the engine (same ClientToken: nothing runs twice).
    if (isCloudErrorClass(err, 'throttled', 'conflict', 'network') || !isCloudApiError(err)) throw err;
    return { problem: { index, instanceId: c.instanceId, code: err.code, message: `RunCommand on ${c.instanceId} refused: ${err.code}: ${err.message}` } };
  }
}

/** The newest result of each invocation, read as PlainText. */
async function results(cloud: CloudClients, refs: InvocationRef[]): Promise<Map<string, InvocationResult>> {
  const out = new Map<string, InvocationResult>();
  for (const ref of refs) {
    const all = await cloud.ecs.describeInvocationResults({ invokeId: ref.invokeId, instanceId: ref.instanceId });
    const r = all.find((x) => x.instanceId === ref.instanceId);
    if (r) out.set(ref.invokeId, r);
  }
  return out;
}

/** Why a finished command produced no figures, or undefined when it succeeded. */
function commandProblem(r: InvocationResult, c: CommandPlan, role: 'server' | 'client'): { code: string; message: string } | undefined {
  const program = programOf(c.command);
  const where = `${role} ${program} on ${c.instanceId}`;
  switch (r.invocationStatus) {
    case 'Success':
      return undefined;
    case 'Failed':
      if (r.exitCode === 127) return { code: 'CommandNotFound', message: `${where}: not installed (exit code 127: ${firstProblem(r.output)})` };
      return { code: 'ExitCodeNonzero', message: `${where} exited ${r.exitCode ?? '?'}: ${firstProblem(r.output)}` };
    case 'Timeout':
      return { code: 'Timeout', message: `${where} did not finish within its Timeout of ${c.timeoutSeconds} s (${r.errorCode ?? 'ExecutionTimeout'})` };
    case 'Running':
    case 'Pending':
    case 'Scheduled':
    case 'Stopping':
      return { code: 'StillRunning', message: `${where} was still ${r.invocationStatus} when the wait ended` };
    default:
      return { code: r.errorCode ?? r.invocationStatus, message: `${where} ended ${r.invocationStatus}${r.errorInfo ? `: ${r.errorInfo}` : ''}` };
  }
}

/** A server that ended before its client could use it. */
function serverEnded(ref: InvocationRef, r: InvocationResult, stream: StreamPlan): StreamProblem {
  return { index: ref.index, instanceId: ref.instanceId, ...(commandProblem(r, stream.server, 'server') ?? { code: 'ServerEnded', message: `the server on ${ref.instanceId} ended before its client started` }) };
}

/** After this long a running server counts as listening even without its banner in the output. */
export const SERVER_BANNER_GRACE_MS = 10_000;

/** Whether a server's output shows it listening (netserver's start line, iperf3's banner). */
const listening = (output: string): boolean => /Starting netserver|Server listening/.test(output);

const reportInput = (round: RoundPlan, s: StreamPlan, over: Partial<PerfInstanceInput>): PerfInstanceInput => ({ instanceId: s.ecsInstanceId, label: s.label, tool: round.tool, ...over });

/** Effects by the name `meta.step.effect` uses. */
export function createPerfEffects(): Record<string, Effect<CloudClients>> {
  const cloudOf = (input: Input, cloud: CloudClients): CloudClients => regionView(cloud, String(input.params.regionId));

  const effects: Record<string, (input: Input, cloud: CloudClients) => Promise<JsonObject>> = {
    planPerfTest: async (input, cloud) => ({ plan: json(await planPerfTest(cloudOf(input, cloud), parsePerfParams(input.params))) }),

    checkCloudAssistant: async (input, cloud) => {
      const plan = planOf(input);
      const ids = [...plan.instances.map((i) => i.instanceId), plan.device.instanceId];
      const status = await cloudOf(input, cloud).ecs.describeCloudAssistantStatus({ instanceIds: ids });
      const unavailable = ids.filter((id) => !status.some((s) => s.instanceId === id && s.cloudAssistantStatus));
      return { unavailable, status: json(status) };
    },

    startServers: async (input, cloud) => {
      const cl = cloudOf(input, cloud);
      const round = roundOf(input);
      const offline = new Set(ctxOf(input).unavailable);
      const servers: InvocationRef[] = [];
      const problems: StreamProblem[] = [];
      for (const s of round.streams) {
        const down = [s.server.instanceId, s.client.instanceId].find((id) => offline.has(id));
        if (down) {
          problems.push({ index: s.index, instanceId: down, code: 'CloudAssistantUnavailable', message: `Cloud Assistant is not running on ${down}: the stream cannot run` });
          continue;
        }
        const r = await run(cl, s.server, `xcflow-perf-server-${s.port}`, `${input.idempotencyKey}:s${s.index}`, s.index);
        if (r.ref) servers.push(r.ref);
        if (r.problem) problems.push(r.problem);
      }
      return { servers: json(servers), problems: json(problems), at: input.now };
    },

    awaitServersListening: async (input, cloud) => {
      const ctx = ctxOf(input);
      const round = roundOf(input);
      const res = await results(cloudOf(input, cloud), ctx.servers);
      // Whether a running command's output is refreshed before it ends is UNCONFIRMED for the
      // real service: after a grace period a running server counts as listening without its banner.
      const graceOver = input.now >= (ctx.serversStartedAt ?? input.now) + SERVER_BANNER_GRACE_MS;
      const problems: StreamProblem[] = [];
      let pending = 0;
      for (const ref of ctx.servers) {
        const r = res.get(ref.invokeId);
        const stream = round.streams[ref.index] as StreamPlan;
        if (r && FINAL_INSTANCE_INVOCATION_STATUSES.has(r.invocationStatus)) {
          problems.push(serverEnded(ref, r, stream));
        } else if (!(r?.invocationStatus === 'Running' && (listening(r.output) || graceOver))) {
          pending++;
        }
      }
      return { ready: pending === 0, pending, problems: json(problems) };
    },

    startClients: async (input, cloud) => {
      const cl = cloudOf(input, cloud);
      const ctx = ctxOf(input);
      const round = roundOf(input);
      const known = new Set(ctx.problems.map((p) => p.index));
      // Read the servers again: the wait may have ended at its deadline.
      const serverResults = await results(cl, ctx.servers);
      const clients: InvocationRef[] = [];
      const problems: StreamProblem[] = [];
      for (const s of round.streams) {
        if (known.has(s.index)) continue;
        const ref = ctx.servers.find((x) => x.index === s.index);
        const sr = ref ? serverResults.get(ref.invokeId) : undefined;
        if (!ref) continue;
        // A retry may follow an attempt that started this client: its one-test server (iperf3 -s
        // -1) then ends with Success. Asking again with the same ClientToken returns that client.
        const served = input.attempt > 1 && sr?.invocationStatus === 'Success';
        if (sr && FINAL_INSTANCE_INVOCATION_STATUSES.has(sr.invocationStatus) && !served) {
          problems.push(serverEnded(ref, sr, s));
          continue;
        }
        if (sr?.invocationStatus !== 'Running' && !served) {
          problems.push({ index: s.index, instanceId: ref.instanceId, code: 'ServerNotListening', message: `the server on ${ref.instanceId} was still ${sr?.invocationStatus ?? 'unknown'} when the clients had to start` });
          continue;
        }
        const r = await run(cl, s.client, `xcflow-perf-client-${s.port}`, `${input.idempotencyKey}:c${s.index}`, s.index);
        if (r.ref) clients.push(r.ref);
        if (r.problem) problems.push(r.problem);
      }
      return { clients: json(clients), problems: json(problems), startedAt: input.now };
    },

    awaitClients: async (input, cloud) => {
      const ctx = ctxOf(input);
      const res = await results(cloudOf(input, cloud), ctx.clients);
      const running = ctx.clients.filter((c) => {
        const r = res.get(c.invokeId);
        return !r || !FINAL_INSTANCE_INVOCATION_STATUSES.has(r.invocationStatus);
      });
      return { ready: running.length === 0, running: running.length };
    },

    collectResults: async (input, cloud) => {
      const ctx = ctxOf(input);
      const plan = planOf(input);
      const round = roundOf(input);
      const res = await results(cloudOf(input, cloud), ctx.clients);
      const instances: PerfInstanceInput[] = [];
      for (const s of round.streams) {
        const problem = ctx.problems.find((p) => p.index === s.index);
        const client = ctx.clients.find((c) => c.index === s.index);
        if (problem || !client) {
          const p = problem ?? { code: 'NotStarted', message: 'the client was not started' };
          instances.push(reportInput(round, s, { error: { code: p.code, message: p.message } }));
          continue;
        }
        const r = res.get(client.invokeId);
        if (!r) {
          instances.push(reportInput(round, s, { error: { code: 'NoResult', message: `no result for ${client.invokeId} on ${client.instanceId}` } }));
          continue;
        }
        const why = commandProblem(r, s.client, 'client');
        instances.push(why ? reportInput(round, s, { error: why, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}) }) : reportInput(round, s, { output: r.output, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}) }));
      }
      const report: PerfReport = buildPerfReport({
        bandwidthBps: plan.bandwidthBps,
        mode: round.mode,
        direction: round.flowDirection,
        instances,
        // Sizing is given as iperf3 options, so it uses iperf3's packet size for the mode.
        ...(plan.sizingTargetBps !== null ? { sizing: { targetBps: plan.sizingTargetBps, payloadBytes: PAYLOAD_BYTES.iperf3[round.mode] } } : {}),
      });
      return {
        direction: round.direction,
        mode: round.mode,
        tool: round.tool,
        payloadBytes: round.payloadBytes,
        report: json(report),
        text: renderPerfReportText(report),
        svg: renderThroughputSvg(report),
      };
    },

    summarizePerfTest: async (input) => {
      const ctx = ctxOf(input);
      const plan = planOf(input);
      const rounds = ctx.reports.map((r) => {
        const rep = r.report as unknown as PerfReport;
        return {
          direction: String(r.direction),
          mode: String(r.mode),
          streams: rep.total.streams,
          bitsPerSecond: rep.total.bitsPerSecond,
          ...(rep.total.packetsPerSecond !== undefined ? { packetsPerSecond: rep.total.packetsPerSecond } : {}),
          ...(rep.total.lossPercent !== undefined ? { lossPercent: rep.total.lossPercent } : {}),
          utilisation: rep.total.utilisation,
          streamsAtHashLimit: rep.judgement.streamsAtHashLimit,
          flowsNeededAtHashLimit: rep.judgement.flowsNeededAtHashLimit,
          errors: rep.errors.length,
          findings: rep.judgement.findings,
        };
      });
      const measured = rounds.some((r) => r.streams > 0);
      const text = ctx.reports.map((r) => `== ${String(r.direction)} / ${String(r.mode)} (${String(r.tool)}) ==\n${String(r.text)}`).join('\n\n');
      return { measured, bandwidthBps: plan.bandwidthBps, rounds: json(rounds), text };
    },
  };
  return effects;
}
