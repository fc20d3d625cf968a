/**
 * The FC-backed StepScheduler, through the real `@alicloud/fc2` client, against the local FC
 * stand-in on a virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import FC from '@alicloud/fc2';
import { classifyFcError, createFcClient, createFcStepScheduler } from '../../src/engine/fc-scheduler.ts';
import { ManualClock, startLocalFc, type LocalFc, type LocalFcOptions } from '../../src/local/fc/index.ts';
import { CloudPermanentError, CloudTransientError } from '../../src/errors.ts';
import { journal, resetJournal } from '../support/fc-functions/journal.ts';

const fnDir = join(dirname(fileURLToPath(import.meta.url)), '../support/fc-functions');
const ACCOUNT = '1234567890123456';

async function withRunner(opts: Partial<LocalFcOptions>, body: (fc: LocalFc, client: FC) => Promise<void>): Promise<void> {
  resetJournal();
  const fc = await startLocalFc({
    log: () => undefined,
    accessKeyId: 'k',
    accessKeySecret: 's',
    functions: [{ name: 'runner', module: join(fnDir, 'tick.ts'), kind: 'event' }],
    ...opts,
  });
  try {
    const client = createFcClient({ accountId: ACCOUNT, region: 'cn-hangzhou', credentials: { accessKeyId: 'k', accessKeySecret: 's' }, endpoint: fc.endpoint });
    await body(fc, client);
  } finally {
    await fc.close();
  }
}

test('schedule with no delay async-invokes the runner with {executionId, seq}', async () => {
  await withRunner({}, async (fc, client) => {
    // Act
    await createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'runner' }).schedule({ executionId: 'ex-1', seq: 3 }, { delayMs: 0 });
    await fc.drain();
    // Assess
    assert.deepEqual(journal.map((j) => JSON.parse(j.event) as unknown), [{ executionId: 'ex-1', seq: 3 }]);
  });
});

test('a delay is sent as x-fc-async-delay rounded up to whole seconds, never early', async () => {
  const clock = new ManualClock();
  await withRunner({ clock }, async (fc, client) => {
    await createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'runner' }).schedule({ executionId: 'ex-2', seq: 1 }, { delayMs: 1500 });
    await clock.advanceAsync(1999);
    await fc.idle();
    const early = journal.length;
    await clock.advanceAsync(1);
    await fc.drain();
    assert.equal(early, 0);
    assert.equal(journal.length, 1);
  });
});

test('delays beyond 3600 s send nothing: the sweep timer resumes those executions', async () => {
  await withRunner({}, async (fc, client) => {
    await createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'runner' }).schedule({ executionId: 'ex-3', seq: 9 }, { delayMs: 3_601_000 });
    assert.equal(fc.pendingCount(), 0);
    assert.equal(fc.invokeCount('runner'), 0);
  });
});

test('delivery is at least once: an injected duplicate reaches the runner twice', async () => {
  await withRunner({ faults: { duplicateRate: 1 } }, async (fc, client) => {
    await createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'runner' }).schedule({ executionId: 'ex-4', seq: 2 }, { delayMs: 0 });
    await fc.drain();
    assert.equal(journal.length, 2);
  });
});

test('an unknown runner function is a permanent error carrying the FC error code', async () => {
  await withRunner({}, async (_fc, client) => {
    await assert.rejects(
      createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'missing' }).schedule({ executionId: 'ex-5', seq: 1 }, { delayMs: 0 }),
      (err: unknown) => err instanceof CloudPermanentError && err.code === 'FunctionNotFound' && typeof err.requestId === 'string',
    );
  });
});

test('an unreachable FC endpoint is a transient error', async () => {
  // Prepare: a port that was just released
  let endpoint = '';
  await withRunner({}, async (fc) => {
    endpoint = fc.endpoint;
  });
  const client = createFcClient({ accountId: ACCOUNT, region: 'cn-hangzhou', credentials: { accessKeyId: 'k', accessKeySecret: 's' }, endpoint });
  await assert.rejects(
    createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'runner' }).schedule({ executionId: 'ex-6', seq: 1 }, { delayMs: 0 }),
    (err: unknown) => err instanceof CloudTransientError,
  );
});

test('fc2 errors are classified by code and status', () => {
  const mk = (message: string, code?: string): Error => Object.assign(new Error(message), code ? { code } : {});
  const cases = [
    { case: 'throttled', err: mk('POST /x failed with 429. requestid: r1, message: m.', 'ResourceThrottled'), transient: true },
    { case: '5xx', err: mk('POST /x failed with 503. requestid: r2, message: m.', 'ServiceUnavailable'), transient: true },
    { case: 'bad argument', err: mk('POST /x failed with 400. requestid: r3, message: m.', 'InvalidArgument'), transient: false },
    { case: 'network', err: mk('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), transient: true },
  ];
  for (const c of cases) {
    const out = classifyFcError(c.err, 'invoke');
    assert.equal(out instanceof CloudTransientError, c.transient, c.case);
  }
  assert.equal(classifyFcError(cases[0]?.err, 'invoke').requestId, 'r1');
});
