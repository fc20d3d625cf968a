import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { echoTiming, formatG, formatTripTime, parsePing, pingExitCode, pingStatistics, type PingCommand } from '../../src/emulator/ecs/ping.ts';
import type { Hop } from '../../src/emulator/dataplane.ts';

describe('ping output formats (iputils)', () => {
  const trip = [
    { case: 'under 1 ms: three decimals', us: 512, text: '0.512' },
    { case: 'under 1 ms, small', us: 45, text: '0.045' },
    { case: '1-10 ms: two decimals', us: 1234, text: '1.23' },
    { case: '10-100 ms: one decimal', us: 12_345, text: '12.3' },
    { case: 'from 99.95 ms: no decimals', us: 123_456, text: '123' },
  ];
  for (const c of trip) test(`reply time ${c.case}`, () => assert.equal(formatTripTime(c.us), c.text));

  const loss = [
    { case: 'none', x: 0, text: '0' },
    { case: 'a fifth', x: 20, text: '20' },
    { case: 'two thirds (six significant digits)', x: 200 / 3, text: '66.6667' },
    { case: 'all', x: 100, text: '100' },
  ];
  for (const c of loss) test(`loss percentage ${c.case}`, () => assert.equal(formatG(c.x), c.text));

  test('the statistics block: rtt line in microseconds truncated to three decimals', () => {
    const cmd = parsePing(['-c', '2', '10.0.0.1']) as PingCommand;
    const text = pingStatistics(cmd, { transmitted: 2, received: 2, errors: 0, rttsUs: [400, 600], elapsedMs: 1000.6 });
    assert.equal(text, '\n--- 10.0.0.1 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time 1001ms\nrtt min/avg/max/mdev = 0.400/0.500/0.600/0.100 ms\n');
  });

  test('exit code: 0 with any reply, 1 with none, 1 when a -w deadline cut -c short', () => {
    const plain = parsePing(['-c', '3', '10.0.0.1']) as PingCommand;
    const deadline = parsePing(['-c', '3', '-w', '2', '10.0.0.1']) as PingCommand;
    const t = (received: number) => ({ transmitted: 3, received, errors: 0, rttsUs: [], elapsedMs: 0 });
    assert.deepEqual([pingExitCode(plain, t(1)), pingExitCode(plain, t(0)), pingExitCode(deadline, t(2)), pingExitCode(deadline, t(3))], [0, 1, 1, 0]);
  });
});

describe('ping command line', () => {
  const ok = [
    { case: 'defaults', argv: ['10.0.0.1'], want: { count: undefined, intervalSeconds: 1, timeoutSeconds: 10, packetSize: 56, quiet: false } },
    { case: 'options after the host', argv: ['10.0.0.1', '-c', '4', '-W', '1'], want: { count: 4, intervalSeconds: 1, timeoutSeconds: 1, packetSize: 56, quiet: false } },
    { case: 'a cluster with an attached value', argv: ['-qc4', '-i0.2', '10.0.0.1'], want: { count: 4, intervalSeconds: 0.2, timeoutSeconds: 10, packetSize: 56, quiet: true } },
  ];
  for (const c of ok) {
    test(`reads ${c.case}`, () => {
      const p = parsePing(c.argv);
      assert.equal(p.tool, 'ping');
      const { count, intervalSeconds, timeoutSeconds, packetSize, quiet } = p as PingCommand;
      assert.deepEqual({ count, intervalSeconds, timeoutSeconds, packetSize, quiet }, c.want);
    });
  }
  test('an unknown option is a usage error', () => {
    const p = parsePing(['-X', '10.0.0.1']);
    assert.equal(p.tool, 'usage-error');
    assert.match((p as { message: string }).message, /^ping: invalid option -- 'X'\n/);
  });
});

describe('round trip of a path', () => {
  const hop = (direction: Hop['direction'], node: Hop['node'], id: string, regionId?: string): Hop => ({ direction, node, id, ...(regionId ? { regionId } : {}) });
  test('a region change costs far more than a physical connection; VBR and data-center routers lower the TTL', () => {
    const metro = [hop('forward', 'vpc', 'v', 'cn-hangzhou'), hop('forward', 'vbr', 'b', 'cn-hangzhou'), hop('forward', 'physical-connection', 'pc'), hop('forward', 'device', '192.168.100.1'), hop('return', 'data-center', 'dc'), hop('return', 'physical-connection', 'pc'), hop('return', 'vbr', 'b', 'cn-hangzhou'), hop('return', 'vpc', 'v', 'cn-hangzhou')];
    const crossRegion = [hop('forward', 'vpc', 'a', 'cn-shanghai'), hop('forward', 'vpc', 'b', 'cn-qingdao'), hop('forward', 'ecs', 'i-1'), hop('return', 'vpc', 'b', 'cn-qingdao'), hop('return', 'vpc', 'a', 'cn-shanghai')];
    const m = echoTiming(metro, 1, 'x');
    const x = echoTiming(crossRegion, 1, 'x');
    assert.ok(m.rttUs > 900 && m.rttUs < 1500, String(m.rttUs));
    assert.ok(x.rttUs > 18_000, String(x.rttUs));
    assert.deepEqual([m.ttl, x.ttl], [62, 64]);
    assert.equal(echoTiming(metro, 1, 'x').rttUs, m.rttUs, 'deterministic');
  });
});
