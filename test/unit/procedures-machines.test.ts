/**
 * The machines of `cloud-service-access`, `physical-connection-redundancy` and
 * `link-performance-test` at transition level: xstate's pure `transition()` driven by the events
 * the runner would send, no I/O. Paths mirror the seed steps; failures replay compensations
 * newest first; every resting state names its step.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Json, RunnerEvent, StepMeta } from '../../src/engine/types.ts';
import { cloudAccessMachine, type CloudAccessContext, type CloudAccessPlan } from '../../workflows/cloud-service-access/machine.ts';
import { perfMachine, type PerfContext } from '../../workflows/link-performance-test/machine.ts';
import type { PerfPlan } from '../../workflows/link-performance-test/plan.ts';
import { redundancyMachine, type RedundancyContext } from '../../workflows/physical-connection-redundancy/machine.ts';
import type { RedundancyPlan } from '../../workflows/physical-connection-redundancy/plan.ts';

const input = { params: {}, executionId: 'ex-1', requestedBy: 'alice', approvalRequired: true };
const done = (output: Json): RunnerEvent => ({ type: 'STEP.DONE', output });
const failed = (code: string): RunnerEvent => ({ type: 'STEP.FAILED', error: { name: 'X', kind: 'cloud_permanent', code, message: code, retryable: false } });
const granted: RunnerEvent = { type: 'APPROVAL.GRANTED', approvers: ['bob'] };

type Reply = (state: string, ctx: never) => RunnerEvent;

/** Drives `machine` with `reply(state)` until it ends; returns the states visited and the last snapshot. */
function drive(machine: AnyStateMachine, reply: Reply, start?: AnyMachineSnapshot): { path: string[]; snapshot: AnyMachineSnapshot } {
  let s = start ?? initialTransition(machine, input)[0];
  const path: string[] = [];
  for (let i = 0; i < 300 && s.status === 'active'; i++) {
    const state = String(s.value);
    path.push(state);
    [s] = transition(machine, s, reply(state, s.context as never));
  }
  path.push(String(s.value));
  return { path, snapshot: s };
}

function assertEveryStepNamed(machine: AnyStateMachine): void {
  for (const [key, node] of Object.entries(machine.root.states)) {
    if (node.type === 'final' || (node.always?.length && !node.meta)) continue;
    const step = (node.meta as { step?: StepMeta } | undefined)?.step;
    assert.ok(step, `${machine.id}.${key} has meta.step`);
    assert.ok(step.seed, `${machine.id}.${key} names its seed step`);
    assert.match(key, /^[A-Z][a-z]+[A-Za-z]*$/, `${key} is PascalCase`);
    if (step.kind === 'effect' || step.kind === 'wait') assert.match(step.effect, /^(ensure|remove|await|verify|plan|describe|start|fail|restore|judge|check|collect|summarize|apply)/, `${key}: ${step.effect}`);
  }
}

// ---------------------------------------------------------------------------------------------
// cloud-service-access
// ---------------------------------------------------------------------------------------------

const accessPlan = (existing = false): CloudAccessPlan => ({
  regionId: 'cn-hangzhou',
  vbrId: 'vbr-1',
  vpcId: 'vpc-1',
  vbrRouteTableId: 'vtb-vbr',
  vbrRouterInterfaceId: 'ri-vbr',
  vpcRouterInterfaceId: 'ri-vpc',
  localGatewayIp: '10.0.0.1',
  routes: [
    { destinationCidrBlock: '100.64.0.0/11', existing },
    { destinationCidrBlock: '100.96.0.0/11', existing },
  ],
  changes: existing ? 0 : 2,
});

function accessReply(opts: { plan?: CloudAccessPlan; verified?: boolean; pending?: boolean; compensation?: 'ok' | 'fail' } = {}): Reply {
  return (state) => {
    switch (state) {
      case 'Planning':
        return done({ plan: (opts.plan ?? accessPlan()) as unknown as Json });
      case 'AwaitingApproval':
        return granted;
      case 'VerifyingServiceAccess':
        return done(opts.pending ? { pending: true, invokeId: 't-1', instanceId: 'mi-1', targetIp: '100.100.2.136' } : { ok: opts.verified ?? true });
      case 'AwaitingAccessProbe':
        return done({ ready: true, ok: opts.verified ?? true });
      case 'RollingBack':
        return opts.compensation === 'fail' ? failed('TaskConflict') : done({ changed: true });
      default:
        return state.startsWith('Awaiting') ? done({ ready: true }) : done({ changed: true, requestIds: ['r'] });
    }
  };
}

describe('cloud-service-access machine', () => {
  test('follows seed chapter 1: one route at a time, each Available before the next, then the customer route and the check', () => {
    // Act
    const { path, snapshot } = drive(cloudAccessMachine, accessReply());
    // Assess
    assert.deepEqual(path, [
      'Planning',
      'AwaitingApproval',
      'AddingServiceRoute',
      'AwaitingServiceRouteAvailable',
      'AddingServiceRoute',
      'AwaitingServiceRouteAvailable',
      'DescribingCustomerRoute',
      'VerifyingServiceAccess',
      'Succeeded',
    ]);
    const ctx = snapshot.context as CloudAccessContext;
    assert.deepEqual(ctx.compensations.map((c) => (c.kind === 'removeRoute' ? c.destinationCidrBlock : c.kind)), ['100.96.0.0/11', '100.64.0.0/11']);
  });

  test('a failed verification removes the added routes newest first and ends RolledBack', () => {
    // Prepare
    const applied: string[] = [];
    const base = accessReply({ verified: false });
    const reply: Reply = (state, ctx: CloudAccessContext) => {
      if (state === 'RollingBack') {
        const head = ctx.compensations[0];
        applied.push(head?.kind === 'removeRoute' ? head.destinationCidrBlock : String(head?.kind));
      }
      return base(state, ctx as never);
    };
    // Act
    const { path, snapshot } = drive(cloudAccessMachine, reply);
    // Assess
    assert.equal(path.at(-1), 'RolledBack');
    assert.deepEqual(applied, ['100.96.0.0/11', '100.64.0.0/11']);
    const out = snapshot.output as { failure: { code: string }; compensationsApplied: number };
    assert.equal(out.failure.code, 'VerificationFailed');
    assert.equal(out.compensationsApplied, 2);
  });

  test('routes that existed before are never removed: a failed check then ends Failed', () => {
    const { path, snapshot } = drive(cloudAccessMachine, accessReply({ plan: accessPlan(true), verified: false }));
    assert.equal(path.at(-1), 'Failed');
    assert.deepEqual(path.slice(0, 2), ['Planning', 'DescribingCustomerRoute'], 'nothing to add: no gate, no route step');
    assert.deepEqual((snapshot.context as CloudAccessContext).compensations, []);
  });

  test('in the cloud the check waits for the Cloud Assistant ping', () => {
    const { path } = drive(cloudAccessMachine, accessReply({ pending: true }));
    assert.deepEqual(path.slice(-3), ['VerifyingServiceAccess', 'AwaitingAccessProbe', 'Succeeded']);
  });

  test('a rejected approval ends Rejected without changes; a failing undo ends Failed with the failure recorded', () => {
    // Act
    const rejected = drive(cloudAccessMachine, (state, ctx) => (state === 'AwaitingApproval' ? { type: 'APPROVAL.REJECTED', by: 'bob' } : accessReply()(state, ctx)));
    const undoFails = drive(cloudAccessMachine, accessReply({ verified: false, compensation: 'fail' }));
    // Assess
    assert.equal(rejected.path.at(-1), 'Rejected');
    assert.equal(undoFails.path.at(-1), 'Failed');
    assert.equal((undoFails.snapshot.context as CloudAccessContext).compensationFailures.length, 2);
  });

  test('cancel after the first route rolls it back and ends Cancelled', () => {
    // Prepare
    let [s] = initialTransition(cloudAccessMachine, input);
    const reply = accessReply();
    while (String(s.value) !== 'AwaitingServiceRouteAvailable') [s] = transition(cloudAccessMachine, s, reply(String(s.value), s.context as never));
    // Act
    [s] = transition(cloudAccessMachine, s, { type: 'CANCEL', by: 'alice' });
    const { path } = drive(cloudAccessMachine, reply, s);
    // Assess
    assert.deepEqual(path, ['RollingBack', 'AwaitingCompensation', 'Cancelled']);
  });

  test('every resting state names its effect and seed step', () => assertEveryStepNamed(cloudAccessMachine));
});

// ---------------------------------------------------------------------------------------------
// physical-connection-redundancy
// ---------------------------------------------------------------------------------------------

function redundancyPlan(over: Partial<RedundancyPlan> = {}): RedundancyPlan {
  const conn = (i: number) => ({
    vbrId: `vbr-${i}`,
    physicalConnectionId: `pc-${i}`,
    vbrRouteTableId: `vtb-vbr${i}`,
    vbrRouterInterfaceId: `ri-vbr${i}`,
    vpcRouterInterfaceId: `ri-vpc${i}`,
    localGatewayIp: `10.10.1${i - 1}.1`,
    weight: 100,
    healthCheck: {
      healthCheckSourceIp: `192.168.10.${i}`,
      healthCheckTargetIp: `10.10.1${i - 1}.2`,
      hcRate: 2000,
      hcThreshold: 8,
      existing: false,
      previous: { healthCheckSourceIp: null, healthCheckTargetIp: null, hcRate: null, hcThreshold: null },
    },
    vbrRoute: { routeTableId: 'vtb-vpc', destinationCidrBlock: `10.10.1${i - 1}.0/24`, nextHops: [{ nextHopType: 'RouterInterface', nextHopId: `ri-vpc${i}` }], existing: false },
    bgp:
      over.routing === 'bgp'
        ? {
            sourceRoute: { routeTableId: `vtb-vbr${i}`, destinationCidrBlock: `192.168.10.${i}/32`, nextHops: [{ nextHopType: 'RouterInterface', nextHopId: `ri-vbr${i}` }], existing: false },
            network: { dstCidrBlock: `192.168.10.${i}/32`, existing: false },
          }
        : null,
  });
  return {
    regionId: 'cn-shanghai',
    vpcId: 'vpc-1',
    vpcCidrBlock: '192.168.0.0/16',
    routeTableId: 'vtb-vpc',
    mode: 'ecmp',
    routing: 'static',
    hcRate: 2000,
    hcThreshold: 8,
    connections: [conn(1), conn(2)],
    loadBalancingRoutes: [
      {
        routeTableId: 'vtb-vpc',
        destinationCidrBlock: '172.16.0.0/16',
        nextHops: [
          { nextHopType: 'RouterInterface', nextHopId: 'ri-vpc1', weight: 100 },
          { nextHopType: 'RouterInterface', nextHopId: 'ri-vpc2', weight: 100 },
        ],
        existing: false,
      },
    ],
    dataCenterRoutes: [],
    failover: { sourceInstanceId: 'i-1', targetIps: ['172.16.0.10'], physicalConnectionId: 'pc-1', vbrId: 'vbr-1', flows: 16, sampleIntervalMs: 1000, goalMs: 16000, failoverWaitMs: 78_000, spreadWaitMs: 78_000, windowMs: 156_000 },
    changes: 5,
    ...over,
  };
}

function redundancyReply(opts: { plan?: RedundancyPlan; judged?: boolean; failoverTimesOut?: boolean; log?: string[] } = {}): Reply {
  return (state, ctx: RedundancyContext) => {
    switch (state) {
      case 'Planning':
        return done({ plan: (opts.plan ?? redundancyPlan()) as unknown as Json });
      case 'AwaitingApproval':
        return granted;
      case 'ConfiguringHealthCheck':
        return done({ changed: true, requestIds: ['r'], at: 1000 });
      case 'VerifyingRedundancy':
        return done({ ok: true });
      case 'StartingFailoverTest':
        return done({ handle: { kind: 'emulator', testId: 't', sampleIntervalMs: 1000, startedAt: 0 } });
      case 'FailingLine':
        return done({ performed: true, physicalConnectionId: 'pc-1', at: 5000, instruction: 'down' });
      case 'AwaitingFailover':
        return opts.failoverTimesOut ? failed('WaitTimeout') : done({ ready: true });
      case 'RestoringLine':
        return done({ performed: true, physicalConnectionId: 'pc-1', at: 21000, instruction: 'up' });
      case 'JudgingFailover':
        return done(opts.judged === false ? { ok: false, reason: 'failover test: flows were black for 20000 ms' } : { ok: true, failoverMs: 14000 });
      case 'RollingBack': {
        const head = ctx.compensations[0];
        opts.log?.push(head ? `${head.kind}${'destinationCidrBlock' in head ? ` ${head.destinationCidrBlock}` : ''}${'routerInterfaceId' in head ? ` ${head.routerInterfaceId}` : ''}` : 'none');
        return done({ changed: true });
      }
      default:
        return state.startsWith('Awaiting') ? done({ ready: true, ok: true }) : done({ changed: true, requestIds: ['r'] });
    }
  };
}

describe('physical-connection-redundancy machine', () => {
  test('follows seed chapter 6: health checks, load-balancing route, per-VBR routes, data-center routes, verification, failover test', () => {
    // Act
    const { path, snapshot } = drive(redundancyMachine, redundancyReply());
    // Assess
    assert.deepEqual(path, [
      'Planning',
      'AwaitingApproval',
      'ConfiguringHealthCheck',
      'AwaitingHealthCheckApplied',
      'ConfiguringHealthCheck',
      'AwaitingHealthCheckApplied',
      'AddingLoadBalancingRoute',
      'AwaitingLoadBalancingRouteAvailable',
      'AddingVbrRoute',
      'AwaitingVbrRouteAvailable',
      'AddingVbrRoute',
      'AwaitingVbrRouteAvailable',
      'DescribingDataCenterRoutes',
      'AwaitingHealthChecksSettled',
      'VerifyingRedundancy',
      'StartingFailoverTest',
      'FailingLine',
      'AwaitingFailover',
      'RestoringLine',
      'AwaitingTrafficSpread',
      'JudgingFailover',
      'Succeeded',
    ]);
    const ctx = snapshot.context as RedundancyContext;
    assert.equal(ctx.healthChecksChangedAt, 1000);
    assert.equal(ctx.failoverWaitMs, 78_000, 'the wait deadline comes from the plan');
    assert.deepEqual(ctx.compensations.map((c) => c.kind).filter((k) => k === 'restorePhysicalConnection' || k === 'stopFailoverTest'), [], 'the line is back and the test stopped');
  });

  test('BGP adds the health-check source routes and their advertisement after the per-VBR routes', () => {
    const { path } = drive(redundancyMachine, redundancyReply({ plan: redundancyPlan({ routing: 'bgp' }) }));
    const from = path.indexOf('AwaitingVbrRouteAvailable', path.indexOf('AwaitingVbrRouteAvailable') + 1) + 1;
    assert.deepEqual(path.slice(from, from + 9), [
      'AddingHealthCheckSourceRoute',
      'AwaitingHealthCheckSourceRouteAvailable',
      'AddingHealthCheckSourceRoute',
      'AwaitingHealthCheckSourceRouteAvailable',
      'AdvertisingHealthCheckSource',
      'AwaitingHealthCheckSourceAdvertised',
      'AdvertisingHealthCheckSource',
      'AwaitingHealthCheckSourceAdvertised',
      'DescribingDataCenterRoutes',
    ]);
  });

  test('when traffic does not recover, the line comes back first, then the test stops, then every change is undone newest first', () => {
    // Prepare
    const log: string[] = [];
    // Act
    const { path, snapshot } = drive(redundancyMachine, redundancyReply({ failoverTimesOut: true, log }));
    // Assess
    assert.equal(path.at(-1), 'RolledBack');
    assert.deepEqual(log, [
      'restorePhysicalConnection',
      'stopFailoverTest',
      'removeRoute 10.10.11.0/24',
      'removeRoute 10.10.10.0/24',
      'removeRoute 172.16.0.0/16',
      'restoreRouterInterfaceHealthCheck ri-vbr2',
      'restoreRouterInterfaceHealthCheck ri-vbr1',
    ]);
    assert.equal((snapshot.output as { failure: { code: string } }).failure.code, 'FailoverTestFailed');
  });

  test('a failover slower than interval × threshold is a verification failure and rolls back', () => {
    const { path, snapshot } = drive(redundancyMachine, redundancyReply({ judged: false }));
    assert.equal(path.at(-1), 'RolledBack');
    assert.match((snapshot.output as { failure: { message: string } }).failure.message, /black for 20000 ms/);
  });

  test('without a failover test the procedure ends after verification; with nothing to change it skips the gate', () => {
    // Act
    const noTest = drive(redundancyMachine, redundancyReply({ plan: redundancyPlan({ failover: null }) }));
    const idle = drive(redundancyMachine, redundancyReply({ plan: redundancyPlan({ failover: null, changes: 0 }) }));
    // Assess
    assert.deepEqual(noTest.path.slice(-2), ['VerifyingRedundancy', 'Succeeded']);
    assert.deepEqual(idle.path.slice(0, 3), ['Planning', 'DescribingDataCenterRoutes', 'AwaitingHealthChecksSettled']);
  });

  test('existing settings get no compensation', () => {
    // Prepare
    const plan = redundancyPlan({ failover: null });
    for (const c of plan.connections) {
      c.healthCheck.existing = true;
      c.vbrRoute.existing = true;
    }
    // Act
    const { snapshot } = drive(redundancyMachine, redundancyReply({ plan }));
    // Assess
    assert.deepEqual((snapshot.context as RedundancyContext).compensations.map((c) => c.kind), ['removeRoute']);
  });

  test('every resting state names its effect and seed step', () => assertEveryStepNamed(redundancyMachine));
});

// ---------------------------------------------------------------------------------------------
// link-performance-test
// ---------------------------------------------------------------------------------------------

const perfPlan = (): PerfPlan => ({
  regionId: 'cn-hangzhou',
  tool: 'netperf',
  durationSeconds: 10,
  bandwidthBps: 1e9,
  physicalConnectionId: 'pc-1',
  device: { instanceId: 'mi-1', ip: '192.168.100.1' },
  instances: [{ instanceId: 'i-1', ip: '172.16.0.2' }],
  rounds: ['pps', 'bps'].map((mode) => ({
    direction: 'inbound' as const,
    flowDirection: 'vpc-to-idc' as const,
    mode: mode as 'pps' | 'bps',
    tool: 'netperf' as const,
    payloadBytes: mode === 'pps' ? 1 : 1400,
    streams: [],
  })),
  serverWaitMs: 60_000,
  clientWaitMs: 100_000,
  sizingTargetBps: null,
});

function perfReply(opts: { serversTimeOut?: boolean; clientsTimeOut?: boolean; measured?: boolean } = {}): Reply {
  return (state) => {
    switch (state) {
      case 'Planning':
        return done({ plan: perfPlan() as unknown as Json });
      case 'CheckingCloudAssistant':
        return done({ unavailable: [] });
      case 'AwaitingApproval':
        return granted;
      case 'StartingServers':
        return done({ servers: [{ index: 0, instanceId: 'mi-1', invokeId: 't-s' }], problems: [] });
      case 'AwaitingServersListening':
        return opts.serversTimeOut ? failed('WaitTimeout') : done({ ready: true, problems: [] });
      case 'StartingClients':
        return done({ clients: [{ index: 0, instanceId: 'i-1', invokeId: 't-c' }], problems: [] });
      case 'AwaitingClients':
        return opts.clientsTimeOut ? failed('WaitTimeout') : done({ ready: true });
      case 'CollectingResults':
        return done({ direction: 'inbound', mode: 'pps', report: {} });
      case 'Reporting':
        return done({ measured: opts.measured ?? true });
      default:
        return done({});
    }
  };
}

describe('link-performance-test machine', () => {
  test('runs the seed steps once per round: servers, clients, analysis; then the report', () => {
    // Act
    const { path, snapshot } = drive(perfMachine, perfReply());
    // Assess
    const round = ['StartingServers', 'AwaitingServersListening', 'StartingClients', 'AwaitingClients', 'CollectingResults'];
    assert.deepEqual(path, ['Planning', 'CheckingCloudAssistant', 'AwaitingApproval', ...round, ...round, 'Reporting', 'Succeeded']);
    assert.equal((snapshot.context as PerfContext).reports.length, 2);
    assert.equal((snapshot.context as PerfContext).clientWaitMs, 100_000);
  });

  test('a server wait past its deadline still starts the clients, and a client wait past its deadline still collects', () => {
    // Act
    const { path } = drive(perfMachine, perfReply({ serversTimeOut: true, clientsTimeOut: true }));
    // Assess
    assert.equal(path.at(-1), 'Succeeded');
    assert.deepEqual(path.slice(3, 8), ['StartingServers', 'AwaitingServersListening', 'StartingClients', 'AwaitingClients', 'CollectingResults']);
  });

  test('problems found when starting servers and clients are kept for the round and cleared for the next', () => {
    // Prepare
    const base = perfReply();
    const seen: string[][] = [];
    const reply: Reply = (state, ctx: PerfContext) => {
      if (state === 'StartingServers' && ctx.round === 0) return done({ servers: [], problems: [{ index: 0, instanceId: 'i-1', code: 'CloudAssistantUnavailable', message: 'x' }], at: 1 });
      if (state === 'StartingClients') return done({ clients: [], problems: [{ index: 1, instanceId: 'mi-1', code: 'CommandNotFound', message: 'y' }] });
      if (state === 'CollectingResults') seen.push(ctx.problems.map((p) => p.code));
      return base(state, ctx as never);
    };
    // Act
    drive(perfMachine, reply);
    // Assess
    assert.deepEqual(seen, [['CloudAssistantUnavailable', 'CommandNotFound'], ['CommandNotFound']]);
  });

  test('a report without a single measured stream ends Failed; cancel ends Cancelled', () => {
    // Act
    const none = drive(perfMachine, perfReply({ measured: false }));
    let [s] = initialTransition(perfMachine, input);
    [s] = transition(perfMachine, s, { type: 'CANCEL', by: 'alice' });
    // Assess
    assert.equal(none.path.at(-1), 'Failed');
    assert.equal((none.snapshot.output as { outcome: string }).outcome, 'NothingMeasured');
    assert.equal(String(s.value), 'Cancelled');
  });

  test('every resting state names its effect and seed step', () => assertEveryStepNamed(perfMachine));
});
