/**
 * `ping` through Cloud Assistant (RunCommand over pop-core) on the seed's chapter 2 topology:
 * iputils' output shape, replies decided by the data plane in both directions, requests spaced
 * on the emulator clock (a series that spans a failed line shows the loss), local "Destination
 * Host Unreachable", exit codes, ping inside a longer script, and usage errors.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { parsePingSummary } from '../../src/cloud/reachability.ts';
import { advance, call, client, control, type Body } from './emulator-helpers.ts';

const REGION = 'cn-hangzhou';
const ECS_1 = 'i-bp1perf00000000000002';
const DEVICE = 'mi-bp1perfdevice000000001';
const DEVICE_IP = '192.168.100.1';
const PCONN = 'pc-bp1perfline0000000001';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ topology: 'ch2-link-performance' });
});
after(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

async function run(instance: string, script: string): Promise<string> {
  const body = await call(client(emu, 'ecs'), 'RunCommand', { RegionId: REGION, Type: 'RunShellScript', CommandContent: script, InstanceId: [instance], Timeout: 120 });
  return body.InvokeId as string;
}

async function result(invokeId: string): Promise<Body> {
  const body = await call(client(emu, 'ecs'), 'DescribeInvocationResults', { RegionId: REGION, InvokeId: invokeId, ContentEncoding: 'PlainText' });
  return body.Invocation.InvocationResults.InvocationResult[0] as Body;
}

const REPLY = /^64 bytes from 192\.168\.100\.1: icmp_seq=(\d+) ttl=\d+ time=\d+\.\d+ ms$/;

describe('ping through RunCommand', () => {
  test('a reachable host answers every request, printed as iputils prints it; exit 0', async () => {
    // Act
    const id = await run(ECS_1, `ping -c 3 ${DEVICE_IP}`);
    await advance(emu, 5_000);
    const r = await result(id);
    // Assess
    assert.equal(r.InvocationStatus, 'Success');
    assert.equal(r.ExitCode, 0);
    const lines = (r.Output as string).split('\n');
    assert.equal(lines[0], `PING ${DEVICE_IP} (${DEVICE_IP}) 56(84) bytes of data.`);
    assert.deepEqual(lines.slice(1, 4).map((l) => REPLY.exec(l)?.[1]), ['1', '2', '3']);
    assert.equal(lines[4], '');
    assert.equal(lines[5], `--- ${DEVICE_IP} ping statistics ---`);
    assert.match(lines[6]!, /^3 packets transmitted, 3 received, 0% packet loss, time 200\dms$/);
    assert.match(lines[7]!, /^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/);
    assert.equal(lines[8], '');
    assert.equal(lines.length, 9, 'the output ends with one newline');
    const s = parsePingSummary(r.Output as string);
    assert.ok(s && s.rttMinMs! > 0.5 && s.rttMaxMs! < 5, `a metro Express Connect round trip, got ${JSON.stringify(s)}`);
  });

  test('requests are spaced on the emulator clock: a series across a line failure loses the requests sent while it was down', async () => {
    // Prepare
    const id = await run(ECS_1, `ping -c 10 -i 1 -W 1 ${DEVICE_IP}`);
    // Act: delivery 0.5 s; requests at 0.5, 1.5, ... 9.5 s; the line is down from 3.8 s to 7.8 s.
    await advance(emu, 3_800);
    await control(emu, 'POST', `physical-connections/${PCONN}/down`);
    await advance(emu, 4_000);
    await control(emu, 'POST', `physical-connections/${PCONN}/up`);
    await advance(emu, 10_000);
    const r = await result(id);
    // Assess
    const seqs = (r.Output as string)
      .split('\n')
      .map((l) => REPLY.exec(l)?.[1])
      .filter((x) => x !== undefined)
      .map(Number);
    assert.deepEqual(seqs, [1, 2, 3, 4, 9, 10], 'requests 5-8 (4.5-7.5 s) met the failed line');
    assert.match(r.Output as string, /10 packets transmitted, 6 received, 40% packet loss, time 900\dms/);
    assert.equal(r.ExitCode, 0, 'some replies came back');
  });

  test('a line that is down answers nothing: 100% loss, no rtt line, exit 1', async () => {
    // Prepare
    await control(emu, 'POST', `physical-connections/${PCONN}/down`);
    // Act
    const id = await run(ECS_1, `ping -c 2 -W 1 ${DEVICE_IP}`);
    await advance(emu, 1_000);
    const running = await result(id);
    await advance(emu, 2_000);
    const r = await result(id);
    // Assess
    assert.equal(running.InvocationStatus, 'Running', 'ping waits -W seconds for the last reply');
    assert.equal(r.InvocationStatus, 'Failed');
    assert.equal(r.ExitCode, 1);
    assert.equal(
      r.Output,
      `PING ${DEVICE_IP} (${DEVICE_IP}) 56(84) bytes of data.\n\n--- ${DEVICE_IP} ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss, time 1000ms\n\n`,
    );
  });

  test('the reverse direction counts too: the data center without a route back loses every reply', async () => {
    // Prepare: the chapter 2 data center reaches the VPC through its static route only.
    const state = await control(emu, 'POST', 'snapshot');
    const snap = state.body;
    snap.dataCenters[0].routes = [];
    await control(emu, 'PUT', 'snapshot', snap);
    // Act
    const id = await run(ECS_1, `ping -c 2 -W 1 ${DEVICE_IP}`);
    await advance(emu, 5_000);
    // Assess
    assert.match((await result(id)).Output as string, /2 packets transmitted, 0 received, 100% packet loss/);
  });

  test('an unused address on the own vSwitch fails locally: Destination Host Unreachable with errors counted', async () => {
    const id = await run(ECS_1, 'ping -c 3 172.16.0.200');
    await advance(emu, 5_000);
    const r = await result(id);
    assert.equal(r.ExitCode, 1);
    assert.deepEqual((r.Output as string).split('\n').filter((l) => l.startsWith('From')), [
      'From 172.16.0.2 icmp_seq=1 Destination Host Unreachable',
      'From 172.16.0.2 icmp_seq=2 Destination Host Unreachable',
      'From 172.16.0.2 icmp_seq=3 Destination Host Unreachable',
    ]);
    assert.match(r.Output as string, /3 packets transmitted, 0 received, \+3 errors, 100% packet loss, time 2000ms\n\n$/);
  });

  test('ping inside a script with other lines, from the data-center device (a managed instance) to an ECS instance', async () => {
    const id = await run(DEVICE, 'echo begin\nping -q -c 2 172.16.0.4 && echo reachable || echo unreachable\nping -q -c 1 -W 1 10.9.9.9 || echo "no reply"\necho end');
    await advance(emu, 5_000);
    const r = await result(id);
    assert.equal(r.InvocationStatus, 'Success');
    const out = r.Output as string;
    assert.match(out, /^begin\nPING 172\.16\.0\.4 \(172\.16\.0\.4\) 56\(84\) bytes of data\.\n\n--- 172\.16\.0\.4 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time 100\dms\nrtt min/);
    assert.match(out, /\nreachable\nPING 10\.9\.9\.9/);
    assert.match(out, /1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\nno reply\nend\n$/);
  });

  test('option clusters, -w deadline and -s size follow iputils', async () => {
    const id = await run(ECS_1, `ping -qc5 -i 0.5 -s 1000 -w 1 ${DEVICE_IP}`);
    await advance(emu, 5_000);
    const r = await result(id);
    assert.match(r.Output as string, /^PING 192\.168\.100\.1 \(192\.168\.100\.1\) 1000\(1028\) bytes of data\.\n/);
    assert.match(r.Output as string, /^2 packets transmitted, 2 received, 0% packet loss, time 1000ms$/m);
    assert.equal(r.ExitCode, 1, 'fewer than -c replies before the -w deadline');
  });

  test('a wrong command line answers iputils usage errors with exit 2', async () => {
    const cases = [
      { case: 'no destination', script: 'ping -c 1', output: 'ping: usage error: Destination address required\n' },
      { case: 'a count that is not a number', script: 'ping -c x 10.0.0.1', output: "ping: invalid argument: 'x'\n" },
      { case: 'a zero count', script: 'ping -c 0 10.0.0.1', output: "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n" },
      { case: 'a name (no DNS in the emulator)', script: 'ping -c 1 idc-device', output: 'ping: idc-device: Name or service not known\n' },
    ];
    const ids = [];
    for (const c of cases) ids.push(await run(ECS_1, c.script));
    await advance(emu, 1_000);
    for (const [i, c] of cases.entries()) {
      const r = await result(ids[i]!);
      assert.deepEqual([r.ExitCode, r.Output], [2, c.output], c.case);
    }
  });
});
