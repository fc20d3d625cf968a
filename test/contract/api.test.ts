/**
 * The HTTP API through real HTTP (node:http on 127.0.0.1:0): every endpoint, every refusal
 * (status code AND that nothing changed), the roles matrix, tokens stored only as hashes, and
 * answers matching the OpenAPI document.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHttpApiMarkdown } from '../../src/api/openapi.ts';
import { PERMISSION_ROLES, ROLES } from '../../src/api/roles.ts';
import { ROUTES } from '../../src/api/routes.ts';
import { hashToken } from '../../src/api/tokens.ts';
import { CloudPermanentError, CloudTransientError } from '../../src/errors.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { assertError, assertShape, startApiHarness, type ApiHarness } from '../support/api-harness.ts';
import { testParams } from '../support/test-machines.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

async function withApi(fn: (api: ApiHarness) => Promise<void>): Promise<void> {
  const api = await startApiHarness();
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

/** Executions in the store, by listing them directly (not through the API). */
async function storedExecutions(api: ApiHarness): Promise<number> {
  return (await api.store.listExecutions({}, { limit: 1000 })).items.length;
}

async function startOne(api: ApiHarness, params: JsonObject = testParams(), extra: JsonObject = {}): Promise<string> {
  const res = await api.call('POST', '/v1/executions', { token: api.tokens.alice.token, body: { procedureId: 'test-ledger', params, ...extra } });
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
}

describe('meta routes', () => {
  it('serves the OpenAPI document without a token, listing every route', async () => {
    await withApi(async (api) => {
      // Act
      const res = await api.call('GET', '/v1/openapi.json');
      // Assess
      assert.equal(res.status, 200);
      assert.equal(res.body.openapi, '3.1.0');
      const paths = res.body.paths as Record<string, Record<string, JsonObject>>;
      for (const r of ROUTES) {
        const op = paths[r.path]?.[r.method.toLowerCase()];
        assert.ok(op, `${r.method} ${r.path} missing`);
        assert.equal(op.operationId, r.operationId);
      }
      assert.ok(res.headers.get('x-request-id'));
    });
  });

  it('keeps docs/http-api.md rendered from the current route table', () => {
    // Prepare
    const onDisk = readFileSync(join(repoRoot, 'docs/http-api.md'), 'utf8');
    // Assess
    assert.equal(onDisk, renderHttpApiMarkdown(), 'docs/http-api.md is stale: node --import tsx src/api/render-docs.ts > docs/http-api.md');
  });

  it('answers the index and who a token belongs to', async () => {
    await withApi(async (api) => {
      // Act
      const index = await api.call('GET', '/');
      const me = await api.call('GET', '/v1/me', { token: api.tokens.olga.token });
      // Assess
      assert.equal(index.status, 200);
      assertShape('Index', index.body);
      assert.deepEqual(me.body, { id: 'olga', roles: ['operator', 'approver'] });
      assertShape('Principal', me.body);
    });
  });

  it('answers 404 for unknown routes and 405 with Allow for wrong methods', async () => {
    await withApi(async (api) => {
      // Act
      const unknown = await api.call('GET', '/v1/nothing', { token: api.tokens.admin.token });
      const wrong = await api.call('DELETE', '/v1/executions', { token: api.tokens.admin.token });
      // Assess
      assertError(unknown, 404, 'RouteNotFound');
      assertError(wrong, 405, 'MethodNotAllowed');
      assert.equal(wrong.headers.get('allow'), 'GET, POST');
    });
  });

  it('serves mounted static prefixes without a token and refuses mounts under /v1', async () => {
    await withApi(async (api) => {
      // Prepare
      api.app.mountStatic('/console', (_req, ctx) => new Response(`console:${ctx.path}`, { headers: { 'content-type': 'text/plain' } }));
      // Act
      const root = await api.call('GET', '/console');
      const deep = await api.call('GET', '/console/assets/app.js');
      const index = await api.call('GET', '/');
      // Assess
      assert.equal(root.text, 'console:/');
      assert.equal(deep.text, 'console:/assets/app.js');
      assert.deepEqual(index.body.mounts, ['/console']);
      assert.throws(() => api.app.mountStatic('/v1/x', () => new Response('')), /belong to the API/);
      assert.throws(() => api.app.mountStatic('/console', () => new Response('')), /already mounted/);
    });
  });
});

describe('authentication', () => {
  const cases = [
    { case: 'no Authorization header', header: undefined, code: 'MissingToken' },
    { case: 'not a bearer header', header: 'Basic YWxpY2U6cHc=', code: 'InvalidToken' },
    { case: 'malformed token', header: 'Bearer hello', code: 'InvalidToken' },
    { case: 'well-formed unknown token', header: `Bearer xcf_${'A'.repeat(43)}`, code: 'InvalidToken' },
  ];
  for (const c of cases) {
    it(`answers 401 ${c.code} for ${c.case}, and starts nothing`, async () => {
      await withApi(async (api) => {
        // Act
        const res = await api.call('POST', '/v1/executions', {
          token: null,
          headers: c.header ? { authorization: c.header } : {},
          body: { procedureId: 'test-ledger', params: testParams() },
        });
        // Assess
        assertError(res, 401, c.code);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        assert.equal(await storedExecutions(api), 0);
      });
    });
  }

  it('refuses an expired token with 401 TokenExpired', async () => {
    await withApi(async (api) => {
      // Prepare
      const created = await api.call('POST', '/v1/tokens', { token: api.tokens.admin.token, body: { principal: 'temp', roles: ['viewer'], expiresInSeconds: 60 } });
      const token = created.body.token as string;
      const before = await api.call('GET', '/v1/me', { token });
      // Act
      api.clock.advance(61_000);
      const after = await api.call('GET', '/v1/me', { token });
      // Assess
      assert.equal(before.status, 200);
      assertError(after, 401, 'TokenExpired');
    });
  });
});

describe('roles matrix', () => {
  // Every protected route with a request that, once authorized, is refused by validation or
  // lookup (400/404/409), so the matrix can be checked without changing anything.
  const probe: Record<string, { method: string; path: string; body?: unknown; allowedStatus: number[] }> = {
    getMe: { method: 'GET', path: '/v1/me', allowedStatus: [200] },
    listProcedures: { method: 'GET', path: '/v1/procedures', allowedStatus: [200] },
    getProcedure: { method: 'GET', path: '/v1/procedures/nope', allowedStatus: [404] },
    createPlan: { method: 'POST', path: '/v1/plans', body: { procedureId: 'test-ledger' }, allowedStatus: [400] },
    startExecution: { method: 'POST', path: '/v1/executions', body: { procedureId: 'test-ledger' }, allowedStatus: [400] },
    listExecutions: { method: 'GET', path: '/v1/executions', allowedStatus: [200] },
    getExecution: { method: 'GET', path: '/v1/executions/ex-00000000000000000000', allowedStatus: [404] },
    getJournal: { method: 'GET', path: '/v1/executions/ex-00000000000000000000/journal', allowedStatus: [404] },
    approveExecution: { method: 'POST', path: '/v1/executions/ex-00000000000000000000/approve', allowedStatus: [404] },
    rejectExecution: { method: 'POST', path: '/v1/executions/ex-00000000000000000000/reject', allowedStatus: [404] },
    cancelExecution: { method: 'POST', path: '/v1/executions/ex-00000000000000000000/cancel', allowedStatus: [404] },
    rollbackExecution: { method: 'POST', path: '/v1/executions/ex-00000000000000000000/rollback', allowedStatus: [404] },
    listAuditRuns: { method: 'GET', path: '/v1/audit/runs', allowedStatus: [200] },
    getLatestAuditRun: { method: 'GET', path: '/v1/audit/runs/latest', allowedStatus: [404] },
    getAuditRun: { method: 'GET', path: '/v1/audit/runs/run-000000000001', allowedStatus: [404] },
    diffAuditRuns: { method: 'GET', path: '/v1/audit/diff', allowedStatus: [400] },
    listAuditFindings: { method: 'GET', path: '/v1/audit/findings', allowedStatus: [200] },
    getAuditFinding: { method: 'GET', path: '/v1/audit/finding', allowedStatus: [400] },
    createToken: { method: 'POST', path: '/v1/tokens', body: { principal: 'x' }, allowedStatus: [400] },
    listTokens: { method: 'GET', path: '/v1/tokens', allowedStatus: [200] },
    revokeToken: { method: 'DELETE', path: '/v1/tokens/0000000000000000', allowedStatus: [404] },
  };

  it('lets each role reach exactly the routes its permissions allow, 403 RoleRequired elsewhere', async () => {
    await withApi(async (api) => {
      // Prepare
      const tokenOf = { viewer: api.tokens.victor.token, operator: api.tokens.alice.token, approver: api.tokens.bob.token, admin: api.tokens.admin.token };
      const tokensBefore = (await api.store.listTokens()).length;
      for (const route of ROUTES) {
        if (!route.permission) continue;
        const p = probe[route.operationId];
        assert.ok(p, `no probe for ${route.operationId}`);
        for (const role of ROLES) {
          // Act
          const res = await api.call(p.method, p.path, { token: tokenOf[role], ...(p.body !== undefined ? { body: p.body } : {}) });
          // Assess
          const allowed = PERMISSION_ROLES[route.permission].includes(role);
          if (allowed) assert.ok(p.allowedStatus.includes(res.status), `${role} ${route.operationId}: ${res.status} ${res.text}`);
          else assertError(res, 403, 'RoleRequired');
        }
      }
      // Assess: nothing was written
      assert.equal(await storedExecutions(api), 0);
      assert.equal((await api.store.listTokens()).length, tokensBefore);
    });
  });

  it('is the documented matrix: viewers read, operators start/plan/cancel/roll back, approvers decide, admins all', () => {
    // Assess: a literal copy, so a change to the matrix is a deliberate change to this test too
    assert.deepEqual(PERMISSION_ROLES, {
      read: ['viewer', 'operator', 'approver', 'admin'],
      plan: ['operator', 'admin'],
      start: ['operator', 'admin'],
      'start.noApproval': ['admin'],
      cancel: ['operator', 'admin'],
      rollback: ['operator', 'admin'],
      approve: ['approver', 'admin'],
      reject: ['approver', 'admin'],
      tokens: ['admin'],
    });
    assert.deepEqual(
      ROUTES.filter((r) => r.permission === null).map((r) => r.path),
      ['/', '/v1/openapi.json'],
    );
  });

  it('lets only admins start without the approval gate', async () => {
    await withApi(async (api) => {
      // Act
      const byOperator = await api.call('POST', '/v1/executions', {
        token: api.tokens.alice.token,
        body: { procedureId: 'test-ledger', params: testParams(), approvalRequired: false },
      });
      const countAfterRefusal = await storedExecutions(api);
      const byAdmin = await api.call('POST', '/v1/executions', {
        token: api.tokens.admin.token,
        body: { procedureId: 'test-ledger', params: testParams(), approvalRequired: false },
      });
      // Assess
      assertError(byOperator, 403, 'RoleRequired', 'approvalRequired');
      assert.equal(countAfterRefusal, 0);
      assert.equal(byAdmin.status, 201);
      assert.equal(byAdmin.body.approvalRequired, false);
    });
  });
});

describe('validation before anything is stored', () => {
  const big = 'x'.repeat(130 * 1024);
  const cases: { case: string; body?: unknown; raw?: string; headers?: Record<string, string>; status: number; code: string; field?: string }[] = [
    { case: 'bad JSON', raw: '{"procedureId": "test-ledger",', headers: { 'content-type': 'application/json' }, status: 400, code: 'InvalidJson', field: 'body' },
    { case: 'a JSON array', body: [1, 2], status: 400, code: 'InvalidBody', field: 'body' },
    { case: 'an empty body', raw: '', status: 400, code: 'InvalidBody', field: 'body' },
    { case: 'an unknown top-level field', body: { procedureId: 'test-ledger', params: testParams(), priority: 1 }, status: 400, code: 'InvalidParameter', field: 'priority' },
    { case: 'a missing procedureId', body: { params: testParams() }, status: 400, code: 'InvalidParameter', field: 'procedureId' },
    { case: 'a procedureId of the wrong type', body: { procedureId: 7, params: testParams() }, status: 400, code: 'InvalidParameter', field: 'procedureId' },
    { case: 'params of the wrong type', body: { procedureId: 'test-ledger', params: 'a,b' }, status: 400, code: 'InvalidParameter', field: 'params' },
    { case: 'a param of the wrong type', body: { procedureId: 'test-ledger', params: { ...testParams(), settleMs: 'soon' } }, status: 400, code: 'InvalidParameter', field: 'params.settleMs' },
    { case: 'an unknown param', body: { procedureId: 'test-ledger', params: { ...testParams(), force: true } }, status: 400, code: 'InvalidParameter', field: 'params.force' },
    { case: 'a malformed resource id', body: { procedureId: 'test-ledger', params: { ...testParams(), routeTable: 'rtb-1' } }, status: 400, code: 'InvalidParameter', field: 'params.routeTable' },
    {
      case: 'an invalid CIDR',
      body: { procedureId: 'test-cidr', params: { ...testParams(), cidr: '10.0.0.1/8', vbrId: 'vbr-1' } },
      status: 400,
      code: 'InvalidCidr',
      field: 'params.cidr',
    },
    {
      case: 'a malformed VBR id',
      body: { procedureId: 'test-cidr', params: { ...testParams(), cidr: '10.0.0.0/8', vbrId: 'VBR_1' } },
      status: 400,
      code: 'InvalidParameter',
      field: 'params.vbrId',
    },
    { case: 'a malformed idempotency key', body: { procedureId: 'test-ledger', params: testParams(), idempotencyKey: 'a b' }, status: 400, code: 'InvalidParameter', field: 'idempotencyKey' },
    { case: 'a body over 128 KB', body: { procedureId: 'test-ledger', params: { ...testParams(), pad: big } }, status: 413, code: 'PayloadTooLarge', field: 'body' },
    { case: 'a non-JSON content type', raw: 'procedureId=test-ledger', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UnsupportedMediaType' },
    { case: 'an unknown procedure', body: { procedureId: 'no-such-procedure', params: {} }, status: 404, code: 'ProcedureNotFound', field: 'procedureId' },
  ];
  for (const c of cases) {
    it(`refuses ${c.case} with ${c.status} ${c.code}${c.field ? ` naming ${c.field}` : ''}, storing nothing`, async () => {
      await withApi(async (api) => {
        // Act
        const res = await api.call('POST', '/v1/executions', {
          token: api.tokens.alice.token,
          ...(c.body !== undefined ? { body: c.body } : {}),
          ...(c.raw !== undefined ? { raw: c.raw } : {}),
          ...(c.headers ? { headers: c.headers } : {}),
        });
        // Assess
        assertError(res, c.status, c.code, c.field);
        assert.equal(await storedExecutions(api), 0);
        assert.equal(await api.store.getLock('route-table:vtb-1'), null, 'no lock taken');
      });
    });
  }

  const queries = [
    { case: 'limit 0', query: 'limit=0', field: 'limit' },
    { case: 'limit not a number', query: 'limit=ten', field: 'limit' },
    { case: 'limit too large', query: 'limit=201', field: 'limit' },
    { case: 'an unknown status', query: 'status=running,sleeping', field: 'status' },
    { case: 'a malformed cursor', query: 'cursor=%27%3B--', field: 'cursor' },
    { case: 'an unknown parameter', query: 'sort=asc', field: 'sort', code: 'UnknownParameter' },
    { case: 'a repeated parameter', query: 'limit=1&limit=2', field: 'limit' },
  ];
  for (const q of queries) {
    it(`refuses a listing with ${q.case} (400 naming ${q.field})`, async () => {
      await withApi(async (api) => {
        // Act
        const res = await api.call('GET', `/v1/executions?${q.query}`, { token: api.tokens.victor.token });
        // Assess
        assertError(res, 400, q.code ?? 'InvalidParameter', q.field);
      });
    });
  }

  it('refuses malformed execution ids with 400 and unknown ones with 404', async () => {
    await withApi(async (api) => {
      // Act
      const malformed = await api.call('GET', '/v1/executions/..%2Fetc', { token: api.tokens.victor.token });
      const unknown = await api.call('GET', '/v1/executions/ex-zzzzzzzzzzzzzzzzzzz', { token: api.tokens.victor.token });
      const unknownJournal = await api.call('GET', '/v1/executions/ex-zzzzzzzzzzzzzzzzzzz/journal', { token: api.tokens.victor.token });
      // Assess
      assertError(malformed, 400, 'InvalidParameter', 'id');
      assertError(unknown, 404, 'ExecutionNotFound');
      assertError(unknownJournal, 404, 'ExecutionNotFound');
    });
  });

  it('refuses unknown fields in approve, cancel and token bodies without writing', async () => {
    await withApi(async (api) => {
      // Prepare
      const id = await startOne(api);
      await api.run();
      const before = await api.store.getExecution(id);
      const tokensBefore = (await api.store.listTokens()).length;
      // Act
      const approve = await api.call('POST', `/v1/executions/${id}/approve`, { token: api.tokens.bob.token, body: { comment: 'ok', quorum: 0 } });
      const cancel = await api.call('POST', `/v1/executions/${id}/cancel`, { token: api.tokens.alice.token, body: { reason: 5 } });
      const token = await api.call('POST', '/v1/tokens', { token: api.tokens.admin.token, body: { principal: 'eve', roles: ['root'] } });
      const tokenName = await api.call('POST', '/v1/tokens', { token: api.tokens.admin.token, body: { principal: 'eventbridge:x', roles: ['admin'] } });
      // Assess
      assertError(approve, 400, 'InvalidParameter', 'quorum');
      assertError(cancel, 400, 'InvalidParameter', 'reason');
      assertError(token, 400, 'InvalidParameter', 'roles[0]');
      assertError(tokenName, 400, 'InvalidParameter', 'principal');
      const after = await api.store.getExecution(id);
      assert.deepEqual(after, before, 'execution unchanged');
      assert.deepEqual(await api.store.listApprovalDecisions(id, after?.approval?.gateSeq ?? -1), []);
      assert.equal((await api.store.listTokens()).length, tokensBefore);
    });
  });
});

describe('procedures', () => {
  it('lists procedures with versions and parameter schemas, and shows one', async () => {
    await withApi(async (api) => {
      // Act
      const list = await api.call('GET', '/v1/procedures', { token: api.tokens.victor.token });
      const one = await api.call('GET', '/v1/procedures/test-ledger', { token: api.tokens.victor.token });
      const missing = await api.call('GET', '/v1/procedures/nope', { token: api.tokens.victor.token });
      // Assess
      assertShape('ProcedureList', list.body);
      const items = list.body.items as JsonObject[];
      assert.deepEqual(items.map((p) => p.id), ['test-cidr', 'test-ledger']);
      assert.equal(one.body.version, 1);
      assert.equal(one.body.plannable, true);
      assert.deepEqual((one.body.paramsSchema as JsonObject).required, ['items', 'settleMs', 'failVerify', 'routeTable']);
      assertShape('Procedure', one.body);
      assertError(missing, 404, 'ProcedureNotFound');
    });
  });
});

describe('plans', () => {
  it('plans without starting anything, reporting the cloud calls made', async () => {
    await withApi(async (api) => {
      // Act
      const res = await api.call('POST', '/v1/plans', { token: api.tokens.alice.token, body: { procedureId: 'test-ledger', params: testParams({ items: ['a', 'b'] }) } });
      // Assess
      assert.equal(res.status, 200, res.text);
      assertShape('Plan', res.body);
      assert.deepEqual((res.body.plan as JsonObject).calls, [{ action: 'Write', item: 'a' }, { action: 'Write', item: 'b' }]);
      assert.deepEqual((res.body.cloudCalls as JsonObject[]).map((c) => c.action), ['DescribeLedger']);
      assert.equal(await storedExecutions(api), 0);
      assert.equal(api.ledger.all.length, 0);
    });
  });

  it('refuses a procedure without planner (404 PlannerNotFound) and invalid params (400)', async () => {
    await withApi(async (api) => {
      // Act
      const noPlanner = await api.call('POST', '/v1/plans', {
        token: api.tokens.alice.token,
        body: { procedureId: 'test-cidr', params: { ...testParams(), cidr: '10.0.0.0/8', vbrId: 'vbr-1' } },
      });
      const invalid = await api.call('POST', '/v1/plans', { token: api.tokens.alice.token, body: { procedureId: 'test-ledger', params: { ...testParams(), items: [] } } });
      // Assess
      assertError(noPlanner, 404, 'PlannerNotFound', 'procedureId');
      assertError(invalid, 400, 'InvalidParameter', 'params.items');
      assert.equal(await storedExecutions(api), 0);
    });
  });
});

describe('cloud failures', () => {
  const cases = [
    { case: 'a transient cloud error', error: new CloudTransientError('Throttling', { code: 'Throttling.User', requestId: 'req-throttled' }), status: 503 },
    { case: 'a permanent cloud error', error: new CloudPermanentError('Forbidden.RAM', { code: 'Forbidden.RAM', requestId: 'req-denied' }), status: 502 },
  ];
  for (const c of cases) {
    it(`answers ${c.case} with ${c.status}, its code and the cloud RequestId`, async () => {
      await withApi(async (api) => {
        // Prepare: a planner whose cloud read fails
        api.planners.register('test-cidr', async () => {
          throw c.error;
        });
        // Act
        const res = await api.call('POST', '/v1/plans', {
          token: api.tokens.alice.token,
          body: { procedureId: 'test-cidr', params: { ...testParams(), cidr: '10.0.0.0/8', vbrId: 'vbr-1' } },
        });
        // Assess
        assertError(res, c.status, c.error.code);
        assert.equal((res.body.error as JsonObject).requestId, c.error.requestId);
        assert.equal(res.headers.get('retry-after'), c.status === 503 ? '5' : null);
      });
    });
  }
});

describe('executions', () => {
  it('runs an execution through approval: start, wait at the gate, refuse self-approval, approve, succeed, journal', async () => {
    await withApi(async (api) => {
      // Act: start
      const started = await api.call('POST', '/v1/executions', { token: api.tokens.alice.token, body: { procedureId: 'test-ledger', params: testParams() } });
      const id = started.body.id as string;
      await api.run();
      const waiting = await api.call('GET', `/v1/executions/${id}`, { token: api.tokens.victor.token });
      const self = await api.call('POST', `/v1/executions/${id}/approve`, { token: api.tokens.alice.token });
      const selfByOlga = await (async () => {
        // olga holds operator+approver: she may approve others' requests, just not her own
        const own = await api.call('POST', '/v1/executions', {
          token: api.tokens.olga.token,
          body: { procedureId: 'test-ledger', params: testParams({ routeTable: 'vtb-2' }) },
        });
        await api.run();
        return { id: own.body.id as string, res: await api.call('POST', `/v1/executions/${String(own.body.id)}/approve`, { token: api.tokens.olga.token }) };
      })();
      const decisionsAfterRefusals = await api.store.listApprovalDecisions(id, (waiting.body.approval as JsonObject).gateSeq as number);
      const approved = await api.call('POST', `/v1/executions/${id}/approve`, { token: api.tokens.bob.token, body: { comment: 'change window open' } });
      await api.run();
      const done = await api.call('GET', `/v1/executions/${id}`, { token: api.tokens.victor.token });
      const journal = await api.call('GET', `/v1/executions/${id}/journal`, { token: api.tokens.victor.token });
      // Assess
      assert.equal(started.status, 201);
      assert.equal(started.headers.get('location'), `/v1/executions/${id}`);
      assertShape('Execution', started.body);
      assert.equal(started.body.requestedBy, 'alice');
      assert.equal(waiting.body.status, 'awaiting_approval');
      assertShape('Execution', waiting.body);
      const gate = waiting.body.approval as JsonObject;
      assert.equal(gate.status, 'pending');
      assert.equal(gate.reason, 'writes to the ledger');
      assert.deepEqual(gate.decisions, []);
      assert.ok((waiting.body.waiting as JsonObject).reason);
      assertError(self, 403, 'RoleRequired');
      assertError(selfByOlga.res, 403, 'SelfApproval');
      assert.deepEqual(decisionsAfterRefusals, []);
      assert.equal(approved.status, 202);
      assertShape('Execution', approved.body);
      assert.equal(done.body.status, 'succeeded');
      assertShape('JournalPage', journal.body);
      const entries = journal.body.items as JsonObject[];
      const created = entries.find((e) => e.kind === 'created');
      assert.equal((created?.data as JsonObject).requestedBy, 'alice');
      const decided = entries.find((e) => e.kind === 'approval.decided');
      assert.deepEqual(((decided?.data as JsonObject).decisions as JsonObject[]).map((d) => [d.principal, d.decision, d.comment]), [
        ['bob', 'approve', 'change window open'],
      ]);
      assert.equal(entries.at(-1)?.kind, 'ended');
    });
  });

  it('rejects at the gate, journaling who rejected and why', async () => {
    await withApi(async (api) => {
      // Prepare
      const id = await startOne(api);
      await api.run();
      // Act
      const res = await api.call('POST', `/v1/executions/${id}/reject`, { token: api.tokens.carol.token, body: { comment: 'not tonight' } });
      await api.run();
      const view = await api.call('GET', `/v1/executions/${id}`, { token: api.tokens.victor.token });
      const journal = await api.call('GET', `/v1/executions/${id}/journal`, { token: api.tokens.victor.token });
      // Assess
      assert.equal(res.status, 202);
      assert.equal(view.body.status, 'rejected');
      const decided = (journal.body.items as JsonObject[]).find((e) => e.kind === 'approval.decided');
      assert.deepEqual(((decided?.data as JsonObject).decisions as JsonObject[])[0], { principal: 'carol', decision: 'reject', at: api.clock.now(), comment: 'not tonight' });
      assert.equal(api.ledger.all.filter((l) => l.op === 'apply').length, 0);
    });
  });

  it('answers 409 for decisions when nothing awaits approval, and for signals to ended executions', async () => {
    await withApi(async (api) => {
      // Prepare: an execution without gate that runs to the end
      const created = await api.call('POST', '/v1/executions', {
        token: api.tokens.admin.token,
        body: { procedureId: 'test-ledger', params: testParams(), approvalRequired: false },
      });
      const id = created.body.id as string;
      await api.run();
      const before = await api.store.getExecution(id);
      // Act
      const approve = await api.call('POST', `/v1/executions/${id}/approve`, { token: api.tokens.bob.token });
      const cancel = await api.call('POST', `/v1/executions/${id}/cancel`, { token: api.tokens.alice.token });
      const rollback = await api.call('POST', `/v1/executions/${id}/rollback`, { token: api.tokens.alice.token });
      // Assess
      assert.equal(before?.status, 'succeeded');
      assertError(approve, 409, 'ExecutionEnded');
      assertError(cancel, 409, 'ExecutionEnded');
      assertError(rollback, 409, 'ExecutionEnded');
      assert.deepEqual(await api.store.getExecution(id), before);
    });
  });

  it('cancels on an operator request and refuses the viewer without recording a signal', async () => {
    await withApi(async (api) => {
      // Prepare
      const id = await startOne(api);
      await api.run();
      // Act
      const byViewer = await api.call('POST', `/v1/executions/${id}/cancel`, { token: api.tokens.victor.token, body: { reason: 'x' } });
      const signalsAfterRefusal = (await api.store.getExecution(id))?.signals;
      const res = await api.call('POST', `/v1/executions/${id}/cancel`, { token: api.tokens.alice.token, body: { reason: 'wrong table' } });
      await api.run();
      const view = await api.call('GET', `/v1/executions/${id}`, { token: api.tokens.victor.token });
      const journal = await api.call('GET', `/v1/executions/${id}/journal`, { token: api.tokens.victor.token });
      // Assess
      assertError(byViewer, 403, 'RoleRequired');
      assert.deepEqual(signalsAfterRefusal, {});
      assert.equal(res.status, 202);
      assert.equal(view.body.status, 'cancelled');
      const signal = (journal.body.items as JsonObject[]).find((e) => e.kind === 'signal');
      assert.equal((signal?.data as JsonObject).by, 'alice');
    });
  });

  it('rolls back a running execution on request, undoing what it applied', async () => {
    await withApi(async (api) => {
      // Prepare: no gate, run until it waits for the items to settle
      const created = await api.call('POST', '/v1/executions', {
        token: api.tokens.admin.token,
        body: { procedureId: 'test-ledger', params: testParams({ settleMs: 5000 }), approvalRequired: false },
      });
      const id = created.body.id as string;
      await api.run(0);
      const midway = await api.call('GET', `/v1/executions/${id}`, { token: api.tokens.victor.token });
      // Act
      const res = await api.call('POST', `/v1/executions/${id}/rollback`, { token: api.tokens.alice.token, body: { reason: 'verification looks off' } });
      await api.run();
      const view = await api.call('GET', `/v1/executions/${id}`, { token: api.tokens.victor.token });
      // Assess
      assert.equal(midway.body.state, 'AwaitingSettled');
      assert.equal(res.status, 202);
      assert.equal(view.body.status, 'rolled_back');
      assert.deepEqual(api.ledger.all.filter((l) => l.op === 'undo').map((l) => l.item), ['c', 'b', 'a']);
    });
  });

  it('returns the first execution for a repeated idempotency key and 409 for the same key with other params', async () => {
    await withApi(async (api) => {
      // Act
      const body = { procedureId: 'test-ledger', params: testParams(), idempotencyKey: 'change-42' };
      const first = await api.call('POST', '/v1/executions', { token: api.tokens.alice.token, body });
      const again = await api.call('POST', '/v1/executions', { token: api.tokens.alice.token, body });
      const other = await api.call('POST', '/v1/executions', { token: api.tokens.alice.token, body: { ...body, params: testParams({ items: ['z'] }) } });
      // Assess
      assert.equal(again.body.id, first.body.id);
      assertError(other, 409, 'IdempotencyKeyReused', 'idempotencyKey');
      assert.equal(await storedExecutions(api), 1);
    });
  });

  it('lists executions newest first with filters and cursor paging', async () => {
    await withApi(async (api) => {
      // Prepare: three executions on different route tables, one by olga
      const a = await startOne(api, testParams({ routeTable: 'vtb-a' }));
      api.clock.advance(1000);
      const b = await startOne(api, testParams({ routeTable: 'vtb-b' }));
      api.clock.advance(1000);
      const own = await api.call('POST', '/v1/executions', { token: api.tokens.olga.token, body: { procedureId: 'test-ledger', params: testParams({ routeTable: 'vtb-c' }) } });
      await api.run();
      // Act
      const page1 = await api.call('GET', '/v1/executions?limit=2', { token: api.tokens.victor.token });
      const page2 = await api.call('GET', `/v1/executions?limit=2&cursor=${String(page1.body.nextCursor)}`, { token: api.tokens.victor.token });
      const byAlice = await api.call('GET', '/v1/executions?requestedBy=alice', { token: api.tokens.victor.token });
      const awaiting = await api.call('GET', '/v1/executions?status=awaiting_approval,running&procedureId=test-ledger', { token: api.tokens.victor.token });
      const none = await api.call('GET', '/v1/executions?status=succeeded', { token: api.tokens.victor.token });
      // Assess
      assertShape('ExecutionPage', page1.body);
      const ids = (p: { body: JsonObject }): string[] => (p.body.items as JsonObject[]).map((x) => x.id as string);
      assert.deepEqual(ids(page1), [own.body.id as string, b]);
      assert.deepEqual(ids(page2), [a]);
      assert.equal(page2.body.nextCursor, null);
      assert.deepEqual(ids(byAlice), [b, a]);
      assert.equal(ids(awaiting).length, 3);
      assert.deepEqual(ids(none), []);
    });
  });

  it('pages the journal oldest first', async () => {
    await withApi(async (api) => {
      // Prepare
      const id = await startOne(api);
      await api.run();
      // Act
      const first = await api.call('GET', `/v1/executions/${id}/journal?limit=2`, { token: api.tokens.victor.token });
      const rest = await api.call('GET', `/v1/executions/${id}/journal?limit=1000&cursor=${String(first.body.nextCursor)}`, { token: api.tokens.victor.token });
      // Assess
      const seqs = [...(first.body.items as JsonObject[]), ...(rest.body.items as JsonObject[])].map((e) => e.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
      assert.equal((first.body.items as JsonObject[]).length, 2);
      assert.equal(rest.body.nextCursor, null);
    });
  });
});

describe('tokens', () => {
  it('creates a token shown once and stored only as its hash; it authenticates until revoked', async () => {
    await withApi(async (api) => {
      // Act
      const created = await api.call('POST', '/v1/tokens', { token: api.tokens.admin.token, body: { principal: 'dave', roles: ['approver'], label: 'night shift' } });
      const token = created.body.token as string;
      const me = await api.call('GET', '/v1/me', { token });
      const list = await api.call('GET', '/v1/tokens', { token: api.tokens.admin.token });
      const revoked = await api.call('DELETE', `/v1/tokens/${String(created.body.id)}`, { token: api.tokens.admin.token });
      const after = await api.call('GET', '/v1/me', { token });
      const again = await api.call('DELETE', `/v1/tokens/${String(created.body.id)}`, { token: api.tokens.admin.token });
      // Assess
      assert.equal(created.status, 201);
      assertShape('CreatedToken', created.body);
      assert.equal(created.body.createdBy, 'root');
      assert.deepEqual(me.body, { id: 'dave', roles: ['approver'] });
      assertShape('TokenList', list.body);
      assert.ok(!list.text.includes(token), 'the listing never shows the secret');
      assert.ok(!list.text.includes(hashToken(token)), 'nor the whole hash');
      assert.equal(revoked.status, 200);
      assertError(after, 401, 'InvalidToken');
      assertError(again, 404, 'TokenNotFound');
    });
  });

  it('never stores the plaintext of any token', async () => {
    await withApi(async (api) => {
      // Prepare
      const created = await api.call('POST', '/v1/tokens', { token: api.tokens.admin.token, body: { principal: 'erin', roles: ['viewer'] } });
      const plaintexts = [created.body.token as string, ...Object.values(api.tokens).map((t) => t.token)];
      // Act
      const stored = JSON.stringify(await api.store.listTokens());
      // Assess
      for (const p of plaintexts) {
        assert.ok(!stored.includes(p), 'plaintext found in the store');
        assert.ok(stored.includes(hashToken(p)), 'hash stored');
      }
    });
  });
});

describe('access log', () => {
  it('logs every request with its principal, status and refusal code', async () => {
    await withApi(async (api) => {
      // Act
      await api.call('GET', '/v1/me', { token: api.tokens.alice.token });
      await api.call('POST', '/v1/tokens', { token: api.tokens.alice.token, body: {} });
      await api.call('GET', '/v1/me');
      // Assess
      assert.deepEqual(
        api.logs.map((l) => [l.operationId, l.principal, l.status, l.code]),
        [
          ['getMe', 'alice', 200, null],
          ['createToken', 'alice', 403, 'RoleRequired'],
          ['getMe', null, 401, 'MissingToken'],
        ],
      );
    });
  });

  it('answers an internal failure as a bare 500 and logs its details', async () => {
    await withApi(async (api) => {
      // Prepare: break the store under the engine
      const original = api.store.listExecutions.bind(api.store);
      api.store.listExecutions = async () => {
        throw new Error('disk on fire');
      };
      // Act
      const res = await api.call('GET', '/v1/executions', { token: api.tokens.victor.token });
      api.store.listExecutions = original;
      // Assess
      assertError(res, 500, 'InternalError');
      assert.ok(!res.text.includes('disk on fire'));
      assert.match(api.logs.at(-1)?.internal ?? '', /disk on fire/);
    });
  });
});
