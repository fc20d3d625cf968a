/**
 * Request validation, done before anything is stored: body size (128 KB, FC's async payload
 * limit, so whatever the API accepts can travel on as an async event), content type, JSON syntax,
 * the body's JSON schema (unknown fields, wrong types), query parameters and path ids. Every
 * refusal names the offending field.
 */
import { ValidationError } from '../errors.ts';
import { schemaIssues } from '../engine/schema.ts';
import type { Json, JsonObject, JsonSchema } from '../engine/types.ts';
import { HttpError } from './http.ts';

/** Largest accepted request body: 128 KB. */
export const BODY_LIMIT_BYTES = 128 * 1024;

/** Execution ids as the engine makes them (`ex-` + base-36 time and randomness). */
export const EXECUTION_ID_PATTERN = '^ex-[0-9a-z]{8,40}$';
/** Procedure ids (`migrate-vpc-to-cen`). */
export const PROCEDURE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';

async function readLimited(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `the request body is larger than ${limit / 1024} KB`, { code: 'PayloadTooLarge', field: 'body' });
}

/**
 * Reads a JSON object body. An empty body reads as `{}` when `emptyAsObject` is set.
 * @throws HttpError 413 `PayloadTooLarge`, 415 `UnsupportedMediaType`; ValidationError `InvalidJson`
 * (syntax) or `InvalidBody` (not an object).
 */
export async function readJsonBody(req: Request, opts: { limit?: number; emptyAsObject?: boolean } = {}): Promise<JsonObject> {
  const bytes = await readLimited(req, opts.limit ?? BODY_LIMIT_BYTES);
  if (bytes.byteLength === 0) {
    if (opts.emptyAsObject) return {};
    throw new ValidationError('a JSON request body is required', { code: 'InvalidBody', field: 'body' });
  }
  const type = req.headers.get('content-type');
  if (type !== null && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new HttpError(415, `the request body must be application/json, not ${type}`, { code: 'UnsupportedMediaType', field: 'content-type' });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError('the request body is not valid UTF-8', { code: 'InvalidJson', field: 'body' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`the request body is not valid JSON: ${(err as Error).message}`, { code: 'InvalidJson', field: 'body' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('the request body must be a JSON object', { code: 'InvalidBody', field: 'body' });
  }
  return value as JsonObject;
}

/** `body.params.x` → `params.x`: fields are named from the body's top level. */
function fieldOf(path: string): string {
  return path.replace(/^body\.?/, '') || 'body';
}

/**
 * Checks a body against its JSON schema.
 * @throws ValidationError `InvalidParameter` naming the first offending field and listing all.
 */
export function assertBody(schema: JsonSchema, body: JsonObject): void {
  const issues = schemaIssues(schema, body, 'body');
  if (issues.length === 0) return;
  const message = issues.map((i) => `${fieldOf(i.path)} ${i.message}`).join('; ');
  throw new ValidationError(message, { code: 'InvalidParameter', field: fieldOf(issues[0]?.path ?? 'body') });
}

/** A query parameter's declared type. */
export interface QueryParamSpec {
  name: string;
  description: string;
  /** JSON schema of the value (strings are converted to integers for `type: integer`). */
  schema: JsonSchema;
  /** For lists given as `a,b`: the schema applies to each item. */
  commaList?: boolean;
}

/**
 * Reads and checks query parameters: unknown names, repeated names, wrong types → 400.
 * @throws ValidationError `InvalidParameter` / `UnknownParameter` naming the parameter.
 */
export function parseQuery(url: URL, specs: readonly QueryParamSpec[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  const seen = new Set<string>();
  for (const [name, raw] of url.searchParams) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const known = specs.map((s) => s.name).join(', ') || 'none';
      throw new ValidationError(`unknown query parameter ${name} (known: ${known})`, { code: 'UnknownParameter', field: name });
    }
    if (seen.has(name)) throw new ValidationError(`query parameter ${name} is given twice`, { code: 'InvalidParameter', field: name });
    seen.add(name);
    const convert = (text: string): Json => {
      if (spec.schema.type === 'integer') return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
      return text;
    };
    const value: Json = spec.commaList ? raw.split(',').map((s) => convert(s.trim())) : convert(raw);
    const schema: JsonSchema = spec.commaList ? { type: 'array', items: spec.schema, minItems: 1 } : spec.schema;
    const issues = schemaIssues(schema, value, name);
    if (issues.length > 0) {
      throw new ValidationError(issues.map((i) => `${i.path} ${i.message}`).join('; '), { code: 'InvalidParameter', field: name });
    }
    out[name] = value;
  }
  return out;
}

/**
 * Checks a path parameter.
 * @throws ValidationError `InvalidParameter` naming it.
 */
export function assertPathParam(name: string, value: string, pattern: string): void {
  if (!new RegExp(pattern).test(value)) {
    throw new ValidationError(`${name} ${JSON.stringify(value)} is malformed (must match ${pattern})`, { code: 'InvalidParameter', field: name });
  }
}
