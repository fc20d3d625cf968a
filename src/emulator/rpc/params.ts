/**
 * Typed access to the flat parameters of an RPC request. pop-core flattens arrays into
 * RepeatList keys (`NextHopList.1.NextHopType`, `Filter.1.Value.1`, `InstanceId.1`); this class
 * reads them back as lists and objects, and answers missing or bad values with the gateway's
 * real codes (`Missing<Name>`, `InvalidParameter`).
 */
import { invalidParameter, missingParameter } from './errors.ts';

/** A `Filter.N.Key` / `Filter.N.Value.M` pair. */
export interface RpcFilter {
  readonly key: string;
  readonly values: readonly string[];
}

/** Integer bounds for {@link RpcParams.int}. */
export interface IntRange {
  readonly min?: number;
  readonly max?: number;
}

/** Parameters of one request, read-only, with typed getters. */
export class RpcParams {
  /** The decoded flat parameters, exactly as received. */
  readonly raw: Readonly<Record<string, string>>;

  constructor(raw: Readonly<Record<string, string>>) {
    this.raw = raw;
  }

  /** Whether a non-empty value is present. */
  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v !== '';
  }

  /** The value, or undefined when absent or empty. */
  string(name: string): string | undefined {
    const v = this.raw[name];
    return v === undefined || v === '' ? undefined : v;
  }

  /** The value. @throws RpcError `Missing<Name>` when absent */
  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** One of `allowed` (exact spelling). @throws RpcError `InvalidParameter` */
  enumValue<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw invalidParameter(name, `Valid values: ${allowed.join(', ')}.`);
    }
    return v as T;
  }

  /** Required {@link enumValue}. @throws RpcError `Missing<Name>` or `InvalidParameter` */
  requireEnum<T extends string>(name: string, allowed: readonly T[]): T {
    const v = this.enumValue(name, allowed);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** An integer within `range`. @throws RpcError `InvalidParameter` */
  int(name: string, range: IntRange = {}): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return parseIntParam(name, v, range);
  }

  /** Required {@link int}. @throws RpcError `Missing<Name>` or `InvalidParameter` */
  requireInt(name: string, range: IntRange = {}): number {
    const v = this.int(name, range);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** A boolean (`true`/`false`, any case). @throws RpcError `InvalidParameter` */
  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidParameter(name, 'Expected true or false.');
  }

  /**
   * A RepeatList of scalars: `Name.1`, `Name.2`, … in index order. A JSON array given as the
   * plain `Name` (the form ECS uses for `InstanceIds`) is accepted too.
   * @throws RpcError `InvalidParameter` for a malformed JSON array
   */
  list(name: string): string[] {
    if (!this.mentions(name)) return [];
    const node = this.tree()[name];
    if (Array.isArray(node)) return node.filter((x): x is string => typeof x === 'string');
    if (typeof node === 'string' && node.startsWith('[')) return parseJsonList(name, node);
    if (typeof node === 'string' && node !== '') return [node];
    return [];
  }

  /** A RepeatList of objects: `Name.N.Field` → `[{Field: …}]` in index order. */
  objects(name: string): Array<Record<string, string>> {
    if (!this.mentions(name)) return [];
    const node = this.tree()[name];
    if (!Array.isArray(node)) return [];
    const out: Array<Record<string, string>> = [];
    for (const item of node) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(item)) if (typeof v === 'string') flat[k] = v;
      out.push(flat);
    }
    return out;
  }

  /** `Filter.N.Key` + `Filter.N.Value.M` pairs. @throws RpcError `MissingFilter.N.Key` when a key lacks */
  filters(name = 'Filter'): RpcFilter[] {
    if (!this.mentions(name)) return [];
    const node = this.tree()[name];
    if (!Array.isArray(node)) return [];
    const out: RpcFilter[] = [];
    node.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
      const key = item.Key;
      if (typeof key !== 'string' || key === '') throw missingParameter(`${name}.${i + 1}.Key`);
      const value = item.Value;
      const values = Array.isArray(value)
        ? value.filter((x): x is string => typeof x === 'string')
        : typeof value === 'string' ? [value] : [];
      out.push({ key, values });
    });
    return out;
  }

  /**
   * The whole parameter set unflattened: dotted keys become nested objects and numeric
   * segments (1-based) become arrays in index order, gaps dropped.
   */
  tree(): Record<string, ParamNode> {
    if (this.cachedTree === undefined) this.cachedTree = unflatten(this.raw);
    return this.cachedTree;
  }

  /**
   * Whether any parameter is `name` or `name.…`: most calls carry no lists, and answering that
   * from the first segments spares building the whole tree.
   */
  private mentions(name: string): boolean {
    if (this.cachedRoots === undefined) {
      this.cachedRoots = new Set();
      for (const key of Object.keys(this.raw)) {
        const dot = key.indexOf('.');
        this.cachedRoots.add(dot < 0 ? key : key.slice(0, dot));
      }
    }
    return this.cachedRoots.has(name);
  }

  private cachedTree?: Record<string, ParamNode>;
  private cachedRoots?: Set<string>;
}

/** A node of the unflattened parameter tree. */
export type ParamNode = string | ParamNode[] | { [key: string]: ParamNode };

type Building = { leaf?: string; kids: Map<string, Building> };

/** Unflattens RepeatList keys (`A.1.B`, `A.1.C.2`) into nested arrays and objects. */
export function unflatten(flat: Readonly<Record<string, string>>): Record<string, ParamNode> {
  const root: Building = { kids: new Map() };
  for (const [key, value] of Object.entries(flat)) {
    let node = root;
    for (const segment of key.split('.')) {
      let next = node.kids.get(segment);
      if (next === undefined) {
        next = { kids: new Map() };
        node.kids.set(segment, next);
      }
      node = next;
    }
    node.leaf = value;
  }
  const out: Record<string, ParamNode> = {};
  for (const [k, child] of root.kids) out[k] = finish(child);
  return out;
}

function finish(node: Building): ParamNode {
  if (node.kids.size === 0) return node.leaf ?? '';
  const keys = [...node.kids.keys()];
  if (keys.every((k) => /^[1-9][0-9]*$/.test(k))) {
    return keys
      .map((k) => [Number(k), node.kids.get(k) as Building] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, child]) => finish(child));
  }
  const obj: { [key: string]: ParamNode } = {};
  for (const [k, child] of node.kids) obj[k] = finish(child);
  return obj;
}

function parseIntParam(name: string, text: string, range: IntRange): number {
  if (!/^-?[0-9]+$/.test(text)) throw invalidParameter(name, 'Expected an integer.');
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw invalidParameter(name, 'Expected an integer.');
  if (range.min !== undefined && n < range.min) throw invalidParameter(name, `Minimum is ${range.min}.`);
  if (range.max !== undefined && n > range.max) throw invalidParameter(name, `Maximum is ${range.max}.`);
  return n;
}

function parseJsonList(name: string, text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter(name, 'Expected a JSON array of strings.');
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw invalidParameter(name, 'Expected a JSON array of strings.');
  }
  return parsed;
}
