/**
 * EventBridge → executions. Rules in the configuration map an event pattern (EventBridge syntax,
 * e.g. a physical connection or VBR health-check state change) to a procedure, with parameters
 * taken from the event. The event's `id` is the idempotency key of the start, so every duplicate
 * delivery of one event (EventBridge and FC async are at-least-once) starts one execution.
 *
 * Rule file (`XCFLOW_EVENT_RULES` as JSON text, or `XCFLOW_EVENT_RULES_FILE`):
 *
 *   [{ "name": "vbr-down-failover-check",
 *      "pattern": { "source": ["acs.vpc"], "type": [{ "suffix": "StateChange" }], "data": { "status": ["down"] } },
 *      "procedureId": "physical-connection-redundancy",
 *      "params": { "regionId": "$.aliyunregionid", "vbrIds": ["$.data.vbrId"], "mode": "verify" } }]
 *
 * In `params`, a string that is exactly a path `$.a.b[0]` is replaced by that value of the event;
 * `$$…` stands for a literal string starting with `$`; everything else is taken literally.
 */
import { readFileSync } from 'node:fs';
import { ValidationError, XcflowError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { schemaIssues } from '../engine/schema.ts';
import type { Json, JsonObject, JsonSchema } from '../engine/types.ts';
import { matchesEventPattern } from '../local/fc/eventbridge.ts';
import { PROCEDURE_ID_PATTERN } from './validation.ts';

/** One rule: which events start which procedure with which parameters. */
export interface EventRule {
  /** Unique name; the executions it starts are requested by `eventbridge:<name>`. */
  name: string;
  /** EventBridge event pattern (`{prefix}`, `{suffix}`, `{anything-but}`, `{numeric}`, `{exists}`, `{cidr}` and literals). */
  pattern: JsonObject;
  procedureId: string;
  /** Parameter template (see the module comment). */
  params: JsonObject;
  /** Default true. Rules are written by whoever deploys, so they may turn the approval gate off. */
  approvalRequired?: boolean;
}

const RULES_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'pattern', 'procedureId', 'params'],
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
      pattern: { type: 'object' },
      procedureId: { type: 'string', pattern: PROCEDURE_ID_PATTERN },
      params: { type: 'object' },
      approvalRequired: { type: 'boolean' },
      description: { type: 'string' },
    },
  },
};

/**
 * Checks a rule list.
 * @throws ValidationError `InvalidEventRules` naming the field (`rules[1].procedureId`).
 */
export function parseEventRules(value: unknown): EventRule[] {
  const issues = schemaIssues(RULES_SCHEMA, value as Json, 'rules');
  const first = issues[0];
  if (first) throw new ValidationError(`event rules: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { code: 'InvalidEventRules', field: first.path });
  const rules = value as unknown as EventRule[];
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    if (seen.has(r.name)) throw new ValidationError(`event rules: rule name ${r.name} is used twice`, { code: 'InvalidEventRules', field: `rules[${i}].name` });
    seen.add(r.name);
    checkTemplate(r.params, `rules[${i}].params`);
  });
  return rules.map(({ name, pattern, procedureId, params, approvalRequired }) => ({
    name,
    pattern,
    procedureId,
    params,
    ...(approvalRequired === undefined ? {} : { approvalRequired }),
  }));
}

const PATH_RE = /^\$((?:\.[A-Za-z_][\w-]*|\[\d+\])+)$/;

function checkTemplate(value: Json, field: string): void {
  if (typeof value === 'string' && value.startsWith('$') && !value.startsWith('$$') && !PATH_RE.test(value)) {
    throw new ValidationError(`event rules: ${field} ${JSON.stringify(value)} is not a path like $.data.vbrId (write $$ for a literal $)`, {
      code: 'InvalidEventRules',
      field,
    });
  }
  if (Array.isArray(value)) value.forEach((v, i) => checkTemplate(v, `${field}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkTemplate(v, `${field}.${k}`);
}

/**
 * Reads the rules from `XCFLOW_EVENT_RULES` (JSON) or `XCFLOW_EVENT_RULES_FILE` (a JSON file);
 * none set = no rules.
 * @throws ValidationError `InvalidEventRules` for unreadable or invalid rules.
 */
export function eventRulesFromEnv(env: Record<string, string | undefined>): EventRule[] {
  const inline = env.XCFLOW_EVENT_RULES?.trim();
  const file = env.XCFLOW_EVENT_RULES_FILE?.trim();
  if (!inline && !file) return [];
  let text: string;
  const source = inline ? 'XCFLOW_EVENT_RULES' : (file as string);
  try {
    text = inline ? inline : readFileSync(file as string, 'utf8');
  } catch (err) {
    throw new ValidationError(`event rules: cannot read ${source}: ${(err as Error).message}`, { code: 'InvalidEventRules', field: 'XCFLOW_EVENT_RULES_FILE' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`event rules: ${source} is not JSON: ${(err as Error).message}`, { code: 'InvalidEventRules', field: source });
  }
  return parseEventRules(parsed);
}

function lookup(event: Json, path: string): Json | undefined {
  let cur: Json | undefined = event;
  for (const m of path.matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (m[1] !== undefined) cur = Array.isArray(cur) ? undefined : cur[m[1]];
    else cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return cur;
}

/**
 * The parameters a rule makes from an event.
 * @throws ValidationError `EventFieldMissing` when a referenced event field is absent.
 */
export function renderParams(template: JsonObject, event: JsonObject, ruleName: string): JsonObject {
  const render = (value: Json, field: string): Json => {
    if (typeof value === 'string') {
      if (value.startsWith('$$')) return value.slice(1);
      const m = PATH_RE.exec(value);
      if (!m?.[1]) return value;
      const found = lookup(event, m[1]);
      if (found === undefined) {
        throw new ValidationError(`rule ${ruleName}: the event has no ${value} (for ${field})`, { code: 'EventFieldMissing', field });
      }
      return found;
    }
    if (Array.isArray(value)) return value.map((v, i) => render(v, `${field}[${i}]`));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, `${field}.${k}`)]));
    return value;
  };
  return render(template, 'params') as JsonObject;
}

/** What happened to one (event, rule) pair. */
export interface EventOutcome {
  eventId: string | null;
  rule: string | null;
  outcome: 'started' | 'refused' | 'unmatched' | 'failed';
  executionId?: string;
  error?: { code: string; message: string; field?: string };
}

/** Result of handling one delivery (one event or a batch). */
export interface EventsResult {
  events: number;
  outcomes: EventOutcome[];
}

/** Errors that no retry can fix: the event or the rule is wrong. Logged and dropped. */
function isRefusal(err: unknown): err is XcflowError {
  return err instanceof XcflowError && (err.kind === 'validation' || err.kind === 'not_found' || err.kind === 'conflict' || err.kind === 'forbidden');
}

/**
 * Starts the executions an EventBridge delivery asks for. `payload` is one CloudEvents object or an
 * array of them (batched delivery). Refusals (an event without `id`, parameters the procedure
 * refuses, an unknown procedure) are reported, not thrown, since redelivery cannot fix them.
 * @throws the first transient or internal failure after trying every pair, so FC redelivers
 * (pairs already started are then found by their idempotency key, not started again).
 */
export async function handleCloudEvents(engine: Engine, rules: readonly EventRule[], payload: unknown, log: (line: JsonObject) => void = () => undefined): Promise<EventsResult> {
  const events = Array.isArray(payload) ? payload : [payload];
  const outcomes: EventOutcome[] = [];
  let failure: unknown;
  for (const raw of events) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      outcomes.push({ eventId: null, rule: null, outcome: 'refused', error: { code: 'InvalidEvent', message: 'an event must be a JSON object' } });
      continue;
    }
    const event = raw as JsonObject;
    const eventId = typeof event.id === 'string' && event.id.length > 0 ? event.id : null;
    const matching = rules.filter((r) => matchesEventPattern(r.pattern, event));
    if (matching.length === 0) {
      outcomes.push({ eventId, rule: null, outcome: 'unmatched' });
      continue;
    }
    for (const rule of matching) {
      if (!eventId) {
        outcomes.push({ eventId, rule: rule.name, outcome: 'refused', error: { code: 'InvalidEvent', message: 'the event has no id: it cannot be de-duplicated', field: 'id' } });
        continue;
      }
      try {
        const params = renderParams(rule.params, event, rule.name);
        const view = await engine.start(rule.procedureId, params, {
          requestedBy: `eventbridge:${rule.name}`,
          idempotencyKey: `event:${eventId}`.slice(0, 200),
          approvalRequired: rule.approvalRequired ?? true,
        });
        outcomes.push({ eventId, rule: rule.name, outcome: 'started', executionId: view.id });
      } catch (err) {
        if (isRefusal(err)) {
          outcomes.push({ eventId, rule: rule.name, outcome: 'refused', error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
        } else {
          failure ??= err;
          const message = err instanceof Error ? err.message : String(err);
          outcomes.push({ eventId, rule: rule.name, outcome: 'failed', error: { code: err instanceof XcflowError ? err.code : 'InternalError', message } });
        }
      }
    }
  }
  for (const o of outcomes) log({ kind: 'event', ...(o as unknown as JsonObject) });
  if (failure !== undefined) throw failure;
  return { events: events.length, outcomes };
}
