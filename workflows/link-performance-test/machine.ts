/**
 * `link-performance-test`: seed chapter 2, "Test the network performance of a physical
 * connection". Read it side by side with the seed: one round per direction × mode, each round
 * the seed's steps (servers first, then clients, then the analysis), waits as Awaiting… states
 * polled by the runner with deadlines longer than the test.
 *
 *   2-prereq   Planning (instances' addresses, the line's bandwidth) → CheckingCloudAssistant
 *   2          AwaitingApproval (the test floods the line)
 *   2-1        StartingServers → AwaitingServersListening (netserver / iperf3 -s, distinct ports)
 *   2-2        StartingClients → AwaitingClients (netperf / iperf3 -c, CPU affinity, Timeout > test)
 *   2-analyze  CollectingResults (PlainText outputs → parsers → report per round) → next round
 *   2-limit    Reporting (judged against the port bandwidth and the 1/12 single-hash-stream limit)
 *
 * Nothing in the cloud changes, so there is nothing to roll back: failures end in `Failed`
 * (planning, or no stream measured at all). A failing instance is reported, not fatal.
 */
import { assign, setup } from 'xstate';
import type { JsonObject } from '../../src/engine/types.ts';
import { endStates, failureFrom, outcomeOf, outputOf, type ProcedureFailure } from '../shared/saga.ts';
import { approvalState, effectState, endOnCancel, procedureTypes, verdict, waitState, type FailParams } from '../shared/steps.ts';
import type { PerfPlan } from './plan.ts';

/** A command started on one instance for one stream. */
export interface InvocationRef {
  index: number;
  instanceId: string;
  invokeId: string;
}

/** A stream that could not run, and why. */
export interface StreamProblem {
  index: number;
  instanceId: string;
  code: string;
  message: string;
}

/** Context of the machine (plain JSON, persisted by the engine). */
export interface PerfContext {
  plan: PerfPlan | null;
  /** Index of the round running. */
  round: number;
  /** Instances whose Cloud Assistant agent is not running. */
  unavailable: string[];
  servers: InvocationRef[];
  /** When this round's servers were started (clock ms). */
  serversStartedAt: number | null;
  /** Streams of this round that could not run (agent missing, server failed). */
  problems: StreamProblem[];
  clients: InvocationRef[];
  /** One report per finished round: direction, mode, tool, JSON report, text, SVG. */
  reports: JsonObject[];
  summary: JsonObject | null;
  failure: ProcedureFailure | null;
  /** Wait deadlines (read by the engine through `timeoutContextKey`). */
  serverWaitMs: number;
  clientWaitMs: number;
}

/** Poll intervals and default deadlines (virtual in tests). */
export const PERF_DELAYS = {
  serverPollInterval: 1_000,
  clientPollInterval: 5_000,
  defaultWait: 10 * 60_000,
  approvalExpiry: 24 * 3_600_000,
} as const;

/** The machine of `link-performance-test`. */
export const perfMachine = setup({
  types: procedureTypes<PerfContext>(),
  guards: {
    moreRounds: ({ context }) => context.round + 1 < (context.plan?.rounds.length ?? 0),
    anythingMeasured: ({ event }) => outputOf(event).measured === true,
  },
  actions: {
    storePlan: assign(({ event }) => {
      const plan = (outputOf(event).plan as unknown as PerfPlan | undefined) ?? null;
      return { plan, ...(plan ? { serverWaitMs: plan.serverWaitMs, clientWaitMs: plan.clientWaitMs } : {}) };
    }),
    storeUnavailable: assign({ unavailable: ({ event }) => (outputOf(event).unavailable as string[] | undefined) ?? [] }),
    storeServers: assign(({ event }) => {
      const out = outputOf(event);
      return {
        servers: (out.servers as unknown as InvocationRef[] | undefined) ?? [],
        serversStartedAt: typeof out.at === 'number' ? out.at : null,
        problems: (out.problems as unknown as StreamProblem[] | undefined) ?? [],
        clients: [],
      };
    }),
    storeListening: assign(({ context, event }) => ({ problems: [...context.problems, ...((outputOf(event).problems as unknown as StreamProblem[] | undefined) ?? [])] })),
    storeClients: assign(({ context, event }) => {
      const out = outputOf(event);
      return { clients: (out.clients as unknown as InvocationRef[] | undefined) ?? [], problems: [...context.problems, ...((out.problems as unknown as StreamProblem[] | undefined) ?? [])] };
    }),
    storeReport: assign({ reports: ({ context, event }) => [...context.reports, outputOf(event)] }),
    nextRound: assign({ round: ({ context }) => context.round + 1, servers: [], serversStartedAt: null, clients: [], problems: [] }),
    storeSummary: assign({ summary: ({ event }) => outputOf(event) }),
    fail: assign({ failure: ({ context, event }, params: FailParams) => context.failure ?? failureFrom(event, params) }),
  },
}).createMachine({
  id: 'link-performance-test',
  initial: 'Planning',
  context: () => ({
    plan: null,
    round: 0,
    unavailable: [],
    servers: [],
    serversStartedAt: null,
    problems: [],
    clients: [],
    reports: [],
    summary: null,
    failure: null,
    serverWaitMs: PERF_DELAYS.defaultWait,
    clientWaitMs: PERF_DELAYS.defaultWait,
  }),
  output: ({ context }) => perfOutput(context),
  on: endOnCancel,
  states: {
    Planning: effectState('Planning', {
      description: 'Prerequisites: the ECS instances and their addresses, the data-center device, the bandwidth of the line.',
      effect: 'planPerfTest',
      seed: '2-prereq',
      title: 'Plan the test rounds',
      done: { target: 'CheckingCloudAssistant', actions: 'storePlan' },
      code: 'PlanningFailed',
      message: 'planning failed',
      failTo: 'Failed',
    }),
    CheckingCloudAssistant: effectState('CheckingCloudAssistant', {
      description: 'Cloud Assistant must run on every instance before commands can (DescribeCloudAssistantStatus).',
      effect: 'checkCloudAssistant',
      seed: '2-prereq',
      title: 'Check Cloud Assistant on every instance',
      done: { target: 'AwaitingApproval', actions: 'storeUnavailable' },
      message: 'checking Cloud Assistant failed',
      failTo: 'Failed',
    }),
    AwaitingApproval: approvalState({
      description: 'Approval gate: the test floods the leased line for its duration.',
      expiresInMs: PERF_DELAYS.approvalExpiry,
      reason: 'the test floods the leased line with netperf/iperf3 traffic for its duration (see the plan in the context)',
      seed: '2',
      title: 'Approve the performance test',
      granted: 'StartingServers',
      endOnRefusal: true,
      state: 'AwaitingApproval',
    }),
    StartingServers: effectState('StartingServers', {
      description: 'Seed 2, step 1 of each direction: netserver / iperf3 -s, one port per stream.',
      effect: 'startServers',
      seed: '2-1',
      title: 'Start the servers',
      done: { target: 'AwaitingServersListening', actions: 'storeServers' },
      message: 'starting the servers failed',
      failTo: 'Failed',
    }),
    AwaitingServersListening: waitState('AwaitingServersListening', {
      effect: 'awaitServersListening',
      pollIntervalMs: PERF_DELAYS.serverPollInterval,
      timeoutMs: PERF_DELAYS.defaultWait,
      timeoutContextKey: 'serverWaitMs',
      seed: '2-1',
      title: 'Servers listening',
      done: { target: 'StartingClients', actions: 'storeListening' },
      // Clients start for the servers that run; the others are reported per stream.
      onTimeout: 'StartingClients',
    }),
    StartingClients: effectState('StartingClients', {
      description: 'Seed 2, step 2 of each direction: netperf / iperf3 -c toward each server, CPU affinity -A n, Timeout longer than the test.',
      effect: 'startClients',
      seed: '2-2',
      title: 'Start the clients',
      done: { target: 'AwaitingClients', actions: 'storeClients' },
      message: 'starting the clients failed',
      failTo: 'Failed',
    }),
    AwaitingClients: waitState('AwaitingClients', {
      effect: 'awaitClients',
      pollIntervalMs: PERF_DELAYS.clientPollInterval,
      timeoutMs: PERF_DELAYS.defaultWait,
      timeoutContextKey: 'clientWaitMs',
      seed: '2-2',
      title: 'Clients finished',
      done: 'CollectingResults',
      // Clients still running past their deadline are reported per stream.
      onTimeout: 'CollectingResults',
    }),
    CollectingResults: effectState('CollectingResults', {
      description: 'Seed 2, "Analyze the test result": outputs (PlainText) parsed; receiver-side pps, bps, loss, jitter per stream and in total.',
      effect: 'collectResults',
      seed: '2-analyze',
      title: 'Collect and parse the results',
      done: [
        { guard: 'moreRounds', target: 'StartingServers', actions: ['storeReport', 'nextRound'] },
        { target: 'Reporting', actions: 'storeReport' },
      ],
      message: 'collecting the results failed',
      failTo: 'Failed',
    }),
    Reporting: effectState('Reporting', {
      description: 'Seed 2, "Alibaba Cloud-side speed limit": judged against the port bandwidth and the 1/12 single-hash-stream limit.',
      effect: 'summarizePerfTest',
      seed: '2-limit',
      title: 'Report',
      done: verdict('Reporting', {
        guard: 'anythingMeasured',
        next: 'Succeeded',
        record: 'storeSummary',
        code: 'NothingMeasured',
        message: 'no stream produced figures',
        failTo: 'Failed',
      }),
      message: 'reporting failed',
      failTo: 'Failed',
    }),
    ...endStates,
  },
});

/** What a finished execution reports (its output): every round's report as JSON, text and SVG. */
export function perfOutput(context: PerfContext): JsonObject {
  return {
    ...outcomeOf(context),
    ...(context.summary ? { summary: context.summary } : {}),
    reports: context.reports,
  };
}
