/**
 * Parameters of `remove-migration-leftovers`: the table, the CEN route the leftovers split, and
 * the leftover routes with their next hops (as the audit's `migration-leftovers` finding derives
 * them).
 */
import { ValidationError } from '../../../src/errors.ts';
import type { JsonObject, JsonSchema } from '../../../src/engine/types.ts';
import { containsCidr, parseCidr } from '../../../src/net/index.ts';
import type { NextHopFact } from '../../shared/ops.ts';

/** JSON schema of the parameters. */
export const cleanupParamsSchema: JsonSchema = {
  type: 'object',
  required: ['regionId', 'routeTableId', 'cenId', 'childInstanceId', 'childInstanceType', 'coveringCidrBlock', 'routes'],
  additionalProperties: false,
  properties: {
    regionId: { type: 'string', minLength: 1 },
    routeTableId: { type: 'string', pattern: '^vtb-' },
    cenId: { type: 'string', pattern: '^cen-' },
    childInstanceId: { type: 'string', minLength: 1, description: 'The VPC or VBR owning the table (CEN child)' },
    childInstanceType: { enum: ['VPC', 'VBR'] },
    coveringCidrBlock: { type: 'string', description: 'The CEN route that must be Active and cover every removed route' },
    routes: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        required: ['destinationCidrBlock', 'nextHops'],
        additionalProperties: false,
        properties: {
          destinationCidrBlock: { type: 'string' },
          nextHops: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['nextHopType', 'nextHopId'],
              additionalProperties: false,
              properties: { nextHopType: { type: 'string' }, nextHopId: { type: 'string' }, weight: { type: 'integer', minimum: 0 } },
            },
          },
        },
      },
    },
  },
};

/** One route to remove. */
export interface LeftoverRoute {
  destinationCidrBlock: string;
  nextHops: NextHopFact[];
}

/** Parsed parameters. */
export interface CleanupParams {
  regionId: string;
  routeTableId: string;
  cenId: string;
  childInstanceId: string;
  childInstanceType: 'VPC' | 'VBR';
  coveringCidrBlock: string;
  routes: LeftoverRoute[];
}

/**
 * Reads the parameters and checks that every route lies strictly inside the covering CEN route.
 * @throws ValidationError (`InvalidParameter`, `InvalidCidr`, `RouteNotCovered`)
 */
export function parseCleanupParams(p: JsonObject): CleanupParams {
  const str = (k: string): string => {
    const v = p[k];
    if (typeof v !== 'string' || v.length === 0) throw new ValidationError(`${k} is required`, { code: 'InvalidParameter', field: k });
    return v;
  };
  const type = str('childInstanceType');
  if (type !== 'VPC' && type !== 'VBR') throw new ValidationError('childInstanceType must be VPC or VBR', { code: 'InvalidParameter', field: 'childInstanceType' });
  const covering = parseCidr(str('coveringCidrBlock'), 'coveringCidrBlock');
  if (!Array.isArray(p.routes) || p.routes.length === 0) throw new ValidationError('routes must list at least one route', { code: 'InvalidParameter', field: 'routes' });
  const routes = p.routes.map((r, i): LeftoverRoute => {
    const o = (r ?? {}) as JsonObject;
    const cidr = typeof o.destinationCidrBlock === 'string' ? o.destinationCidrBlock : '';
    const c = parseCidr(cidr, `routes[${i}].destinationCidrBlock`);
    if (!containsCidr(covering, c) || c.length === covering.length) {
      throw new ValidationError(`routes[${i}] ${cidr} is not strictly inside the covering CEN route ${str('coveringCidrBlock')}: deleting it could leave its addresses without a route`, {
        code: 'RouteNotCovered',
        field: `routes[${i}].destinationCidrBlock`,
      });
    }
    const hops = Array.isArray(o.nextHops) ? o.nextHops : [];
    if (hops.length === 0) throw new ValidationError(`routes[${i}].nextHops must list the next hops`, { code: 'InvalidParameter', field: `routes[${i}].nextHops` });
    return {
      destinationCidrBlock: cidr,
      nextHops: hops.map((h, j) => {
        const ho = (h ?? {}) as JsonObject;
        if (typeof ho.nextHopType !== 'string' || typeof ho.nextHopId !== 'string') {
          throw new ValidationError(`routes[${i}].nextHops[${j}] needs nextHopType and nextHopId`, { code: 'InvalidParameter', field: `routes[${i}].nextHops[${j}]` });
        }
        return { nextHopType: ho.nextHopType, nextHopId: ho.nextHopId, ...(typeof ho.weight === 'number' ? { weight: ho.weight } : {}) };
      }),
    };
  });
  return { regionId: str('regionId'), routeTableId: str('routeTableId'), cenId: str('cenId'), childInstanceId: str('childInstanceId'), childInstanceType: type, coveringCidrBlock: str('coveringCidrBlock'), routes };
}
