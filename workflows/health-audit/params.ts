/**
 * Parameters of `health-audit`: what to read (regions, CEN instances), the intent (inline, or the
 * deployment's default), which checks to run and whether to propose remediations. Every field is
 * optional: the timer starts it with `{}`.
 */
import { ValidationError } from '../../src/errors.ts';
import type { JsonObject, JsonSchema } from '../../src/engine/types.ts';
import { parseIntent, type AuditIntent } from './intent.ts';
import { CHECK_IDS, type CheckId } from './types.ts';

/** JSON schema of the parameters (the engine checks it; `parseAuditParams` checks the rest). */
export const auditParamsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    regionIds: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true, description: "Regions to audit (default: the cloud clients' region)" },
    cenIds: { type: 'array', items: { type: 'string', pattern: '^cen-' }, uniqueItems: true, description: 'CEN instances to audit (default: all)' },
    intent: { type: 'object', description: 'The intent document (docs/intent.md); default: the deployment intent, or none' },
    checks: { type: 'array', items: { enum: [...CHECK_IDS] }, minItems: 1, uniqueItems: true, description: 'Run only these checks (default: all fifteen)' },
    proposeRemediations: { type: 'boolean', default: true, description: 'Start approval-gated executions for findings with a safe fix' },
  },
};

/** Parsed parameters. */
export interface AuditParams {
  regionIds: string[] | null;
  cenIds: string[] | null;
  /** The inline intent, validated; null = use the deployment's default. */
  intent: AuditIntent | null;
  checks: CheckId[] | null;
  proposeRemediations: boolean;
}

function strings(v: unknown, field: string): string[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length === 0)) {
    throw new ValidationError(`${field} must be a list of non-empty strings`, { code: 'InvalidParameter', field });
  }
  return v as string[];
}

/**
 * Reads the parameters.
 * @throws ValidationError (`InvalidParameter`, or `InvalidIntent` naming the intent field)
 */
export function parseAuditParams(params: JsonObject): AuditParams {
  const known = Object.keys((auditParamsSchema.properties ?? {}) as JsonObject);
  for (const k of Object.keys(params)) {
    if (!known.includes(k)) throw new ValidationError(`unknown parameter ${k}; known: ${known.join(', ')}`, { code: 'InvalidParameter', field: k });
  }
  const checks = strings(params.checks, 'checks');
  for (const c of checks ?? []) {
    if (!(CHECK_IDS as readonly string[]).includes(c)) throw new ValidationError(`unknown check ${c}; checks are ${CHECK_IDS.join(', ')}`, { code: 'InvalidParameter', field: 'checks' });
  }
  if (params.proposeRemediations !== undefined && typeof params.proposeRemediations !== 'boolean') {
    throw new ValidationError('proposeRemediations must be true or false', { code: 'InvalidParameter', field: 'proposeRemediations' });
  }
  return {
    regionIds: strings(params.regionIds, 'regionIds'),
    cenIds: strings(params.cenIds, 'cenIds'),
    intent: params.intent === undefined ? null : parseIntent(params.intent),
    checks: checks as CheckId[] | null,
    proposeRemediations: params.proposeRemediations !== false,
  };
}
