/**
 * JSON schemas of the API's request bodies and answers. Request schemas are enforced
 * (`additionalProperties: false`: unknown fields are refused); answer schemas document the shapes
 * in `/v1/openapi.json` and are checked by the contract tests against real answers.
 */
import type { JsonObject, JsonSchema } from '../engine/types.ts';
import { ROLES } from './roles.ts';
import { PRINCIPAL_PATTERN, TOKEN_ID_PATTERN } from './tokens.ts';
import { EXECUTION_ID_PATTERN, PROCEDURE_ID_PATTERN } from './validation.ts';

/** Execution statuses (see `ExecutionStatus`). */
export const EXECUTION_STATUSES = [
  'pending',
  'running',
  'waiting',
  'awaiting_approval',
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
  'rejected',
  'expired',
] as const;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
/** The schema or null (as a type list where possible, so the engine's validator checks it too). */
const nullable = (schema: JsonSchema): JsonSchema =>
  typeof schema.type === 'string' ? { ...schema, type: [schema.type, 'null'] } : { anyOf: [schema, { type: 'null' }] };
const time: JsonSchema = { type: 'integer', description: 'milliseconds since the epoch (UTC)' };
const anyJson: JsonSchema = { description: 'any JSON value' };

/** Body of `POST /v1/executions`. */
export const startBodySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['procedureId', 'params'],
  properties: {
    procedureId: { type: 'string', pattern: PROCEDURE_ID_PATTERN, description: 'procedure to run (`GET /v1/procedures`)' },
    params: { type: 'object', description: "parameters, checked against the procedure's `paramsSchema`" },
    idempotencyKey: {
      type: 'string',
      pattern: '^[A-Za-z0-9._:@-]{1,128}$',
      description: 'starting again with the same key (same caller, same request) returns the first execution',
    },
    approvalRequired: { type: 'boolean', description: 'default true; only admins may set false' },
  },
};

/** Body of `POST /v1/plans`. */
export const planBodySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['procedureId', 'params'],
  properties: {
    procedureId: { type: 'string', pattern: PROCEDURE_ID_PATTERN },
    params: { type: 'object' },
  },
};

/** Body of approve and reject. */
export const decisionBodySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { comment: { type: 'string', maxLength: 1000, description: 'shown in the journal' } },
};

/** Body of cancel and rollback. */
export const signalBodySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1000, description: 'shown in the journal' } },
};

/** Body of `POST /v1/tokens`. */
export const tokenBodySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['principal', 'roles'],
  properties: {
    principal: { type: 'string', pattern: PRINCIPAL_PATTERN, description: 'who the token speaks for' },
    roles: { type: 'array', items: { enum: [...ROLES] }, minItems: 1, uniqueItems: true },
    label: { type: 'string', maxLength: 100 },
    expiresInSeconds: { type: 'integer', minimum: 60, maximum: 10 * 365 * 86400, description: 'default: never expires' },
  },
};

/** Component schemas of answers, by name. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', description: 'stable machine-readable code, e.g. `InvalidParameter`, `RoleRequired`' },
          message: { type: 'string' },
          field: { type: 'string', description: 'the request field the error is about' },
          requestId: { type: 'string', description: 'Alibaba Cloud RequestId of the failed cloud call' },
        },
      },
    },
  },
  SerializedError: {
    type: 'object',
    required: ['name', 'kind', 'code', 'message', 'retryable'],
    properties: {
      name: { type: 'string' },
      kind: { type: 'string' },
      code: { type: 'string' },
      message: { type: 'string' },
      retryable: { type: 'boolean' },
      field: { type: 'string' },
      requestId: { type: 'string' },
    },
  },
  Principal: {
    type: 'object',
    required: ['id', 'roles'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, roles: { type: 'array', items: { enum: [...ROLES] } } },
  },
  Procedure: {
    type: 'object',
    required: ['id', 'version', 'title', 'seedChapter', 'description', 'paramsSchema', 'plannable'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      version: { type: 'integer' },
      title: { type: 'string' },
      seedChapter: { type: 'string', description: 'chapter of the Express Connect best practices it automates' },
      description: { type: 'string' },
      paramsSchema: { type: 'object', description: 'JSON Schema of `params`' },
      plannable: { type: 'boolean', description: 'whether `POST /v1/plans` can plan it' },
    },
  },
  ProcedureList: {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: ref('Procedure') } },
  },
  Plan: {
    type: 'object',
    required: ['procedureId', 'procedureVersion', 'params', 'plan', 'cloudCalls', 'plannedAt'],
    additionalProperties: false,
    properties: {
      procedureId: { type: 'string' },
      procedureVersion: { type: 'integer' },
      params: { type: 'object' },
      plan: { type: 'object', description: "the procedure planner's answer (calls, route tables before/after, conflicts, blackout)" },
      cloudCalls: { type: 'array', items: ref('CloudCall'), description: 'the read-only cloud calls made to plan' },
      plannedAt: time,
    },
  },
  CloudCall: {
    type: 'object',
    required: ['product', 'action', 'durationMs'],
    properties: {
      product: { type: 'string' },
      action: { type: 'string' },
      requestId: { type: 'string' },
      errorCode: { type: 'string' },
      durationMs: { type: 'number' },
      params: { type: 'object' },
    },
  },
  ExecutionSummary: {
    type: 'object',
    required: ['id', 'procedureId', 'procedureVersion', 'status', 'seq', 'state', 'requestedBy', 'waitReason', 'createdAt', 'updatedAt', 'endedAt'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: EXECUTION_ID_PATTERN },
      procedureId: { type: 'string' },
      procedureVersion: { type: 'integer' },
      status: { enum: [...EXECUTION_STATUSES] },
      seq: { type: 'integer', description: 'compare-and-set counter: changes whenever the execution does' },
      state: { type: 'string', description: 'active (or final) state' },
      requestedBy: { type: 'string' },
      waitReason: { type: ['string', 'null'] },
      createdAt: time,
      updatedAt: time,
      endedAt: nullable(time),
    },
  },
  ExecutionPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: {
      items: { type: 'array', items: ref('ExecutionSummary') },
      nextCursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last page' },
    },
  },
  Execution: {
    type: 'object',
    required: [
      'id',
      'procedureId',
      'procedureVersion',
      'title',
      'status',
      'seq',
      'state',
      'step',
      'waiting',
      'approval',
      'plan',
      'params',
      'context',
      'output',
      'error',
      'requestedBy',
      'approvalRequired',
      'locks',
      'createdAt',
      'updatedAt',
      'endedAt',
      'journalLength',
    ],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: EXECUTION_ID_PATTERN },
      procedureId: { type: 'string' },
      procedureVersion: { type: 'integer' },
      title: { type: 'string' },
      status: { enum: [...EXECUTION_STATUSES] },
      seq: { type: 'integer' },
      state: { type: 'string' },
      step: nullable({
        type: 'object',
        required: ['state', 'kind', 'attempt', 'failures', 'since'],
        properties: {
          state: { type: 'string' },
          kind: { enum: ['effect', 'wait', 'approval'] },
          effect: { type: 'string' },
          title: { type: 'string' },
          seed: { type: 'string', description: 'seed step, e.g. `5.1-4`' },
          attempt: { type: 'integer' },
          failures: { type: 'integer' },
          since: time,
        },
      }),
      waiting: nullable({
        type: 'object',
        required: ['reason', 'since', 'until'],
        description: 'why the execution is not progressing now, since when, and when it is next due',
        properties: { reason: { type: 'string' }, since: nullable(time), until: nullable(time) },
      }),
      approval: nullable({
        type: 'object',
        required: ['gateSeq', 'state', 'roles', 'quorum', 'reason', 'requestedBy', 'openedAt', 'expiresAt', 'status', 'decisions'],
        properties: {
          gateSeq: { type: 'integer' },
          state: { type: 'string' },
          roles: { type: 'array', items: { enum: [...ROLES] } },
          quorum: { type: 'integer' },
          reason: { type: 'string' },
          requestedBy: { type: 'string' },
          openedAt: time,
          expiresAt: time,
          status: { enum: ['pending', 'granted', 'rejected', 'expired', 'closed'] },
          decisions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['principal', 'decision', 'at'],
              properties: {
                principal: { type: 'string' },
                decision: { enum: ['approve', 'reject'] },
                roles: { type: 'array', items: { type: 'string' } },
                comment: { type: 'string' },
                at: time,
              },
            },
          },
        },
      }),
      plan: { ...anyJson, description: 'the plan the execution follows (`context.plan`), or null' },
      params: { type: 'object' },
      context: { type: 'object', description: "the procedure machine's context" },
      output: anyJson,
      error: nullable(ref('SerializedError')),
      requestedBy: { type: 'string' },
      approvalRequired: { type: 'boolean' },
      locks: { type: 'array', items: { type: 'string' } },
      createdAt: time,
      updatedAt: time,
      endedAt: nullable(time),
      journalLength: { type: 'integer' },
    },
  },
  JournalEntry: {
    type: 'object',
    required: ['executionId', 'seq', 'at', 'kind', 'data'],
    additionalProperties: false,
    properties: {
      executionId: { type: 'string' },
      seq: { type: 'integer', minimum: 1 },
      at: time,
      kind: {
        enum: ['created', 'transition', 'effect', 'poll', 'retry', 'lease.expired', 'approval.requested', 'approval.decided', 'lock', 'signal', 'ended'],
      },
      state: { type: 'string' },
      data: { type: 'object', description: 'kind-specific details, including cloud calls with their RequestIds' },
    },
  },
  JournalPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: ref('JournalEntry') }, nextCursor: { type: ['string', 'null'] } },
  },
  AuditRun: {
    type: 'object',
    required: ['runId', 'executionId', 'status', 'at', 'counts', 'changes'],
    description: 'one health-audit run (shape owned by workflows/health-audit)',
    properties: {
      runId: { type: 'string' },
      executionId: { type: 'string' },
      status: { enum: ['recording', 'recorded', 'completed'] },
      at: time,
      regionIds: { type: 'array', items: { type: 'string' } },
      checks: { type: 'array', items: { type: 'string' } },
      counts: { type: 'object', description: 'findings by severity: critical, warning, info, total' },
      changes: { type: 'object', description: 'opened, resolved and changed finding keys since the previous run' },
      calls: { type: 'object', description: 'Describe calls of the read, failures, throttling' },
      remediations: { type: 'array', items: { type: 'object' }, description: 'fixes proposed as approval-gated executions' },
    },
  },
  AuditRunPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: ref('AuditRun') }, nextCursor: { type: ['string', 'null'] } },
  },
  AuditFinding: {
    type: 'object',
    required: ['key', 'checkId', 'severity', 'title', 'status', 'resources', 'firstSeenAt', 'lastSeenAt'],
    description: 'a finding and its lifecycle (shape owned by workflows/health-audit)',
    properties: {
      key: { type: 'string', description: '`<check id>|<resources>`' },
      checkId: { type: 'string' },
      severity: { enum: ['critical', 'warning', 'info'] },
      title: { type: 'string' },
      status: { enum: ['open', 'resolved'] },
      resources: { type: 'array', items: { type: 'string' } },
      evidence: { type: 'object' },
      fix: { type: 'string' },
      firstSeenAt: time,
      lastSeenAt: time,
      resolvedAt: { type: ['integer', 'null'] },
      remediation: { type: ['object', 'null'] },
    },
  },
  AuditFindingPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: ref('AuditFinding') }, nextCursor: { type: ['string', 'null'] } },
  },
  AuditRunView: {
    type: 'object',
    required: ['run', 'latest', 'open', 'opened', 'resolved', 'changed'],
    properties: {
      run: ref('AuditRun'),
      latest: { type: 'boolean' },
      open: { type: 'array', items: ref('AuditFinding'), description: 'open now, most severe first (latest run only)' },
      opened: { type: 'array', items: ref('AuditFinding') },
      resolved: { type: 'array', items: ref('AuditFinding') },
      changed: { type: 'array', items: ref('AuditFinding') },
    },
  },
  AuditRunDiff: {
    type: 'object',
    required: ['fromRunId', 'toRunId', 'runs', 'opened', 'resolved', 'flapped', 'changed', 'truncated'],
    properties: {
      fromRunId: { type: 'string' },
      toRunId: { type: 'string' },
      runs: { type: 'integer' },
      opened: { type: 'array', items: { type: 'string' } },
      resolved: { type: 'array', items: { type: 'string' } },
      flapped: { type: 'array', items: { type: 'string' } },
      changed: { type: 'array', items: { type: 'string' } },
      truncated: { type: 'boolean' },
    },
  },
  Token: {
    type: 'object',
    required: ['id', 'principal', 'roles', 'label', 'createdAt', 'createdBy', 'expiresAt', 'expired'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: TOKEN_ID_PATTERN, description: 'first 16 hex digits of the SHA-256 of the token' },
      principal: { type: 'string' },
      roles: { type: 'array', items: { enum: [...ROLES] } },
      label: { type: ['string', 'null'] },
      createdAt: time,
      createdBy: { type: ['string', 'null'] },
      expiresAt: nullable(time),
      expired: { type: 'boolean' },
    },
  },
  CreatedToken: {
    type: 'object',
    required: ['id', 'principal', 'roles', 'label', 'createdAt', 'createdBy', 'expiresAt', 'expired', 'token'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: TOKEN_ID_PATTERN },
      principal: { type: 'string' },
      roles: { type: 'array', items: { enum: [...ROLES] } },
      label: { type: ['string', 'null'] },
      createdAt: time,
      createdBy: { type: ['string', 'null'] },
      expiresAt: nullable(time),
      expired: { type: 'boolean' },
      token: { type: 'string', pattern: '^xcf_[A-Za-z0-9_-]{43}$', description: 'the secret: shown only in this answer' },
    },
  },
  TokenList: {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: ref('Token') } },
  },
  Index: {
    type: 'object',
    required: ['name', 'version', 'openapi', 'mounts'],
    properties: {
      name: { const: 'xcflow' },
      version: { type: 'string' },
      openapi: { type: 'string' },
      mounts: { type: 'array', items: { type: 'string' } },
    },
  },
};

/** Inlines `#/components/schemas/…` references, so the engine's validator can check answers. */
export function resolveRefs(schema: JsonSchema, components: Record<string, JsonSchema> = COMPONENT_SCHEMAS): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const obj = node as JsonObject;
    if (typeof obj.$ref === 'string') {
      const name = obj.$ref.replace('#/components/schemas/', '');
      const target = components[name];
      if (!target) throw new Error(`unknown schema ${obj.$ref}`);
      return walk(target);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, walk(v)]));
  };
  return walk(schema) as JsonSchema;
}
