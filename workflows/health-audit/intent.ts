/**
 * The audit intent: a small declarative file of what the network is meant to be — critical
 * addresses and their expected next hops, redundant lines (active/active or active/standby),
 * where cloud-service access is required, flows that must work, the health-check settings and
 * performance thresholds — read by the checks (format in docs/intent.md). Validation names the
 * offending field and says what is expected.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ValidationError } from '../../src/errors.ts';
import type { Json } from '../../src/engine/types.ts';
import { parseCidr, parseIpv4 } from '../../src/net/index.ts';
import { stableJson } from '../../src/json.ts';
import { CHECK_IDS, type CheckId } from './types.ts';

/** One line of a redundant group: a VBR and its role. */
export interface IntentLine {
  vbrId: string;
  /** Only with `mode: active-standby`. */
  role?: 'active' | 'standby';
  /** The unused VPC address the line's health check probes from (needed to propose a health check). */
  healthCheckSourceIp?: string;
}

/** A destination in a VPC route table carried by several lines (seed chapter 6). */
export interface IntentRedundancy {
  name?: string;
  routeTableId: string;
  destinationCidrBlock: string;
  /** `active-active`: ECMP, equal weights; `active-standby`: weights 100/0 (seed chapter 6). */
  mode: 'active-active' | 'active-standby';
  lines: IntentLine[];
}

/** An address whose longest-prefix match in a table must land on the expected next hops. */
export interface IntentCriticalAddress {
  name?: string;
  routeTableId: string;
  address: string;
  /** Exact set of next-hop ids of the winning route (router interfaces, CEN id, instance…). */
  expectedNextHopIds?: string[];
  /** Next-hop type of the winning route (`RouterInterface`, `CEN`, `PhysicalConnection`…). */
  expectedNextHopType?: string;
  /** The winning route's prefix. */
  expectedDestinationCidrBlock?: string;
}

/** A flow that must be reachable (probed on every audit). */
export interface IntentFlow {
  name: string;
  source: string;
  destinationIp: string;
  protocol?: 'icmp' | 'tcp' | 'udp';
  port?: number;
}

/** A finding the operators accept; matched by check id and, optionally, one of its resources. */
export interface IntentIgnore {
  checkId: CheckId;
  resource?: string;
  reason: string;
}

/** The intent file. Every section is optional. */
export interface AuditIntent {
  version: 1;
  /** Expected health-check settings; default 2 s × 8 (seed chapter 6). */
  healthCheck: { intervalSeconds: number; threshold: number };
  redundancy: IntentRedundancy[];
  criticalAddresses: IntentCriticalAddress[];
  /**
   * VBRs that must carry 100.64.0.0/11 and 100.96.0.0/11 (seed chapter 1); `verificationSource`
   * (a managed instance `mi-…` or device IP in the data center) is where the proposed
   * `cloud-service-access` verifies from (default: the VBR's customer-side IP).
   */
  cloudAccess: Array<{ vbrId: string; verificationSource?: string }>;
  flows: IntentFlow[];
  /** Drift thresholds against the last `link-performance-test` report. */
  performance: { minBandwidthShare: number; maxUdpLossPercent: number; maxReportAgeDays: number; minPps?: number } | null;
  ignore: IntentIgnore[];
}

/** The intent used when none is given: recommended health checks, nothing declared. */
export const EMPTY_INTENT: AuditIntent = Object.freeze({
  version: 1,
  healthCheck: { intervalSeconds: 2, threshold: 8 },
  redundancy: [],
  criticalAddresses: [],
  cloudAccess: [],
  flows: [],
  performance: null,
  ignore: [],
}) as AuditIntent;

const fail = (field: string, message: string): never => {
  throw new ValidationError(`intent${field ? `: ${field}` : ''}: ${message}`, { code: 'InvalidIntent', field: field ? `intent.${field}` : 'intent' });
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (!isObject(v)) fail(field, `expected an object, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) fail(`${field ? `${field}.` : ''}${k}`, `unknown field; known fields here: ${known.join(', ')}`);
  }
  return o;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `${typeof v} ${JSON.stringify(v)}`;
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(field, `expected an array, got ${describe(v)}`);
  return v as unknown[];
}

function text(v: unknown, field: string, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(field, `expected a non-empty string, got ${describe(v)}`);
  return v as string;
}

function id(v: unknown, field: string, prefix: string): string {
  const s = text(v, field) as string;
  if (!s.startsWith(prefix)) fail(field, `${JSON.stringify(s)} is not a ${prefix}… id`);
  return s;
}

function number(v: unknown, field: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    fail(field, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${describe(v)}`);
  }
  return v as number;
}

function ipv4(v: unknown, field: string): string {
  const s = text(v, field) as string;
  try {
    parseIpv4(s);
  } catch (err) {
    fail(field, (err as Error).message);
  }
  return s;
}

function cidr(v: unknown, field: string): string {
  const s = text(v, field) as string;
  try {
    parseCidr(s);
  } catch (err) {
    fail(field, (err as Error).message);
  }
  return s;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(field, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
  return v as T;
}

function parseRedundancy(v: unknown, f: string): IntentRedundancy {
  const o = object(v, f, ['name', 'routeTableId', 'destinationCidrBlock', 'mode', 'lines']);
  const mode = oneOf(o.mode, `${f}.mode`, ['active-active', 'active-standby'] as const);
  const lines = list(o.lines, `${f}.lines`).map((l, i): IntentLine => {
    const lf = `${f}.lines[${i}]`;
    const lo = object(l, lf, ['vbrId', 'role', 'healthCheckSourceIp']);
    const line: IntentLine = { vbrId: id(lo.vbrId, `${lf}.vbrId`, 'vbr-') };
    if (lo.role !== undefined) line.role = oneOf(lo.role, `${lf}.role`, ['active', 'standby'] as const);
    if (lo.healthCheckSourceIp !== undefined) line.healthCheckSourceIp = ipv4(lo.healthCheckSourceIp, `${lf}.healthCheckSourceIp`);
    return line;
  });
  if (lines.length < 2) fail(`${f}.lines`, `a redundant destination needs at least two lines, got ${lines.length}`);
  const vbrs = new Set(lines.map((l) => l.vbrId));
  if (vbrs.size !== lines.length) fail(`${f}.lines`, 'the same VBR is listed twice');
  if (mode === 'active-standby') {
    lines.forEach((l, i) => {
      if (!l.role) fail(`${f}.lines[${i}].role`, 'active-standby lines need a role: active or standby');
    });
    if (!lines.some((l) => l.role === 'active')) fail(`${f}.lines`, 'active-standby needs one line with role active');
    if (!lines.some((l) => l.role === 'standby')) fail(`${f}.lines`, 'active-standby needs at least one line with role standby');
  } else {
    lines.forEach((l, i) => {
      if (l.role) fail(`${f}.lines[${i}].role`, 'roles are only for mode active-standby; active-active lines are all equal');
    });
  }
  return {
    ...(o.name !== undefined ? { name: text(o.name, `${f}.name`) as string } : {}),
    routeTableId: id(o.routeTableId, `${f}.routeTableId`, 'vtb-'),
    destinationCidrBlock: cidr(o.destinationCidrBlock, `${f}.destinationCidrBlock`),
    mode,
    lines,
  };
}

function parseCritical(v: unknown, f: string): IntentCriticalAddress {
  const o = object(v, f, ['name', 'routeTableId', 'address', 'expectedNextHopIds', 'expectedNextHopType', 'expectedDestinationCidrBlock']);
  const out: IntentCriticalAddress = { routeTableId: id(o.routeTableId, `${f}.routeTableId`, 'vtb-'), address: ipv4(o.address, `${f}.address`) };
  if (o.name !== undefined) out.name = text(o.name, `${f}.name`) as string;
  if (o.expectedNextHopIds !== undefined) {
    const ids = list(o.expectedNextHopIds, `${f}.expectedNextHopIds`).map((x, i) => text(x, `${f}.expectedNextHopIds[${i}]`) as string);
    if (ids.length === 0) fail(`${f}.expectedNextHopIds`, 'give at least one next-hop id (or leave the field out)');
    out.expectedNextHopIds = ids;
  }
  if (o.expectedNextHopType !== undefined) out.expectedNextHopType = text(o.expectedNextHopType, `${f}.expectedNextHopType`) as string;
  if (o.expectedDestinationCidrBlock !== undefined) out.expectedDestinationCidrBlock = cidr(o.expectedDestinationCidrBlock, `${f}.expectedDestinationCidrBlock`);
  if (!out.expectedNextHopIds && !out.expectedNextHopType && !out.expectedDestinationCidrBlock) {
    fail(f, 'say what is expected: expectedNextHopIds, expectedNextHopType and/or expectedDestinationCidrBlock');
  }
  return out;
}

function parseFlow(v: unknown, f: string): IntentFlow {
  const o = object(v, f, ['name', 'source', 'destinationIp', 'protocol', 'port']);
  const flow: IntentFlow = { name: text(o.name, `${f}.name`) as string, source: text(o.source, `${f}.source`) as string, destinationIp: ipv4(o.destinationIp, `${f}.destinationIp`) };
  if (o.protocol !== undefined) flow.protocol = oneOf(o.protocol, `${f}.protocol`, ['icmp', 'tcp', 'udp'] as const);
  if (o.port !== undefined) flow.port = number(o.port, `${f}.port`, 1, 65535, true);
  if (flow.protocol === 'tcp' && flow.port === undefined) fail(`${f}.port`, 'a tcp flow needs a port');
  return flow;
}

/**
 * Validates an intent document (parsed JSON) and fills in defaults.
 * @throws ValidationError (code `InvalidIntent`, `field` = `intent.<path>`) naming the first problem
 */
export function parseIntent(doc: unknown): AuditIntent {
  const o = object(doc, '', ['$schema', 'version', 'description', 'healthCheck', 'redundancy', 'criticalAddresses', 'cloudAccess', 'flows', 'performance', 'ignore']);
  if (o.version !== 1) fail('version', `expected 1 (the only intent format so far), got ${describe(o.version)}`);
  if (o.description !== undefined) text(o.description, 'description');
  let healthCheck = EMPTY_INTENT.healthCheck;
  if (o.healthCheck !== undefined) {
    const h = object(o.healthCheck, 'healthCheck', ['intervalSeconds', 'threshold']);
    healthCheck = {
      // The allowed ranges of EnableCenVbrHealthCheck (alibaba-api.md §5): expecting more is a typo.
      intervalSeconds: h.intervalSeconds === undefined ? 2 : number(h.intervalSeconds, 'healthCheck.intervalSeconds', 2, 3, true),
      threshold: h.threshold === undefined ? 8 : number(h.threshold, 'healthCheck.threshold', 3, 8, true),
    };
  }
  const redundancy = list(o.redundancy, 'redundancy').map((r, i) => parseRedundancy(r, `redundancy[${i}]`));
  const seen = new Set<string>();
  redundancy.forEach((r, i) => {
    const k = `${r.routeTableId}|${r.destinationCidrBlock}`;
    if (seen.has(k)) fail(`redundancy[${i}]`, `${r.destinationCidrBlock} in ${r.routeTableId} is declared twice`);
    seen.add(k);
  });
  const criticalAddresses = list(o.criticalAddresses, 'criticalAddresses').map((c, i) => parseCritical(c, `criticalAddresses[${i}]`));
  const cloudAccess = list(o.cloudAccess, 'cloudAccess').map((c, i) => {
    const co = object(c, `cloudAccess[${i}]`, ['vbrId', 'verificationSource']);
    return {
      vbrId: id(co.vbrId, `cloudAccess[${i}].vbrId`, 'vbr-'),
      ...(co.verificationSource !== undefined ? { verificationSource: text(co.verificationSource, `cloudAccess[${i}].verificationSource`) as string } : {}),
    };
  });
  const flows = list(o.flows, 'flows').map((x, i) => parseFlow(x, `flows[${i}]`));
  const names = new Set<string>();
  flows.forEach((x, i) => {
    if (names.has(x.name)) fail(`flows[${i}].name`, `flow name ${JSON.stringify(x.name)} is used twice`);
    names.add(x.name);
  });
  let performance: AuditIntent['performance'] = null;
  if (o.performance !== undefined) {
    const p = object(o.performance, 'performance', ['minBandwidthShare', 'maxUdpLossPercent', 'maxReportAgeDays', 'minPps']);
    performance = {
      minBandwidthShare: p.minBandwidthShare === undefined ? 0.8 : number(p.minBandwidthShare, 'performance.minBandwidthShare', 0, 1),
      maxUdpLossPercent: p.maxUdpLossPercent === undefined ? 1 : number(p.maxUdpLossPercent, 'performance.maxUdpLossPercent', 0, 100),
      maxReportAgeDays: p.maxReportAgeDays === undefined ? 30 : number(p.maxReportAgeDays, 'performance.maxReportAgeDays', 0, 3650),
      ...(p.minPps !== undefined ? { minPps: number(p.minPps, 'performance.minPps', 0, 1e12) } : {}),
    };
  }
  const ignore = list(o.ignore, 'ignore').map((x, i): IntentIgnore => {
    const f = `ignore[${i}]`;
    const io = object(x, f, ['checkId', 'resource', 'reason']);
    return {
      checkId: oneOf(io.checkId, `${f}.checkId`, CHECK_IDS),
      ...(io.resource !== undefined ? { resource: text(io.resource, `${f}.resource`) as string } : {}),
      reason: text(io.reason, `${f}.reason`) as string,
    };
  });
  return { version: 1, healthCheck, redundancy, criticalAddresses, cloudAccess, flows, performance, ignore };
}

/**
 * Reads and validates an intent file.
 * @throws ValidationError (code `InvalidIntent`) for an unreadable file, bad JSON or a bad document
 */
export function loadIntentFile(path: string): AuditIntent {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(`intent file ${path} cannot be read: ${(err as Error).message}`, { code: 'InvalidIntent', field: 'intent', cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`intent file ${path} is not JSON: ${(err as Error).message}`, { code: 'InvalidIntent', field: 'intent', cause: err });
  }
  return parseIntent(doc);
}

/** A short digest of the intent, stored with each run (which intent judged it). */
export function intentDigest(intent: AuditIntent): string {
  return createHash('sha256').update(stableJson(intent as unknown as Json)).digest('hex').slice(0, 16);
}
