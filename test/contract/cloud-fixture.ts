/**
 * Fixture for the cloud-client contract tests: an emulator on a virtual clock and
 * `CloudClients` pointed at it, with every call recorded. Tests reach the emulator only through
 * the clients (pop-core) and, for faults and physical-connection failures, its control API.
 */
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { VirtualClock } from '../../src/emulator/clock.ts';
import { createCloudClients, isCloudApiError, type CloudApiError, type CloudClients } from '../../src/cloud/index.ts';
import type { CloudCallRecord } from '../../src/engine/types.ts';

/** A running emulator with clients bound to it. */
export interface CloudFixture {
  emu: RunningEmulator;
  /** Clients for the topology's first region, recording into `calls`. */
  cloud: CloudClients;
  calls: CloudCallRecord[];
  /** Moves the emulator's virtual clock forward, running every due transition. */
  advance(ms: number): void;
  /** Calls the emulator control API. */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** Starts a shipped topology on port 0 with a virtual clock. */
export async function startCloudFixture(topology: string, regionId: string): Promise<CloudFixture> {
  const emu = await startEmulator({ port: 0, topology, clock: 'virtual' });
  const [cred] = emu.credentials;
  assert.ok(cred);
  const base = createCloudClients({
    regionId,
    endpoint: emu.endpoint,
    credentials: { accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret },
  });
  const calls: CloudCallRecord[] = [];
  const cloud = base.withObserver({ onCloudCall: (c) => calls.push(c) });
  const clock = emu.clock;
  assert.ok(clock instanceof VirtualClock, 'the contract tests need a virtual clock');
  return {
    emu,
    cloud,
    calls,
    advance: (ms) => clock.advance(ms),
    async control(method, path, body) {
      const res = await fetch(`${emu.endpoint}/_emulator/${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    },
    async close() {
      base.close();
      await emu.close();
    },
  };
}

/** Runs `fn`, which must fail with a cloud API error, and returns that error. */
export async function cloudError(fn: () => Promise<unknown>): Promise<CloudApiError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isCloudApiError(err), `expected a CloudApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}
