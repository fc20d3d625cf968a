/**
 * The API's routes as data: method, path, who may call it, parameters, body and answers. The
 * router, the OpenAPI document (`/v1/openapi.json`) and `docs/http-api.md` are all made from this
 * one table, so they cannot disagree.
 */
import type { JsonSchema } from '../engine/types.ts';
import type { Permission } from './roles.ts';
import { decisionBodySchema, EXECUTION_STATUSES, planBodySchema, signalBodySchema, startBodySchema, tokenBodySchema } from './schemas.ts';
import { TOKEN_ID_PATTERN } from './tokens.ts';
import { EXECUTION_ID_PATTERN, PROCEDURE_ID_PATTERN, type QueryParamSpec } from './validation.ts';

/** HTTP methods the API uses. */
export type Method = 'GET' | 'POST' | 'DELETE';

/** A path parameter (`{id}`). */
export interface PathParamSpec {
  name: string;
  pattern: string;
  description: string;
}

/** One possible answer of a route. */
export interface ResponseSpec {
  status: number;
  description: string;
  /** Name of a component schema, or none for an empty body. */
  schema?: string;
}

/** One route. */
export interface RouteSpec {
  operationId: string;
  method: Method;
  /** OpenAPI-style path: `/v1/executions/{id}`. */
  path: string;
  tag: 'meta' | 'procedures' | 'plans' | 'executions' | 'approvals' | 'audit' | 'tokens';
  summary: string;
  description?: string;
  /** Permission needed; null = no token needed. */
  permission: Permission | null;
  pathParams?: PathParamSpec[];
  query?: QueryParamSpec[];
  body?: { schema: JsonSchema; required: boolean; description: string };
  responses: ResponseSpec[];
  /** Statuses of refusals this route may answer with (bodies are `Error`). */
  errors: number[];
}

/** Audit run ids (`run-` and a zero-padded sequence number). */
export const AUDIT_RUN_ID_PATTERN = '^run-\\d{1,20}$';

const executionId: PathParamSpec = { name: 'id', pattern: EXECUTION_ID_PATTERN, description: 'execution id (`ex-…`)' };

const limit = (max: number, dflt: number): QueryParamSpec => ({
  name: 'limit',
  description: `page size, 1-${max} (default ${dflt})`,
  schema: { type: 'integer', minimum: 1, maximum: max },
});

const AUTH_ERRORS = [401, 403];

function decisionRoute(action: 'approve' | 'reject'): RouteSpec {
  return {
    operationId: `${action}Execution`,
    method: 'POST',
    path: `/v1/executions/{id}/${action}`,
    tag: 'approvals',
    summary: action === 'approve' ? 'Approve the open approval request' : 'Reject the open approval request',
    description:
      `Records ${action === 'approve' ? 'an approval' : 'a rejection'} at the execution's open approval gate. The requester of an ` +
      "execution can never decide on it; the gate's roles must include one of the caller's. The runner applies the decision " +
      'asynchronously; the journal records it with the principal.',
    permission: action,
    pathParams: [executionId],
    body: { schema: decisionBodySchema, required: false, description: 'optional comment' },
    responses: [{ status: 202, description: 'decision recorded; the execution as it stands', schema: 'Execution' }],
    errors: [400, ...AUTH_ERRORS, 404, 409, 413, 415],
  };
}

function signalRoute(action: 'cancel' | 'rollback'): RouteSpec {
  return {
    operationId: `${action}Execution`,
    method: 'POST',
    path: `/v1/executions/{id}/${action}`,
    tag: 'executions',
    summary: action === 'cancel' ? 'Cancel an execution' : 'Roll an execution back',
    description:
      action === 'cancel'
        ? 'Asks the execution to stop. A procedure that has changed something rolls it back first. Applied asynchronously.'
        : 'Asks the execution to undo what it changed (its compensations, newest first). Applied asynchronously.',
    permission: action,
    pathParams: [executionId],
    body: { schema: signalBodySchema, required: false, description: 'optional reason' },
    responses: [{ status: 202, description: 'request recorded; the execution as it stands', schema: 'Execution' }],
    errors: [400, ...AUTH_ERRORS, 404, 409, 413, 415],
  };
}

/** Every route of the API. */
export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'getIndex',
    method: 'GET',
    path: '/',
    tag: 'meta',
    summary: 'What this server serves',
    permission: null,
    responses: [{ status: 200, description: 'name, version, where the OpenAPI document is, mounted static prefixes', schema: 'Index' }],
    errors: [],
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    tag: 'meta',
    summary: 'This API as an OpenAPI 3.1 document',
    permission: null,
    responses: [{ status: 200, description: 'the OpenAPI document' }],
    errors: [],
  },
  {
    operationId: 'getMe',
    method: 'GET',
    path: '/v1/me',
    tag: 'meta',
    summary: 'Who the token belongs to',
    permission: 'read',
    responses: [{ status: 200, description: 'the principal and its roles', schema: 'Principal' }],
    errors: AUTH_ERRORS,
  },
  {
    operationId: 'listProcedures',
    method: 'GET',
    path: '/v1/procedures',
    tag: 'procedures',
    summary: 'Procedures this deployment runs',
    description: 'Ids, versions, titles, seed chapters and the JSON Schema of each procedure’s parameters.',
    permission: 'read',
    responses: [{ status: 200, description: 'the procedures', schema: 'ProcedureList' }],
    errors: AUTH_ERRORS,
  },
  {
    operationId: 'getProcedure',
    method: 'GET',
    path: '/v1/procedures/{id}',
    tag: 'procedures',
    summary: 'One procedure',
    permission: 'read',
    pathParams: [{ name: 'id', pattern: PROCEDURE_ID_PATTERN, description: 'procedure id' }],
    responses: [{ status: 200, description: 'the procedure', schema: 'Procedure' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
  {
    operationId: 'createPlan',
    method: 'POST',
    path: '/v1/plans',
    tag: 'plans',
    summary: 'Plan a change without making it',
    description:
      'Checks the parameters like a start would, then runs the procedure’s planner against current cloud state: the exact ' +
      'API calls, route tables before and after, conflicts, predicted blackout. Changes nothing and stores nothing.',
    permission: 'plan',
    body: { schema: planBodySchema, required: true, description: 'procedure and parameters' },
    responses: [{ status: 200, description: 'the plan', schema: 'Plan' }],
    errors: [400, ...AUTH_ERRORS, 404, 413, 415, 502, 503],
  },
  {
    operationId: 'startExecution',
    method: 'POST',
    path: '/v1/executions',
    tag: 'executions',
    summary: 'Start an execution',
    description:
      'Validates the parameters against the procedure’s schema (and its own checks: CIDRs, ids) before anything is stored, ' +
      'then starts the latest version of the procedure. With `idempotencyKey`, repeating the request returns the same execution.',
    permission: 'start',
    body: { schema: startBodySchema, required: true, description: 'procedure, parameters, optional idempotency key' },
    responses: [{ status: 201, description: 'the execution (also for a repeated idempotent request)', schema: 'Execution' }],
    errors: [400, ...AUTH_ERRORS, 404, 409, 413, 415, 502, 503],
  },
  {
    operationId: 'listExecutions',
    method: 'GET',
    path: '/v1/executions',
    tag: 'executions',
    summary: 'List executions, newest first',
    permission: 'read',
    query: [
      { name: 'status', description: 'only these statuses (comma-separated)', schema: { enum: [...EXECUTION_STATUSES] }, commaList: true },
      { name: 'procedureId', description: 'only this procedure', schema: { type: 'string', pattern: PROCEDURE_ID_PATTERN } },
      { name: 'requestedBy', description: 'only executions started by this principal', schema: { type: 'string', minLength: 1, maxLength: 128 } },
      limit(200, 50),
      { name: 'cursor', description: 'from `nextCursor` of the previous page', schema: { type: 'string', pattern: EXECUTION_ID_PATTERN } },
    ],
    responses: [{ status: 200, description: 'one page', schema: 'ExecutionPage' }],
    errors: [400, ...AUTH_ERRORS],
  },
  {
    operationId: 'getExecution',
    method: 'GET',
    path: '/v1/executions/{id}',
    tag: 'executions',
    summary: 'Where an execution stands',
    description: 'Status, current step, why and since when it waits, the approval gate and its decisions, the plan, the output or error.',
    permission: 'read',
    pathParams: [executionId],
    responses: [{ status: 200, description: 'the execution', schema: 'Execution' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
  {
    operationId: 'getJournal',
    method: 'GET',
    path: '/v1/executions/{id}/journal',
    tag: 'executions',
    summary: 'The journal of an execution, oldest first',
    description: 'Every transition, effect (with its cloud calls and RequestIds), poll, retry, approval and signal, with who and when.',
    permission: 'read',
    pathParams: [executionId],
    query: [
      limit(1000, 200),
      {
        name: 'cursor',
        description: '`nextCursor` of the previous page, or the `seq` of the last entry already read (to follow a live journal)',
        schema: { type: 'string', pattern: '^\\d{1,12}$' },
      },
    ],
    responses: [{ status: 200, description: 'one page', schema: 'JournalPage' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
  decisionRoute('approve'),
  decisionRoute('reject'),
  signalRoute('cancel'),
  signalRoute('rollback'),
  {
    operationId: 'listAuditRuns',
    method: 'GET',
    path: '/v1/audit/runs',
    tag: 'audit',
    summary: 'Health-audit runs, newest first',
    description: 'Each run: when it read the network, finding counts by severity, changes since the previous run, cloud calls. Start an audit with `POST /v1/executions` (`procedureId: health-audit`).',
    permission: 'read',
    query: [limit(200, 20), { name: 'cursor', description: 'from `nextCursor` of the previous page', schema: { type: 'string', pattern: AUDIT_RUN_ID_PATTERN } }],
    responses: [{ status: 200, description: 'one page', schema: 'AuditRunPage' }],
    errors: [400, ...AUTH_ERRORS],
  },
  {
    operationId: 'getLatestAuditRun',
    method: 'GET',
    path: '/v1/audit/runs/latest',
    tag: 'audit',
    summary: 'The latest audit run, the findings open now, and what it opened, resolved or changed',
    permission: 'read',
    responses: [{ status: 200, description: 'the run and its findings', schema: 'AuditRunView' }],
    errors: [...AUTH_ERRORS, 404],
  },
  {
    operationId: 'getAuditRun',
    method: 'GET',
    path: '/v1/audit/runs/{runId}',
    tag: 'audit',
    summary: 'One audit run and what it opened, resolved or changed',
    permission: 'read',
    pathParams: [{ name: 'runId', pattern: AUDIT_RUN_ID_PATTERN, description: 'run id (`run-…`)' }],
    responses: [{ status: 200, description: 'the run and its findings', schema: 'AuditRunView' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
  {
    operationId: 'diffAuditRuns',
    method: 'GET',
    path: '/v1/audit/diff',
    tag: 'audit',
    summary: 'What changed between two audit runs',
    description: 'Findings opened, resolved, flapped (resolved and back) or changed severity from run `from` to run `to` (default: the latest).',
    permission: 'read',
    query: [
      { name: 'from', description: 'the older run (required)', schema: { type: 'string', pattern: AUDIT_RUN_ID_PATTERN } },
      { name: 'to', description: 'the newer run (default: the latest)', schema: { type: 'string', pattern: AUDIT_RUN_ID_PATTERN } },
    ],
    responses: [{ status: 200, description: 'the difference', schema: 'AuditRunDiff' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
  {
    operationId: 'listAuditFindings',
    method: 'GET',
    path: '/v1/audit/findings',
    tag: 'audit',
    summary: 'Audit findings with their lifecycle (first seen, last seen, resolved, remediation)',
    permission: 'read',
    query: [
      { name: 'status', description: 'open or resolved', schema: { enum: ['open', 'resolved'] } },
      { name: 'severity', description: 'only these severities (comma-separated)', schema: { enum: ['critical', 'warning', 'info'] }, commaList: true },
      { name: 'checkId', description: 'only this check', schema: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
      limit(500, 100),
      { name: 'cursor', description: 'from `nextCursor` of the previous page', schema: { type: 'string', minLength: 1, maxLength: 1024 } },
    ],
    responses: [{ status: 200, description: 'one page (filters on severity and check apply within the page)', schema: 'AuditFindingPage' }],
    errors: [400, ...AUTH_ERRORS],
  },
  {
    operationId: 'getAuditFinding',
    method: 'GET',
    path: '/v1/audit/finding',
    tag: 'audit',
    summary: 'One audit finding by key',
    description: 'The key (`<check id>|<resources>`) holds `/` and `|`, so it is a query parameter rather than a path segment.',
    permission: 'read',
    query: [{ name: 'key', description: 'the finding key (required)', schema: { type: 'string', minLength: 1, maxLength: 1024 } }],
    responses: [{ status: 200, description: 'the finding', schema: 'AuditFinding' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
  {
    operationId: 'createToken',
    method: 'POST',
    path: '/v1/tokens',
    tag: 'tokens',
    summary: 'Create a token',
    description: 'The answer carries the token once; only its SHA-256 is stored.',
    permission: 'tokens',
    body: { schema: tokenBodySchema, required: true, description: 'principal, roles, optional label and lifetime' },
    responses: [{ status: 201, description: 'the token, with its secret', schema: 'CreatedToken' }],
    errors: [400, ...AUTH_ERRORS, 413, 415],
  },
  {
    operationId: 'listTokens',
    method: 'GET',
    path: '/v1/tokens',
    tag: 'tokens',
    summary: 'List tokens (never their secrets)',
    permission: 'tokens',
    responses: [{ status: 200, description: 'every token', schema: 'TokenList' }],
    errors: AUTH_ERRORS,
  },
  {
    operationId: 'revokeToken',
    method: 'DELETE',
    path: '/v1/tokens/{id}',
    tag: 'tokens',
    summary: 'Revoke a token',
    permission: 'tokens',
    pathParams: [{ name: 'id', pattern: TOKEN_ID_PATTERN, description: 'token id (from the listing)' }],
    responses: [{ status: 200, description: 'the revoked token', schema: 'Token' }],
    errors: [400, ...AUTH_ERRORS, 404],
  },
];
