/**
 * Parameters of `rollback-migration`: the undo list (compensations, applied first to last) and
 * the mode, plus helpers that build them from a migration execution's record.
 */
import { ValidationError } from '../../src/errors.ts';
import type { JsonObject, JsonSchema } from '../../src/engine/types.ts';
import { parseCidr, parseIpv4 } from '../../src/net/index.ts';
import { COMPENSATION_KINDS, type Compensation } from '../migration/compensation.ts';
import type { FlowParam, MigrationMode } from '../migration/types.ts';

/** Params of `rollback-migration`. */
export interface RollbackParams {
  regionId: string;
  /** smooth: re-add the detailed routes around each peering route; intermittent: re-add it directly. */
  mode: MigrationMode;
  /** Undo steps in the order to apply them (a migration's saga list is already newest first). */
  compensations: Compensation[];
  flows?: FlowParam[];
  /** The execution this rollback undoes, for the record. */
  sourceExecutionId?: string;
}

/** JSON schema of `rollback-migration` params. */
export const rollbackParamsSchema: JsonSchema = {
  type: 'object',
  required: ['regionId', 'compensations'],
  additionalProperties: false,
  properties: {
    regionId: { type: 'string', minLength: 1 },
    mode: { enum: ['smooth', 'intermittent'], default: 'smooth' },
    compensations: {
      type: 'array',
      items: { type: 'object', required: ['kind', 'regionId'], properties: { kind: { enum: [...COMPENSATION_KINDS] } } },
    },
    flows: {
      type: 'array',
      items: { type: 'object', required: ['name', 'source', 'destinationIp'], properties: { name: { type: 'string' }, source: { type: 'string' }, destinationIp: { type: 'string' } } },
    },
    sourceExecutionId: { type: 'string' },
  },
};

const REQUIRED: Record<Compensation['kind'], string[]> = {
  restoreProtectionLevel: ['cenId', 'protectionLevel'],
  detachChild: ['cenId', 'childInstanceId', 'childInstanceType'],
  reattachChild: ['cenId', 'childInstanceId', 'childInstanceType'],
  withdrawPublishedRoute: ['cenId', 'childInstanceId', 'childInstanceType', 'routeTableId', 'destinationCidrBlock'],
  removeRoute: ['routeTableId', 'destinationCidrBlock'],
  restoreRoute: ['routeTableId', 'destinationCidrBlock'],
  removeBgpNetwork: ['vbrId', 'dstCidrBlock'],
  restoreBgpNetwork: ['vbrId', 'dstCidrBlock'],
  restoreRouterInterfaceHealthCheck: ['routerInterfaceId'],
  restoreCenVbrHealthCheck: ['cenId', 'vbrId'],
};

function fail(message: string, field: string): never {
  throw new ValidationError(message, { code: 'InvalidParameter', field });
}

/** Checks one undo step's shape. @throws ValidationError naming the field */
function parseCompensation(raw: unknown, i: number): Compensation {
  const f = `compensations[${i}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${f} must be an object`, f);
  const o = raw as JsonObject;
  const kind = o.kind;
  if (typeof kind !== 'string' || !(COMPENSATION_KINDS as readonly string[]).includes(kind)) fail(`${f}.kind must be one of ${COMPENSATION_KINDS.join(', ')}`, `${f}.kind`);
  for (const k of ['regionId', ...REQUIRED[kind as Compensation['kind']]]) {
    if (typeof o[k] !== 'string' || o[k] === '') fail(`${f}.${k} is required for ${kind}`, `${f}.${k}`);
  }
  for (const k of ['destinationCidrBlock', 'dstCidrBlock']) if (typeof o[k] === 'string') parseCidr(o[k] as string, `${f}.${k}`);
  if (kind === 'removeRoute' || kind === 'restoreRoute') {
    if (!Array.isArray(o.nextHops) || o.nextHops.length === 0) fail(`${f}.nextHops must list the next hops`, `${f}.nextHops`);
  }
  return o as unknown as Compensation;
}

/** Checks and normalizes `rollback-migration` params. @throws ValidationError naming the field */
export function parseRollbackParams(raw: unknown): RollbackParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('params must be an object', 'params');
  const o = raw as JsonObject;
  for (const k of Object.keys(o)) if (!['regionId', 'mode', 'compensations', 'flows', 'sourceExecutionId'].includes(k)) fail(`unknown parameter ${k}`, k);
  if (typeof o.regionId !== 'string' || o.regionId === '') fail('regionId is required', 'regionId');
  const mode = o.mode ?? 'smooth';
  if (mode !== 'smooth' && mode !== 'intermittent') fail('mode must be "smooth" or "intermittent"', 'mode');
  if (!Array.isArray(o.compensations)) fail('compensations must be a list', 'compensations');
  const flows = o.flows === undefined ? undefined : Array.isArray(o.flows) ? o.flows : fail('flows must be a list', 'flows');
  return {
    regionId: o.regionId,
    mode,
    compensations: o.compensations.map(parseCompensation),
    ...(flows
      ? {
          flows: flows.map((x, i): FlowParam => {
            const fo = (x ?? {}) as JsonObject;
            if (typeof fo.name !== 'string' || typeof fo.source !== 'string' || typeof fo.destinationIp !== 'string') fail(`flows[${i}] needs name, source and destinationIp`, `flows[${i}]`);
            parseIpv4(fo.destinationIp, `flows[${i}].destinationIp`);
            return { name: fo.name, source: fo.source, destinationIp: fo.destinationIp };
          }),
        }
      : {}),
    ...(typeof o.sourceExecutionId === 'string' ? { sourceExecutionId: o.sourceExecutionId } : {}),
  };
}

/**
 * Rollback params from a migration execution's record (its params and context): the undo steps
 * still recorded in its saga, newest first, in the mode it ran with.
 * @throws ValidationError when the record is not a migration's
 */
export function rollbackParamsFromExecution(record: { id: string; procedureId: string; params: JsonObject; context: JsonObject }): RollbackParams {
  if (record.procedureId !== 'migrate-vpc-to-cen' && record.procedureId !== 'migrate-vbr-to-cen') {
    throw new ValidationError(`execution ${record.id} is a ${record.procedureId}, not a migration`, { code: 'NotAMigration', field: 'executionId' });
  }
  const compensations = Array.isArray(record.context.compensations) ? record.context.compensations : [];
  const mode = record.params.mode === 'intermittent' ? 'intermittent' : 'smooth';
  return parseRollbackParams({
    regionId: record.params.regionId,
    mode,
    compensations,
    ...(Array.isArray(record.params.flows) ? { flows: record.params.flows } : {}),
    sourceExecutionId: record.id,
  });
}
