/**
 * Canonical JSON: the same value always gives the same text whatever the key order, so it can be
 * hashed or compared (idempotency fingerprints, ClientToken parameter checks, finding keys).
 * Object keys are sorted and properties whose value is `undefined` are left out, as JSON.stringify does.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}
