/**
 * The HTTP API on 127.0.0.1:0 over the engine's test harness (SQLite in memory, virtual clock,
 * in-process scheduler), with a token per role, a test planner, a CIDR-checking procedure, and a
 * small HTTP client. Shared by the API, CLI and events contract tests.
 */
import assert from 'node:assert/strict';
import { createApp, type AccessLogEntry, type App } from '../../src/api/app.ts';
import { PlannerRegistry } from '../../src/api/planners.ts';
import { resolveRefs, COMPONENT_SCHEMAS } from '../../src/api/schemas.ts';
import { serveApp, type ServedApp } from '../../src/api/serve.ts';
import { TokenService, type CreatedToken } from '../../src/api/tokens.ts';
import { schemaIssues } from '../../src/engine/schema.ts';
import type { Json, JsonObject, ProcedureDefinition, Role } from '../../src/engine/types.ts';
import { parseCidr } from '../../src/net/index.ts';
import { createHarness, createTestProcedure, type Harness, type HarnessOptions, type TestDeps } from './test-machines.ts';

/** A procedure whose params carry a CIDR and a VBR id, checked by its own `validate` (like the real ones). */
export function createCidrProcedure(): ProcedureDefinition<TestDeps> {
  const base = createTestProcedure({ id: 'test-cidr', locks: false });
  return {
    ...base,
    title: 'Test procedure with a CIDR parameter',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['items', 'settleMs', 'failVerify', 'routeTable', 'cidr', 'vbrId'],
      properties: {
        ...(base.paramsSchema.properties as JsonObject),
        cidr: { type: 'string' },
        vbrId: { type: 'string', pattern: '^vbr-[a-z0-9]+$' },
      },
    },
    validate: async (params) => {
      parseCidr(String(params.cidr), 'params.cidr');
    },
  };
}

/** An answer as the tests see it. */
export interface Answer {
  status: number;
  headers: Headers;
  body: JsonObject;
  text: string;
}

/** Options of a call. */
export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (already serialized). */
  raw?: string;
  headers?: Record<string, string>;
}

/** A running API for tests. */
export interface ApiHarness extends Harness {
  app: App;
  served: ServedApp;
  url: string;
  tokens: Record<'admin' | 'alice' | 'bob' | 'carol' | 'victor' | 'olga', CreatedToken>;
  tokenService: TokenService;
  planners: PlannerRegistry<TestDeps>;
  logs: AccessLogEntry[];
  call(method: string, path: string, opts?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

/** Starts the API over a fresh harness. alice: operator; bob, carol: approver; victor: viewer; olga: operator+approver; admin. */
export async function startApiHarness(opts: HarnessOptions = {}): Promise<ApiHarness> {
  const h = createHarness({ procedures: [createTestProcedure(), createCidrProcedure()], ...opts });
  const planners = new PlannerRegistry<TestDeps>();
  planners.register('test-ledger', async ({ params, deps }) => {
    // Read-only: looks at nothing but reports one read, as a planner reading cloud state would.
    deps.cloud.onCloudCall({ product: 'Test', action: 'DescribeLedger', requestId: 'req-plan-1', durationMs: 0 });
    const items = (params.items as string[]) ?? [];
    return { calls: items.map((i) => ({ action: 'Write', item: i })), lockedResources: [`route-table:${String(params.routeTable)}`] };
  });
  const logs: AccessLogEntry[] = [];
  const app = createApp<TestDeps>({
    engine: h.engine,
    store: h.store,
    planners,
    deps: (observer) => ({ ledger: h.ledger, faults: {}, cloud: observer }),
    clock: h.clock,
    log: (e) => logs.push(e),
  });
  const served = await serveApp(app);
  const tokenService = new TokenService(h.store, () => h.clock.now());
  const make = (principal: string, roles: Role[]): Promise<CreatedToken> => tokenService.create({ principal, roles, createdBy: 'test' });
  const tokens = {
    admin: await make('root', ['admin']),
    alice: await make('alice', ['operator']),
    bob: await make('bob', ['approver']),
    carol: await make('carol', ['approver']),
    victor: await make('victor', ['viewer']),
    olga: await make('olga', ['operator', 'approver']),
  };
  async function call(method: string, path: string, o: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token !== null && o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${served.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: JsonObject = {};
    try {
      parsed = text ? (JSON.parse(text) as JsonObject) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
  return {
    ...h,
    app,
    served,
    url: served.url,
    tokens,
    tokenService,
    planners,
    logs,
    call,
    async close() {
      await served.close();
      await h.close();
    },
  };
}

/** Asserts that a body matches a component schema of the OpenAPI document. */
export function assertShape(name: string, body: unknown): void {
  const schema = resolveRefs({ $ref: `#/components/schemas/${name}` });
  const issues = schemaIssues(schema, body as Json, name);
  assert.deepEqual(issues, [], `${name} answer does not match its schema`);
  assert.ok(COMPONENT_SCHEMAS[name]);
}

/** Asserts an error answer: status, code, and (when given) the field. */
export function assertError(answer: Answer, status: number, code: string, field?: string): void {
  assert.equal(answer.status, status, `expected ${status} ${code}, got ${answer.status} ${answer.text}`);
  const err = answer.body.error as JsonObject | undefined;
  assert.ok(err, `no error body: ${answer.text}`);
  assert.equal(err.code, code, answer.text);
  if (field !== undefined) assert.equal(err.field, field, answer.text);
  assertShape('Error', answer.body);
}
