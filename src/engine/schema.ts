/**
 * A small JSON Schema validator for procedure parameters. It covers the subset procedures use:
 * `type` (one or several), `properties`, `required`, `additionalProperties: false` (or a schema),
 * `enum`, `const`, `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`, `items`,
 * `minItems`/`maxItems`, `uniqueItems`. Unknown keywords (`description`, `title`, `default`,
 * `format`…) are ignored, as the specification allows.
 */
import { ValidationError } from '../errors.ts';
import type { Json, JsonSchema } from './types.ts';

/** One problem found in a value, with the JSON path of the offending field. */
export interface SchemaIssue {
  path: string;
  message: string;
}

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: Json, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function isSchema(value: Json | undefined): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

function collect(schema: JsonSchema, value: Json, path: string, out: SchemaIssue[]): void {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((t) => typeof t === 'string' && matchesType(value, t))) {
    out.push({ path, message: `must be of type ${types.join(' or ')}, got ${typeOf(value)}` });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    out.push({ path, message: `must equal ${JSON.stringify(schema.const)}` });
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      out.push({ path, message: `must match ${schema.pattern}` });
    }
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) {
      out.push({ path, message: `must be at least ${schema.minLength} characters` });
    }
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) {
      out.push({ path, message: `must be at most ${schema.maxLength} characters` });
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) out.push({ path, message: `must be ≥ ${schema.minimum}` });
    if (typeof schema.maximum === 'number' && value > schema.maximum) out.push({ path, message: `must be ≤ ${schema.maximum}` });
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
      out.push({ path, message: `must be > ${schema.exclusiveMinimum}` });
    }
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
      out.push({ path, message: `must be < ${schema.exclusiveMaximum}` });
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) out.push({ path, message: `must have at least ${schema.minItems} items` });
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) out.push({ path, message: `must have at most ${schema.maxItems} items` });
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      out.push({ path, message: 'must not contain duplicates' });
    }
    if (isSchema(schema.items)) {
      const items = schema.items;
      value.forEach((item, i) => collect(items, item, join(path, i), out));
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value;
    const properties = isSchema(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const key of schema.required) {
        if (typeof key === 'string' && !(key in obj)) out.push({ path: join(path, key), message: 'is required' });
      }
    }
    for (const [key, child] of Object.entries(obj)) {
      const propSchema = properties[key];
      if (isSchema(propSchema)) collect(propSchema, child, join(path, key), out);
      else if (schema.additionalProperties === false) out.push({ path: join(path, key), message: 'is not an allowed field' });
      else if (isSchema(schema.additionalProperties)) collect(schema.additionalProperties, child, join(path, key), out);
    }
  }
}

/** Every problem of `value` against `schema`; empty when valid. */
export function schemaIssues(schema: JsonSchema, value: unknown, root = 'params'): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  // Values parsed from JSON are Json; anything else (undefined, functions) fails the type checks.
  collect(schema, value as Json, root, out);
  return out;
}

/**
 * Checks `value` against `schema`.
 * @throws ValidationError code `InvalidParameter` naming the first offending field and listing all.
 */
export function assertMatchesSchema(schema: JsonSchema, value: unknown, root = 'params'): void {
  const issues = schemaIssues(schema, value, root);
  if (issues.length === 0) return;
  const first = issues[0];
  const message = issues.map((i) => `${i.path} ${i.message}`).join('; ');
  throw new ValidationError(message, { code: 'InvalidParameter', field: first.path });
}
