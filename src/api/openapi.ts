/**
 * The OpenAPI 3.1 document of the API (served at `/v1/openapi.json`), built from the route table,
 * and its Markdown rendering (`docs/http-api.md`, kept current by a test).
 */
import type { JsonObject, JsonSchema } from '../engine/types.ts';
import { PERMISSION_ROLES, PERMISSION_TEXT, ROLES, type Permission } from './roles.ts';
import { ROUTES, type RouteSpec } from './routes.ts';
import { COMPONENT_SCHEMAS } from './schemas.ts';
import { BODY_LIMIT_BYTES } from './validation.ts';

/** Version of the API document (the package version). */
export const API_VERSION = '0.1.0';

const STATUS_TEXT: Record<number, string> = {
  400: 'invalid request: bad JSON, unknown field, wrong type, invalid CIDR or id (`error.field` names it); nothing was stored',
  401: 'missing, invalid or expired token',
  403: 'the token’s roles do not allow this (or: approving one’s own request)',
  404: 'no such execution, procedure, planner, token, audit run or finding',
  409: 'conflicts with the current state (not awaiting approval, ended, locked, idempotency key reused)',
  413: `body larger than ${BODY_LIMIT_BYTES / 1024} KB`,
  415: 'body is not application/json',
  502: 'a cloud call failed for good',
  503: 'a cloud call failed and may succeed later (see Retry-After)',
};

function operation(route: RouteSpec): JsonObject {
  const parameters: JsonObject[] = [
    ...(route.pathParams ?? []).map((p) => ({ name: p.name, in: 'path', required: true, description: p.description, schema: { type: 'string', pattern: p.pattern } })),
    ...(route.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: false,
      description: q.description,
      schema: q.commaList ? { type: 'array', items: q.schema } : q.schema,
      ...(q.commaList ? { style: 'form', explode: false } : {}),
    })),
  ];
  const responses: JsonObject = {};
  for (const r of route.responses) {
    responses[String(r.status)] = {
      description: r.description,
      ...(r.schema ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.schema}` } } } } : {}),
    };
  }
  for (const status of route.errors) {
    responses[String(status)] = { description: STATUS_TEXT[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const roles = route.permission ? PERMISSION_ROLES[route.permission] : [];
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, route.permission ? `Roles: ${roles.join(', ')}.` : 'No token needed.'].filter(Boolean).join('\n\n'),
    ...(route.permission ? { security: [{ bearer: [] }], 'x-xcflow-roles': [...roles] } : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: route.body.required, description: route.body.description, content: { 'application/json': { schema: route.body.schema } } } }
      : {}),
    responses,
  };
}

/** Builds the OpenAPI document. */
export function buildOpenApi(): JsonObject {
  const paths: JsonObject = {};
  for (const route of ROUTES) {
    const item = (paths[route.path] as JsonObject | undefined) ?? {};
    item[route.method.toLowerCase()] = operation(route);
    paths[route.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'xcflow HTTP API',
      version: API_VERSION,
      description:
        'Durable, approval-gated, self-verifying workflows for Alibaba Cloud Express Connect and CEN. ' +
        'JSON over HTTP; bearer tokens map to a principal and roles (viewer, operator, approver, admin). ' +
        `Request bodies are limited to ${BODY_LIMIT_BYTES / 1024} KB and checked before anything is stored. ` +
        'Every error answer is `{"error": {"code", "message", "field"?, "requestId"?}}`. Times are milliseconds since the epoch.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'meta' },
      { name: 'procedures' },
      { name: 'plans' },
      { name: 'executions' },
      { name: 'approvals' },
      { name: 'audit' },
      { name: 'tokens' },
    ],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an xcflow token (`xcf_…`), see `xcflow token create`' } },
      schemas: COMPONENT_SCHEMAS,
    },
  };
}

function schemaText(schema: JsonSchema): string {
  const parts: string[] = [];
  if (typeof schema.type === 'string') parts.push(schema.type);
  else if (Array.isArray(schema.type)) parts.push(schema.type.join(' or '));
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((e) => `\`${String(e)}\``).join(', ')}`);
  if (typeof schema.pattern === 'string') parts.push(`matching \`${schema.pattern}\``);
  if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number') parts.push(`${schema.minimum}-${schema.maximum}`);
  if (typeof schema.maxLength === 'number') parts.push(`at most ${schema.maxLength} characters`);
  const items = schema.items as JsonSchema | undefined;
  if (schema.type === 'array' && items && Array.isArray(items.enum)) parts.push(`of ${items.enum.map((e) => `\`${String(e)}\``).join(', ')}`);
  return parts.join(', ');
}

function bodyRows(schema: JsonSchema): string[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(
    ([name, s]) => `| \`${name}\` | ${required.has(name) ? 'yes' : 'no'} | ${schemaText(s)} | ${typeof s.description === 'string' ? s.description : ''} |`,
  );
}

/** `docs/http-api.md`: the route table, roles matrix, errors and shapes, rendered from the same data as the OpenAPI document. */
export function renderHttpApiMarkdown(): string {
  const out: string[] = [];
  out.push('# xcflow HTTP API', '');
  out.push('<!-- Generated from src/api/routes.ts by `node --import tsx src/api/render-docs.ts > docs/http-api.md`; a test keeps it current. -->', '');
  out.push(
    'JSON over HTTP, served by the `api` function (FC HTTP trigger) and locally by the FC stand-in. The machine-readable',
    'description is `GET /v1/openapi.json` (OpenAPI 3.1). The `xcflow` CLI ([cli.md](cli.md)) speaks this API.',
    '',
  );
  out.push('## Authentication and roles', '');
  out.push(
    'Every `/v1` route except `/v1/openapi.json` needs `Authorization: Bearer <token>`. Tokens (`xcf_` + 43 characters) are',
    'created by an admin (`POST /v1/tokens`, `xcflow token create`) and stored only as SHA-256 hashes. A missing, unknown or',
    'expired token gets `401`; a token whose roles do not allow the route gets `403` (`RoleRequired`). Roles add up: a token',
    'may hold several.',
    '',
  );
  out.push(`| permission | ${ROLES.join(' | ')} |`, `|---|${ROLES.map(() => '---').join('|')}|`);
  for (const [perm, text] of Object.entries(PERMISSION_TEXT) as [Permission, string][]) {
    out.push(`| ${text} | ${ROLES.map((r) => (PERMISSION_ROLES[perm].includes(r) ? '✓' : '')).join(' | ')} |`);
  }
  out.push(
    '',
    'Approvers never decide on their own request (`403 SelfApproval`), and the approval gate of a procedure may name which',
    'roles it accepts. Decisions, cancels and rollbacks are journaled with the principal; every request is logged as one JSON',
    'line (`requestId`, principal, route, status, error code).',
    '',
  );
  out.push('## Validation', '');
  out.push(
    `Before anything is stored, a request is checked: body at most ${BODY_LIMIT_BYTES / 1024} KB (\`413\`), \`application/json\` (\`415\`),`,
    'valid JSON, no unknown fields, right types, well-formed ids and query parameters, and the procedure’s parameter schema',
    'and checks (CIDRs, resource ids) → `400` with `error.field` naming the offending field. A refused request changes nothing.',
    '',
  );
  out.push('## Errors', '');
  out.push('```json', '{ "error": { "code": "InvalidParameter", "message": "params.routeTable must match ^vtb-[a-z0-9]+$", "field": "params.routeTable" } }', '```', '');
  out.push('| status | meaning |', '|---|---|');
  for (const [status, text] of Object.entries(STATUS_TEXT)) out.push(`| ${status} | ${text} |`);
  out.push('| 500 | internal error (details in the function log, by request id `x-request-id`) |', '');
  out.push('Every answer carries `x-request-id`.', '');
  out.push('## Routes', '');
  out.push('| method | path | roles | summary |', '|---|---|---|---|');
  for (const r of ROUTES) out.push(`| ${r.method} | \`${r.path}\` | ${r.permission ? PERMISSION_ROLES[r.permission].join(', ') : 'none'} | ${r.summary} |`);
  out.push('');
  for (const r of ROUTES) {
    out.push(`### ${r.method} ${r.path}`, '');
    out.push(r.summary + '.', '');
    if (r.description) out.push(r.description, '');
    out.push(`Roles: ${r.permission ? PERMISSION_ROLES[r.permission].join(', ') : 'none (no token needed)'}.`, '');
    if (r.pathParams?.length) {
      out.push('| path parameter | format |', '|---|---|');
      for (const p of r.pathParams) out.push(`| \`${p.name}\` | ${p.description}, matching \`${p.pattern}\` |`);
      out.push('');
    }
    if (r.query?.length) {
      out.push('| query parameter | format |', '|---|---|');
      for (const q of r.query) out.push(`| \`${q.name}\` | ${q.description}${schemaText(q.schema) ? ` (${schemaText(q.schema)})` : ''} |`);
      out.push('');
    }
    if (r.body) {
      out.push(`Body (${r.body.required ? 'required' : 'optional'}): ${r.body.description}.`, '');
      out.push('| field | required | format | meaning |', '|---|---|---|---|', ...bodyRows(r.body.schema), '');
    }
    const answers = [
      ...r.responses.map((x) => `\`${x.status}\` ${x.description}${x.schema ? ` (\`${x.schema}\`)` : ''}`),
      ...r.errors.map((s) => `\`${s}\``),
    ];
    out.push(`Answers: ${answers.join('; ')}.`, '');
  }
  out.push('## Shapes', '');
  out.push('The full JSON Schemas are under `components.schemas` of `/v1/openapi.json`. The main ones:', '');
  for (const name of ['Execution', 'ExecutionSummary', 'JournalEntry', 'Procedure', 'Plan', 'Token']) {
    const schema = COMPONENT_SCHEMAS[name] as JsonSchema;
    const props = Object.keys((schema.properties ?? {}) as JsonObject);
    out.push(`- **${name}**: ${props.map((p) => `\`${p}\``).join(', ')}.`);
  }
  out.push('');
  out.push('## Paging', '');
  out.push(
    'Lists answer `{ "items": [...], "nextCursor": "..." | null }`. Pass `nextCursor` as `cursor` to get the next page;',
    '`null` means the last page. Executions are listed newest first, journal entries oldest first.',
    '',
  );
  out.push('## The other ways in: EventBridge and timers', '');
  out.push(
    'The `events` function starts executions from EventBridge events. Rules come from `XCFLOW_EVENT_RULES` (JSON text) or',
    '`XCFLOW_EVENT_RULES_FILE`; each maps an event pattern to a procedure, with parameters taken from the event',
    '(a string that is exactly a path like `$.data.vbrId` is replaced by that field; `$$` writes a literal `$`):',
    '',
    '```json',
    '[{ "name": "vbr-health-check-down", "procedureId": "physical-connection-redundancy",',
    '   "pattern": { "source": ["acs.cen"], "type": [{ "suffix": "HealthCheck:StateChange" }] },',
    '   "params": { "regionId": "$.aliyunregionid", "vbrId": "$.data.vbrId", "mode": "verify" } }]',
    '```',
    '',
    'The event `id` is the idempotency key: however often EventBridge or FC delivers one event, it starts one execution,',
    'requested by `eventbridge:<rule name>` (approval gates apply unless the rule sets `"approvalRequired": false`). Events',
    'the procedure refuses are logged and dropped; transient failures make FC redeliver.',
    '',
    'The `audit` timer starts the `health-audit` procedure (requested by `timer:audit`, one execution per firing); until',
    'that procedure is registered it fails with `AuditNotRegistered`. The `sweep` timer re-drives due executions every minute.',
    '',
  );
  return `${out.join('\n')}`;
}
