/**
 * EventBridge event-pattern matching for the stand-in's eventbridge triggers
 * (EventBridge docs "Event patterns", help.aliyun.com/document_detail/181432).
 * A pattern is an object whose keys name event fields; a leaf is a list of conditions, any of which
 * may match: a literal (exact), `{prefix}`, `{suffix}`, `{anything-but: literal | [..] | {prefix}}`,
 * `{numeric: [op, n, (op, n)]}`, `{exists: bool}` or `{cidr: 'a.b.c.d/n'}`. Nested objects recurse;
 * an array field in the event matches when any element does.
 */
import { ValidationError } from '../../errors.ts';

type Condition = unknown;

function ipv4ToInt(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function inCidr(value: unknown, cidr: string): boolean {
  if (typeof value !== 'string') return false;
  const [base, lenText] = cidr.split('/');
  const ip = ipv4ToInt(value);
  const net = base === undefined ? undefined : ipv4ToInt(base);
  const len = lenText === undefined ? 32 : Number(lenText);
  if (ip === undefined || net === undefined || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const size = 2 ** (32 - len);
  return Math.floor(ip / size) === Math.floor(net / size);
}

function numericMatch(value: unknown, spec: unknown): boolean {
  if (typeof value !== 'number' || !Array.isArray(spec)) return false;
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof n !== 'number') return false;
    const ok =
      op === '=' ? value === n : op === '<' ? value < n : op === '<=' ? value <= n : op === '>' ? value > n : op === '>=' ? value >= n : false;
    if (!ok) return false;
  }
  return true;
}

function conditionMatches(cond: Condition, value: unknown, present: boolean): boolean {
  if (cond === null || typeof cond !== 'object') return present && value === cond;
  const c = cond as Record<string, unknown>;
  if ('exists' in c) return c.exists === present;
  if (!present) return false;
  if ('prefix' in c) return typeof value === 'string' && typeof c.prefix === 'string' && value.startsWith(c.prefix);
  if ('suffix' in c) return typeof value === 'string' && typeof c.suffix === 'string' && value.endsWith(c.suffix);
  if ('numeric' in c) return numericMatch(value, c.numeric);
  if ('cidr' in c) return typeof c.cidr === 'string' && inCidr(value, c.cidr);
  if ('anything-but' in c) {
    const but = c['anything-but'];
    if (Array.isArray(but)) return !but.includes(value);
    if (but !== null && typeof but === 'object') {
      const p = (but as Record<string, unknown>).prefix;
      return !(typeof value === 'string' && typeof p === 'string' && value.startsWith(p));
    }
    return value !== but;
  }
  return false;
}

function leafMatches(conditions: unknown, value: unknown, present: boolean): boolean {
  const list = Array.isArray(conditions) ? conditions : [conditions];
  const values = Array.isArray(value) ? value : [value];
  return list.some((cond) => values.some((v) => conditionMatches(cond, v, present)));
}

/** Whether `event` satisfies `pattern`. An empty pattern matches everything. */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const obj = event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  for (const [key, spec] of Object.entries(pattern)) {
    const present = Object.prototype.hasOwnProperty.call(obj, key);
    const value = obj[key];
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      if (!present || !matchesEventPattern(spec as Record<string, unknown>, value)) return false;
    } else if (!leafMatches(spec, value, present)) {
      return false;
    }
  }
  return true;
}

/**
 * Parses an `eventRuleFilterPattern` (a JSON string in s.yaml).
 * @throws ValidationError when it is not a JSON object.
 */
export function parseEventPattern(text: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof text !== 'string') return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`eventRuleFilterPattern is not JSON: ${(err as Error).message}`, {
      code: 'InvalidEventPattern',
      field: 'eventRuleFilterPattern',
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('eventRuleFilterPattern must be a JSON object', { code: 'InvalidEventPattern', field: 'eventRuleFilterPattern' });
  }
  return parsed as Record<string, unknown>;
}
