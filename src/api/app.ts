/**
 * The HTTP API as one fetch-style function `(Request) => Promise<Response>` (Web Fetch API of
 * Node 20). `functions/api.ts` adapts the FC HTTP trigger to it, `serveApp` (node:http) serves it
 * locally, and the web console is mounted beside it with `app.mountStatic('/console', …)`.
 *
 *   const app = createApp({ engine, store, planners, deps });
 *   const res = await app.fetch(new Request('http://x/v1/procedures', { headers: { authorization: `Bearer ${token}` } }));
 *
 * Order of checks on every route: route exists (404/405) → token (401) → role (403) → path,
 * query and body (400/413/415) → the engine's own checks. Nothing is written before all pass.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, XcflowError } from '../errors.ts';
import type { Engine, ExecutionView } from '../engine/engine.ts';
import type { CloudCallObserver, DepsFactory } from '../engine/runner.ts';
import { systemClock, type Clock } from '../engine/scheduler.ts';
import { assertMatchesSchema } from '../engine/schema.ts';
import type { CloudCallRecord, ExecutionStatus, Json, JsonObject, Principal, ProcedureDefinition, Role } from '../engine/types.ts';
import type { ExecutionFilter, ExecutionStore } from '../store/contract.ts';
import { describeError, errorResponse, HttpError, json } from './http.ts';
import { API_VERSION, buildOpenApi } from './openapi.ts';
import { PlannerRegistry } from './planners.ts';
import { requirePermission } from './roles.ts';
import { ROUTES, type Method, type RouteSpec } from './routes.ts';
import { decisionBodySchema, planBodySchema, signalBodySchema, startBodySchema, tokenBodySchema } from './schemas.ts';
import { TokenService } from './tokens.ts';
import { assertBody, assertPathParam, BODY_LIMIT_BYTES, parseQuery, readJsonBody } from './validation.ts';
import { diffAuditRuns, getAuditFinding, getAuditRun, getLatestAuditRun, listAuditFindings, listAuditRuns, type FindingFilter } from '../../workflows/health-audit/runs.ts';

/** One line of the access log: every request, allowed or refused, with its principal. */
export interface AccessLogEntry {
  at: number;
  requestId: string;
  method: string;
  path: string;
  operationId: string | null;
  /** The authenticated principal, when the token was good. */
  principal: string | null;
  status: number;
  /** The error code of a refusal. */
  code: string | null;
  durationMs: number;
  /** Message of an internal error (answered as a bare 500). */
  internal?: string;
}

/** Serves requests under a prefix (the web console); no token is checked. */
export type StaticHandler = (req: Request, ctx: { prefix: string; path: string }) => Response | Promise<Response>;

/** How to build the app. */
export interface AppOptions<D> {
  engine: Engine;
  /** Where tokens live (the same store as the engine's). */
  store: ExecutionStore;
  /** Planners by procedure id (`POST /v1/plans`). */
  planners?: PlannerRegistry<D>;
  /** Dependencies for planners and procedures' `validate` (the engine's deps factory). */
  deps?: DepsFactory<D>;
  clock?: Clock;
  /** Largest request body; default 128 KB. */
  bodyLimit?: number;
  /** Receives one entry per request; default none. */
  log?: (entry: AccessLogEntry) => void;
}

/** Per-request context a caller (an adapter) may supply. */
export interface FetchContext {
  /** E.g. FC's `context.requestId`; default a random UUID. */
  requestId?: string;
}

/** The HTTP app. */
export interface App {
  /** Answers one request. Never throws: every failure becomes an error answer. */
  fetch(req: Request, ctx?: FetchContext): Promise<Response>;
  /**
   * Serves every path equal to `prefix` or under `prefix/` with `handler`, without a token check
   * (the console authenticates its own API calls). Prefixes under `/v1` are refused.
   * @throws Error for a prefix that is not `/name[/name…]` or is already mounted.
   */
  mountStatic(prefix: string, handler: StaticHandler): void;
  /** The OpenAPI document served at `/v1/openapi.json`. */
  readonly openapi: JsonObject;
}

interface RequestCtx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  query: Record<string, Json>;
  principal: Principal;
  requestId: string;
}

type Handler = (ctx: RequestCtx) => Promise<Response>;

interface CompiledRoute {
  spec: RouteSpec;
  regex: RegExp;
  names: string[];
}

function compile(spec: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = spec.path
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m?.[1]) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { spec, regex: new RegExp(`^${source}$`), names };
}

const ANONYMOUS: Principal = { id: 'anonymous', roles: [] };

/** The API view of an execution: the engine's view plus the plan it follows. */
export function executionBody(view: ExecutionView): JsonObject {
  const plan = view.context.plan;
  return { ...(view as unknown as JsonObject), plan: plan === undefined ? null : plan };
}

function procedureBody(def: ProcedureDefinition<unknown>, plannable: boolean): JsonObject {
  return {
    id: def.id,
    version: def.version,
    title: def.title,
    seedChapter: def.seedChapter,
    description: def.description,
    paramsSchema: def.paramsSchema,
    plannable,
  };
}

/** Creates the app. */
export function createApp<D>(options: AppOptions<D>): App {
  const { engine } = options;
  const clock = options.clock ?? systemClock;
  const tokens = new TokenService(options.store, () => clock.now());
  const planners = options.planners ?? new PlannerRegistry<D>();
  const bodyLimit = options.bodyLimit ?? BODY_LIMIT_BYTES;
  const log = options.log ?? (() => undefined);
  const openapi = buildOpenApi();
  const routes = ROUTES.map(compile);
  const mounts = new Map<string, StaticHandler>();

  const body = (req: Request, emptyAsObject: boolean): Promise<JsonObject> => readJsonBody(req, { limit: bodyLimit, emptyAsObject });

  const needDeps = (): D => {
    if (!options.deps) throw new XcflowError('this API has no procedure dependencies configured', { code: 'NoDependencies' });
    return options.deps(noObserver);
  };

  const handlers: Record<string, Handler> = {
    getIndex: async () =>
      json(200, { name: 'xcflow', version: API_VERSION, openapi: '/v1/openapi.json', mounts: [...mounts.keys()].sort() }),

    getOpenApi: async () => json(200, openapi),

    getMe: async ({ principal }) => json(200, { id: principal.id, roles: principal.roles }),

    listProcedures: async () =>
      json(200, { items: engine.registry.list().map((def) => procedureBody(def, planners.has(def.id))).sort((a, b) => String(a.id).localeCompare(String(b.id))) }),

    getProcedure: async ({ params }) => {
      const def = engine.registry.latest(params.id as string);
      return json(200, procedureBody(def, planners.has(def.id)));
    },

    createPlan: async ({ req, principal }) => {
      const b = await body(req, false);
      assertBody(planBodySchema, b);
      const procedureId = b.procedureId as string;
      const params = b.params as JsonObject;
      const def = engine.registry.latest(procedureId);
      const planner = planners.get(procedureId);
      assertMatchesSchema(def.paramsSchema, params);
      if (def.validate) await def.validate(params, needDeps());
      const calls: CloudCallRecord[] = [];
      const observer: CloudCallObserver = { onCloudCall: (c) => calls.push(c) };
      const deps = options.deps ? options.deps(observer) : needDeps();
      const now = clock.now();
      const plan = await planner({ procedure: def, params, deps, now, requestedBy: principal.id });
      return json(200, {
        procedureId,
        procedureVersion: def.version,
        params,
        plan,
        cloudCalls: calls as unknown as Json,
        plannedAt: now,
      });
    },

    startExecution: async ({ req, principal }) => {
      const b = await body(req, false);
      assertBody(startBodySchema, b);
      if (b.approvalRequired === false) requirePermission(principal, 'start.noApproval', 'approvalRequired');
      const view = await engine.start(b.procedureId as string, b.params as JsonObject, {
        requestedBy: principal.id,
        ...(typeof b.idempotencyKey === 'string' ? { idempotencyKey: b.idempotencyKey } : {}),
        ...(typeof b.approvalRequired === 'boolean' ? { approvalRequired: b.approvalRequired } : {}),
      });
      return json(201, executionBody(view), { location: `/v1/executions/${view.id}` });
    },

    listExecutions: async ({ query }) => {
      const filter: ExecutionFilter = {
        ...(Array.isArray(query.status) ? { status: query.status as ExecutionStatus[] } : {}),
        ...(typeof query.procedureId === 'string' ? { procedureId: query.procedureId } : {}),
        ...(typeof query.requestedBy === 'string' ? { requestedBy: query.requestedBy } : {}),
      };
      const page = await engine.list(filter, {
        limit: typeof query.limit === 'number' ? query.limit : 50,
        ...(typeof query.cursor === 'string' ? { cursor: query.cursor } : {}),
      });
      return json(200, { items: page.items as unknown as Json, nextCursor: page.cursor });
    },

    getExecution: async ({ params }) => json(200, executionBody(await engine.get(params.id as string))),

    getJournal: async ({ params, query }) => {
      const page = await engine.journal(params.id as string, {
        limit: typeof query.limit === 'number' ? query.limit : 200,
        ...(typeof query.cursor === 'string' ? { cursor: query.cursor } : {}),
      });
      return json(200, { items: page.items as unknown as Json, nextCursor: page.cursor });
    },

    approveExecution: async ({ req, params, principal }) => {
      const b = await body(req, true);
      assertBody(decisionBodySchema, b);
      return json(202, executionBody(await engine.approve(params.id as string, principal, b.comment as string | undefined)));
    },

    rejectExecution: async ({ req, params, principal }) => {
      const b = await body(req, true);
      assertBody(decisionBodySchema, b);
      return json(202, executionBody(await engine.reject(params.id as string, principal, b.comment as string | undefined)));
    },

    cancelExecution: async ({ req, params, principal }) => {
      const b = await body(req, true);
      assertBody(signalBodySchema, b);
      return json(202, executionBody(await engine.cancel(params.id as string, principal, b.reason as string | undefined)));
    },

    rollbackExecution: async ({ req, params, principal }) => {
      const b = await body(req, true);
      assertBody(signalBodySchema, b);
      return json(202, executionBody(await engine.rollback(params.id as string, principal, b.reason as string | undefined)));
    },

    listAuditRuns: async ({ query }) => {
      const page = await listAuditRuns(options.store, {
        limit: typeof query.limit === 'number' ? query.limit : 20,
        ...(typeof query.cursor === 'string' ? { cursor: query.cursor } : {}),
      });
      return json(200, { items: page.items as unknown as Json, nextCursor: page.cursor });
    },

    getLatestAuditRun: async () => {
      const latest = await getLatestAuditRun(options.store);
      if (!latest) throw new NotFoundError('no health audit has run yet', { code: 'AuditRunNotFound' });
      return json(200, latest as unknown as JsonObject);
    },

    getAuditRun: async ({ params }) => json(200, (await getAuditRun(options.store, params.runId as string)) as unknown as JsonObject),

    diffAuditRuns: async ({ query }) => {
      if (typeof query.from !== 'string') throw new ValidationError('from (the older run id) is required', { code: 'InvalidParameter', field: 'from' });
      return json(200, (await diffAuditRuns(options.store, query.from, typeof query.to === 'string' ? query.to : undefined)) as unknown as JsonObject);
    },

    listAuditFindings: async ({ query }) => {
      const filter: FindingFilter = {
        ...(query.status === 'open' || query.status === 'resolved' ? { status: query.status } : {}),
        ...(Array.isArray(query.severity) ? { severity: query.severity as FindingFilter['severity'] } : {}),
        ...(typeof query.checkId === 'string' ? { checkId: query.checkId } : {}),
      };
      const page = await listAuditFindings(options.store, filter, {
        limit: typeof query.limit === 'number' ? query.limit : 100,
        ...(typeof query.cursor === 'string' ? { cursor: query.cursor } : {}),
      });
      return json(200, { items: page.items as unknown as Json, nextCursor: page.cursor });
    },

    getAuditFinding: async ({ query }) => {
      if (typeof query.key !== 'string') throw new ValidationError('key (the finding key) is required', { code: 'InvalidParameter', field: 'key' });
      return json(200, (await getAuditFinding(options.store, query.key)) as unknown as JsonObject);
    },

    createToken: async ({ req, principal }) => {
      const b = await body(req, false);
      assertBody(tokenBodySchema, b);
      const created = await tokens.create({
        principal: b.principal as string,
        roles: b.roles as Role[],
        ...(typeof b.label === 'string' ? { label: b.label } : {}),
        ...(typeof b.expiresInSeconds === 'number' ? { expiresInSeconds: b.expiresInSeconds } : {}),
        createdBy: principal.id,
      });
      return json(201, created as unknown as JsonObject);
    },

    listTokens: async () => json(200, { items: (await tokens.list()) as unknown as Json }),

    revokeToken: async ({ params }) => json(200, (await tokens.revoke(params.id as string)) as unknown as JsonObject),
  };

  for (const r of routes) {
    if (!handlers[r.spec.operationId]) throw new Error(`route ${r.spec.operationId} has no handler`);
  }

  function match(method: string, path: string): { route: CompiledRoute; values: string[] } | { allowed: Method[] } | null {
    const allowed: Method[] = [];
    for (const route of routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.spec.method === method || (method === 'HEAD' && route.spec.method === 'GET')) return { route, values: m.slice(1) };
      allowed.push(route.spec.method);
    }
    return allowed.length > 0 ? { allowed: [...new Set(allowed)].sort() } : null;
  }

  async function dispatch(req: Request, url: URL, path: string, requestId: string, entry: AccessLogEntry): Promise<Response> {
    for (const [prefix, handler] of mounts) {
      if (path === prefix || path.startsWith(`${prefix}/`)) return handler(req, { prefix, path: path.slice(prefix.length) || '/' });
    }
    const found = match(req.method, path);
    if (!found) throw new NotFoundError(`no route ${req.method} ${path}`, { code: 'RouteNotFound', field: 'path' });
    if ('allowed' in found) {
      throw new HttpError(405, `${req.method} is not allowed on ${path} (allowed: ${found.allowed.join(', ')})`, {
        code: 'MethodNotAllowed',
        headers: { allow: found.allowed.join(', ') },
      });
    }
    const { route, values } = found;
    entry.operationId = route.spec.operationId;
    let principal = ANONYMOUS;
    if (route.spec.permission) {
      principal = await tokens.authenticate(req.headers.get('authorization'));
      entry.principal = principal.id;
      requirePermission(principal, route.spec.permission);
    }
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      let value = values[i] ?? '';
      try {
        value = decodeURIComponent(value);
      } catch {
        // Left as sent; the pattern check below refuses it.
      }
      params[name] = value;
    });
    for (const p of route.spec.pathParams ?? []) assertPathParam(p.name, params[p.name] ?? '', p.pattern);
    const query = parseQuery(url, route.spec.query ?? []);
    const res = await (handlers[route.spec.operationId] as Handler)({ req, url, params, query, principal, requestId });
    return req.method === 'HEAD' ? new Response(null, { status: res.status, headers: res.headers }) : res;
  }

  return {
    openapi,

    mountStatic(prefix, handler) {
      if (!/^(\/[A-Za-z0-9._-]+)+$/.test(prefix)) throw new Error(`mount prefix must look like /name, got ${prefix}`);
      if (prefix === '/v1' || prefix.startsWith('/v1/')) throw new Error('prefixes under /v1 belong to the API');
      if (mounts.has(prefix)) throw new Error(`${prefix} is already mounted`);
      mounts.set(prefix, handler);
    },

    async fetch(req, ctx = {}) {
      const started = Date.now();
      const requestId = ctx.requestId ?? randomUUID();
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        url = new URL('http://invalid/');
      }
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      const entry: AccessLogEntry = {
        at: clock.now(),
        requestId,
        method: req.method,
        path,
        operationId: null,
        principal: null,
        status: 0,
        code: null,
        durationMs: 0,
      };
      let res: Response;
      try {
        res = await dispatch(req, url, path, requestId, entry);
      } catch (err) {
        const described = describeError(err);
        entry.code = described.body.error.code;
        if (described.status >= 500 && !(err instanceof XcflowError && err.kind !== 'internal')) {
          entry.internal = err instanceof Error ? (err.stack ?? err.message) : String(err);
        }
        res = errorResponse(err);
      }
      const headers = new Headers(res.headers);
      headers.set('x-request-id', requestId);
      entry.status = res.status;
      entry.durationMs = Date.now() - started;
      log(entry);
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    },
  };
}

const noObserver: CloudCallObserver = { onCloudCall: () => undefined };
