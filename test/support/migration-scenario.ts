/**
 * Helpers of the migration scenario and fault tests: state dumps through the emulator's control
 * API with volatile fields removed, probes on flows, and the route rows of the live state.
 */
import type { World } from '../../src/twin/world.ts';
import type { CloudCallRecord, JsonObject } from '../../src/engine/types.ts';
import { readMigrationFacts } from '../../workflows/migration/read-state.ts';
import { parseMigrationParams } from '../../workflows/migration/params.ts';
import { routeRowsOf } from '../../workflows/migration/planner.ts';
import type { MigrationKind, RouteRow } from '../../workflows/migration/types.ts';

// Fields that change on every call or re-creation without changing the network: ids and times
// of re-created entries, RequestIds, ClientTokens, health-check counters, timers.
const VOLATILE = /^(routeEntryId|requestId|clientTokens|pendingTransitions|takenAt|idCounter|routerInterfaceHealth|health|activatesAt|creationTime|createdAt|updatedAt|gmtCreate|gmtModified|attachTime|childInstanceAttachTime|lastChangedAt|since|publishedAt)$/i;

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!VOLATILE.test(k)) out[k] = normalize((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** The full model state from `GET /_emulator/state`, volatile fields removed, arrays sorted. */
export async function stateDump(world: World): Promise<unknown> {
  const res = await fetch(`${world.emulator.endpoint}/_emulator/state`);
  const body = (await res.json()) as { model: JsonObject };
  return normalize(body.model);
}

/** Starts probing flows every `intervalMs` of virtual time (control API). */
export async function startProbes(world: World, flows: { name: string; source: string; destinationIp: string }[], intervalMs = 100): Promise<void> {
  await fetch(`${world.emulator.endpoint}/_emulator/probes`, { method: 'DELETE' });
  const res = await fetch(`${world.emulator.endpoint}/_emulator/probes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ flows: flows.map((f) => ({ id: f.name, source: f.source, destinationIp: f.destinationIp })), intervalMs }),
  });
  if (!res.ok) throw new Error(`probes: ${res.status} ${await res.text()}`);
}

/** Probe summary per flow (sent, lost, blackoutMs). */
export async function probeSummary(world: World): Promise<{ flow: string; sent: number; lost: number; blackoutMs: number }[]> {
  const res = await fetch(`${world.emulator.endpoint}/_emulator/probes`);
  const body = (await res.json()) as { summary: { flow: string; sent: number; lost: number; blackoutMs: number }[] };
  await fetch(`${world.emulator.endpoint}/_emulator/probes`, { method: 'DELETE' });
  return body.summary;
}

/** Route rows of the live tables, as the planner builds its "before"/"after". */
export async function liveRows(world: World, kind: MigrationKind, params: JsonObject): Promise<RouteRow[]> {
  return routeRowsOf(await readMigrationFacts(world.cloud, kind, parseMigrationParams(kind, params)));
}

const WRITE = /^(Create|Delete|Modify|Attach|Detach|Publish|Withdraw|Add|Enable|Disable)/;

/** Write calls (action) of a call list. */
export const writesOf = (calls: CloudCallRecord[]): CloudCallRecord[] => calls.filter((c) => WRITE.test(c.action) && !c.errorCode);

/** Write actions the emulator received (all clients), for "nothing changed" checks. */
export async function emulatorWrites(world: World): Promise<string[]> {
  const res = await fetch(`${world.emulator.endpoint}/_emulator/calls`);
  const body = (await res.json()) as { calls: { action?: string; code?: string }[] };
  return body.calls.filter((c) => c.action && WRITE.test(c.action) && !c.code).map((c) => c.action as string);
}

/** Changes emulator lifecycle delays through the control API. */
export async function setTimings(world: World, timings: Record<string, number>): Promise<void> {
  const res = await fetch(`${world.emulator.endpoint}/_emulator/timings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(timings) });
  if (!res.ok) throw new Error(`timings: ${res.status} ${await res.text()}`);
}
