/**
 * Cloud Assistant through pop-core (ECS 2014-05-26) on the seed's chapter 2 topology: netserver /
 * netperf and iperf3 runs between eight ECS instances and the data-center device, output read
 * back with `src/perf`'s parsers; Base64 vs PlainText output; exit 127, timeouts, agents that are
 * offline or too old; parameter errors with their codes.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { readTopologyFile } from '../../src/emulator/topology.ts';
import { parseIperf3, parseNetperf } from '../../src/perf/index.ts';
import { advance, call, callFails, client, control, type Body } from './emulator-helpers.ts';

const REGION = 'cn-hangzhou';
const DEVICE = 'mi-bp1perfdevice000000001';
const DEVICE_IP = '192.168.100.1';
const ECS = Array.from({ length: 8 }, (_, i) => `i-bp1perf0000000000000${i + 2}`);

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ topology: 'ch2-link-performance' });
});
after(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

async function run(instances: string[], script: string, extra: Record<string, unknown> = {}): Promise<string> {
  const body = await call(client(emu, 'ecs'), 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: script, InstanceId: instances, ...extra });
  assert.match(body.InvokeId as string, /^t-/);
  assert.match(body.CommandId as string, /^c-/);
  return body.InvokeId as string;
}

async function results(invokeId: string, encoding?: 'PlainText' | 'Base64'): Promise<Body[]> {
  const body = await call(client(emu, 'ecs'), 'DescribeInvocationResults', { RegionId: REGION, InvokeId: invokeId, MaxResults: 50, ...(encoding ? { ContentEncoding: encoding } : {}) });
  return body.Invocation.InvocationResults.InvocationResult as Body[];
}

describe('Cloud Assistant status', () => {
  test('every instance of the chapter 2 topology reports an online agent', async () => {
    const body = await call(client(emu, 'ecs'), 'DescribeCloudAssistantStatus', { RegionId: REGION, InstanceId: [...ECS, DEVICE], PageSize: 50 });
    const rows = body.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus as Body[];
    assert.equal(rows.length, 9);
    assert.ok(rows.every((r) => r.CloudAssistantStatus === 'true'));
  });
});

describe('netperf through RunCommand', () => {
  test('eight UDP_STREAM clients share the line; each parses as a netperf table within the 1/12 hash-stream limit', async () => {
    // Prepare: netserver on eight ports of the data-center device (seed chapter 2, step 1).
    const servers = await run([DEVICE], ECS.map((_, i) => `netserver -p ${11256 + i}`).join('\n'));
    await advance(emu, 1_000);
    // Act: one netperf per ECS instance, 1-byte messages for pps.
    const clients: string[] = [];
    for (const [i, id] of ECS.entries()) {
      clients.push(await run([id], `netperf -H ${DEVICE_IP} -p ${11256 + i} -t UDP_STREAM -l 10 -- -m 1`, { Timeout: 60 }));
    }
    const pending = await results(clients[0]!, 'PlainText');
    await advance(emu, 1_000);
    const running = await results(clients[0]!, 'PlainText');
    await advance(emu, 11_000);
    // Assess
    assert.equal(pending[0]!.InvocationStatus, 'Pending');
    assert.equal(running[0]!.InvocationStatus, 'Running');
    assert.equal((await results(servers, 'PlainText'))[0]!.InvocationStatus, 'Success');
    let totalPps = 0;
    for (const invokeId of clients) {
      const [r] = await results(invokeId, 'PlainText');
      assert.equal(r!.InvocationStatus, 'Success');
      assert.equal(r!.ExitCode, 0);
      const parsed = parseNetperf(r!.Output as string);
      assert.equal(parsed.test, 'UDP_STREAM');
      assert.ok(parsed.receiverPps! > 0);
      assert.ok(parsed.lostMessages! > 0, 'a 1-byte flood loses messages above the stream limit');
      totalPps += parsed.receiverPps!;
    }
    const linePps = 1e9 / (84 * 8);
    assert.ok(totalPps <= linePps * 1.001, `receiver pps ${totalPps} within the line's ${linePps}`);
    assert.ok(totalPps >= (linePps * 8) / 12 * 0.9, `eight streams get about 8/12 of the line: ${totalPps}`);
  });

  test('Output is Base64 unless PlainText is asked for', async () => {
    const invokeId = await run([ECS[0]!], 'echo hello from $HOSTNAME\nhostname');
    await advance(emu, 2_000);
    const [b64] = await results(invokeId);
    const [plain] = await results(invokeId, 'PlainText');
    assert.equal(Buffer.from(b64!.Output as string, 'base64').toString('utf8'), plain!.Output);
    assert.equal(plain!.Output, 'hello from $HOSTNAME\nperf-1\n');
  });
});

describe('iperf3 through RunCommand', () => {
  test('a UDP -J client run parses as iperf3 JSON and the foreground server prints its side until the timeout', async () => {
    // Prepare: the seed's server command, in the foreground.
    const server = await run([DEVICE], 'iperf3 -s -i 1 -p 16001', { Timeout: 60 });
    await advance(emu, 1_000);
    // Act
    const clientJson = await run([ECS[0]!], `iperf3 -u -l 16 -b 100m -t 10 -c ${DEVICE_IP} -i 1 -p 16001 -A 1 -J`, { Timeout: 60 });
    await advance(emu, 12_000);
    const clientText = await run([ECS[1]!], `iperf3 -u -l 1400 -b 100m -t 5 -c ${DEVICE_IP} -i 1 -p 16001`, { Timeout: 60 });
    await advance(emu, 7_000);
    const midway = await results(server, 'PlainText');
    await advance(emu, 60_000);
    // Assess
    const [json] = await results(clientJson, 'PlainText');
    assert.equal(json!.InvocationStatus, 'Success');
    const fromJson = parseIperf3(json!.Output as string);
    assert.equal(fromJson.format, 'json');
    assert.equal(fromJson.protocol, 'udp');
    assert.ok(fromJson.total.receiver!.packets! > 0);
    const [text] = await results(clientText, 'PlainText');
    const fromText = parseIperf3(text!.Output as string);
    assert.equal(fromText.format, 'text');
    assert.ok(Math.abs(fromText.total.sender!.bitsPerSecond - 100e6) / 100e6 < 0.05, `sender ~100 Mbit/s: ${fromText.total.sender!.bitsPerSecond}`);
    assert.equal(midway[0]!.InvocationStatus, 'Running');
    const serverOut = midway[0]!.Output as string;
    assert.match(serverOut, /Server listening on 16001/);
    assert.match(serverOut, /Accepted connection from 172\.16\.0\.2/);
    const [ended] = await results(server, 'PlainText');
    assert.equal(ended!.InvocationStatus, 'Timeout');
    assert.equal(ended!.ErrorCode, 'ExecutionTimeout');
  });

  test('a second client on a busy server is told so, and a client without a server is refused', async () => {
    await run([DEVICE], 'iperf3 -s -p 16002 -D');
    await advance(emu, 1_000);
    const first = await run([ECS[0]!], `iperf3 -c ${DEVICE_IP} -p 16002 -t 10`);
    await advance(emu, 1_000);
    const busy = await run([ECS[1]!], `iperf3 -c ${DEVICE_IP} -p 16002 -t 10`);
    const refused = await run([ECS[2]!], `iperf3 -c ${DEVICE_IP} -p 16999 -t 10`);
    await advance(emu, 12_000);
    assert.equal((await results(first, 'PlainText'))[0]!.InvocationStatus, 'Success');
    const [b] = await results(busy, 'PlainText');
    assert.equal(b!.ExitCode, 1);
    assert.match(b!.Output as string, /the server is busy running a test/);
    const [r] = await results(refused, 'PlainText');
    assert.equal(r!.InvocationStatus, 'Failed');
    assert.match(r!.Output as string, /Connection refused/);
  });
});

describe('failures', () => {
  test('a program that is not installed exits 127 with bash\'s "command not found"', async () => {
    const invokeId = await run([ECS[0]!], 'iperf2 -s');
    await advance(emu, 2_000);
    const [r] = await results(invokeId, 'PlainText');
    assert.equal(r!.InvocationStatus, 'Failed');
    assert.equal(r!.ExitCode, 127);
    assert.equal(r!.ErrorCode, 'ExitCodeNonzero');
    assert.match(r!.Output as string, /line 1: iperf2: command not found/);
  });

  test('a client whose server is cut off by a failed line waits for the connect timeout, then fails', async () => {
    // Prepare
    await run([DEVICE], 'netserver -p 12865');
    await advance(emu, 1_000);
    await control(emu, 'POST', 'physical-connections/pc-bp1perfline0000000001/down');
    // Act
    const invokeId = await run([ECS[0]!], `netperf -H ${DEVICE_IP} -t UDP_STREAM -l 10`, { Timeout: 300 });
    await advance(emu, 60_000);
    const [waiting] = await results(invokeId, 'PlainText');
    await advance(emu, 70_000);
    const [failed] = await results(invokeId, 'PlainText');
    // Assess
    assert.equal(waiting!.InvocationStatus, 'Running');
    assert.equal(failed!.InvocationStatus, 'Failed');
    assert.equal(failed!.ExitCode, 1);
    assert.match(failed!.Output as string, /are you sure there is a netserver listening on 192\.168\.100\.1 at port 12865/);
  });

  test('a command that outlasts Timeout ends as Timeout', async () => {
    const invokeId = await run([ECS[0]!], 'sleep 100', { Timeout: 10 });
    await advance(emu, 5_000);
    const [running] = await results(invokeId);
    await advance(emu, 10_000);
    const [done] = await results(invokeId);
    assert.equal(running!.InvocationStatus, 'Running');
    assert.equal(done!.InvocationStatus, 'Timeout');
    assert.equal(done!.InvokeRecordStatus, 'Failed');
  });

  test('DescribeInvocations lists the invocation with per-instance output when asked', async () => {
    const invokeId = await run([ECS[0]!, ECS[1]!], 'echo ok', { Name: 'probe' });
    await advance(emu, 2_000);
    const body = await call(client(emu, 'ecs'), 'DescribeInvocations', { RegionId: REGION, InvokeId: invokeId, IncludeOutput: true, ContentEncoding: 'PlainText' });
    const inv = body.Invocations.Invocation[0] as Body;
    assert.equal(inv.InvocationStatus, 'Success');
    assert.equal(inv.CommandName, 'probe');
    assert.equal(Buffer.from(inv.CommandContent as string, 'base64').toString(), 'echo ok');
    const outputs = (inv.InvokeInstances.InvokeInstance as Body[]).map((i) => i.Output);
    assert.deepEqual(outputs, ['ok\n', 'ok\n']);
  });

  test('wrong parameters answer with their codes', async () => {
    const ecs = client(emu, 'ecs');
    assert.equal((await callFails(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: 'true' })).code, 'MissingParameter');
    assert.equal((await callFails(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', InstanceId: [ECS[0]] })).code, 'MissingCommandContent');
    assert.equal((await callFails(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunPerlScript', CommandContent: 'true', InstanceId: [ECS[0]] })).code, 'InvalidParameter');
    assert.equal((await callFails(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: 'true', InstanceId: ['i-nothere'] })).code, 'InvalidInstance.NotFound');
    assert.equal((await callFails(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: 'true', InstanceId: [ECS[0]], DryRun: true })).code, 'DryRunOperation');
  });
});

describe('agents', () => {
  test('an offline agent reports false and its result is Aborted; an old agent refuses RunCommand with ClientNeedUpgrade', async () => {
    // Prepare
    const topology = readTopologyFile('ch2-link-performance');
    topology.ecsInstances![0]!.cloudAssistant = false;
    topology.ecsInstances![1]!.cloudAssistantVersion = '1.0.0.149';
    const other = await startEmulator({ topology });
    try {
      const ecs = client(other, 'ecs');
      // Act
      const status = await call(ecs, 'DescribeCloudAssistantStatus', { RegionId: REGION, InstanceId: [ECS[0]] });
      const upgrade = await callFails(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: 'true', InstanceId: [ECS[1]] });
      const offline = await call(ecs, 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: 'true', InstanceId: [ECS[0]] });
      await advance(other, 61_000);
      const res = await call(ecs, 'DescribeInvocationResults', { RegionId: REGION, InvokeId: offline.InvokeId });
      // Assess
      assert.equal(status.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0].CloudAssistantStatus, 'false');
      assert.equal(upgrade.code, 'ClientNeedUpgrade');
      const r = res.Invocation.InvocationResults.InvocationResult[0] as Body;
      assert.equal(r.InvocationStatus, 'Aborted');
      assert.equal(r.ErrorCode, 'ClientNotRunning');
    } finally {
      await other.close();
    }
  });
});
