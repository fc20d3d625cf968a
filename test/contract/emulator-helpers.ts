/**
 * Helpers for the emulator's contract and scenario tests: pop-core clients per product, the
 * control API over HTTP, and error capture. Tests talk to the emulator only through these.
 */
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import type { RunningEmulator } from '../../src/emulator/index.ts';

/** API versions by product. */
export const VERSIONS = { vpc: '2016-04-28', cbn: '2017-09-12', ecs: '2014-05-26' } as const;

/** A pop-core client of one product against the emulator. */
export function client(emu: RunningEmulator, product: keyof typeof VERSIONS, over: { accessKeyId?: string; accessKeySecret?: string; apiVersion?: string } = {}): RPCClient {
  const cred = emu.credentials[0]!;
  return new RPCClient({
    endpoint: emu.endpoint,
    apiVersion: over.apiVersion ?? VERSIONS[product],
    accessKeyId: over.accessKeyId ?? cred.accessKeyId,
    accessKeySecret: over.accessKeySecret ?? cred.accessKeySecret,
  });
}

/** The JSON body of a call (typed loosely: tests read wire field names). */
export type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Calls an action; POST unless told otherwise. */
export async function call(c: RPCClient, action: string, params: Record<string, unknown> = {}, method: 'GET' | 'POST' = 'POST'): Promise<Body> {
  return c.request<Body>(action, params, { method, timeout: 10_000 });
}

/** What pop-core throws for an error body. */
export interface PopError {
  code: string;
  data: Body;
  message: string;
}

/** Calls an action that must fail; returns the pop-core error. */
export async function callFails(c: RPCClient, action: string, params: Record<string, unknown> = {}, method: 'GET' | 'POST' = 'POST'): Promise<PopError> {
  try {
    const body = await c.request<Body>(action, params, { method, timeout: 10_000 });
    assert.fail(`${action} succeeded but was expected to fail: ${JSON.stringify(body).slice(0, 300)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    const e = err as { code?: unknown; data?: unknown; message?: unknown };
    assert.equal(typeof e.code, 'string', `not a pop-core API error: ${String(err)}`);
    return { code: e.code as string, data: e.data as Body, message: String(e.message) };
  }
}

/** A control API call; returns status and JSON body. */
export async function control(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${emu.endpoint}/_emulator/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** Advances the virtual clock through the control API. */
export async function advance(emu: RunningEmulator, ms: number): Promise<void> {
  const r = await control(emu, 'POST', 'clock/advance', { ms });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}
