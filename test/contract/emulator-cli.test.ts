/**
 * `xcflow emulator` as a function: prints the endpoint and credentials, serves pop-core until
 * stopped, and answers usage mistakes with exit code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emulatorCommand } from '../../src/cli/emulator.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { call, client } from './emulator-helpers.ts';

function capture(): { io: { stdout: (s: string) => void; stderr: (s: string) => void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (s) => (out += s), stderr: (s) => (err += s) }, out: () => out, err: () => err };
}

test('xcflow emulator prints endpoint and credentials, serves signed calls, and exits 0 when stopped', async () => {
  // Prepare
  const c = capture();
  const stop = new AbortController();
  let ready: RunningEmulator | undefined;
  // Act
  const done = emulatorCommand(['--port', '0', '--clock', 'virtual', '--topology', 'ch1-cloud-service-access'], {
    ...c.io,
    signal: stop.signal,
    onReady: (e) => (ready = e),
  });
  while (!ready) await new Promise((r) => setTimeout(r, 10));
  const vpcs = await call(client(ready, 'vpc'), 'DescribeVpcs', { RegionId: ready.model.regions()[0]!.regionId });
  stop.abort();
  const rc = await done;
  // Assess
  assert.equal(rc, 0);
  assert.ok((vpcs.Vpcs.Vpc as unknown[]).length > 0);
  assert.match(c.out(), new RegExp(`listening on ${ready.endpoint.replace(/[.]/g, '\\.')}`));
  assert.match(c.out(), /AccessKeyId\s+LTAI-xcflow-local/);
  assert.match(c.out(), /AccessKeySecret\s+xcflow-local-secret/);
});

test('xcflow emulator --help prints the usage and exits 0', async () => {
  const c = capture();
  assert.equal(await emulatorCommand(['--help'], c.io), 0);
  assert.match(c.out(), /Usage: xcflow emulator/);
});

const mistakes = [
  { case: 'an unknown option', args: ['--colour'] },
  { case: 'a bad clock', args: ['--clock', 'sundial'] },
  { case: 'a bad port', args: ['--port', '99999'] },
  { case: 'a key id without its secret', args: ['--access-key-id', 'LTAI-x'] },
];
for (const m of mistakes) {
  test(`xcflow emulator with ${m.case} exits 2 and says why`, async () => {
    const c = capture();
    assert.equal(await emulatorCommand(m.args, c.io), 2);
    assert.match(c.err(), /xcflow emulator: /);
  });
}

test('xcflow emulator with an unreadable topology exits 1', async () => {
  const c = capture();
  assert.equal(await emulatorCommand(['--port', '0', '--topology', '/nonexistent/topology.json'], c.io), 1);
  assert.match(c.err(), /cannot start/);
});
