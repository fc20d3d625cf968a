/**
 * POP RPC signature version 1.0 (HMAC-SHA1), as the real gateway checks it and as
 * `@alicloud/pop-core` computes it (`lib/rpc.js`): every parameter except `Signature`, sorted by
 * name, percent-encoded per RFC 3986, joined `k=v&…`; StringToSign = `METHOD&%2F&pct(query)`;
 * key = AccessKeySecret + "&". See alibaba-api.md §2.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * RFC 3986 percent-encoding: keeps `A-Z a-z 0-9 - _ . ~`, everything else `%XY` upper-case
 * (space is `%20`, never `+`).
 */
export function percentEncode(value: string): string {
  // Most names and values (ids, numbers, action names) need no escaping at all.
  if (UNRESERVED_ONLY.test(value)) return value;
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;

/** The canonicalized query string of a request: all params but `Signature`, byte-order sorted. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params).filter((k) => k !== 'Signature');
  // Sort on the encoded names: that is the order the client signs in (pop-core sorts raw names,
  // which is the same order for the ASCII names Alibaba uses).
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${percentEncode(k)}=${percentEncode(params[k] ?? '')}`).join('&');
}

/** StringToSign for an RPC request: `METHOD&%2F&pct(canonicalQuery)`; the path is always `/`. */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  // The canonical query holds only unreserved characters, `%`, `=` and `&`: encodeURIComponent
  // alone encodes it exactly (the `!'()*` pass of percentEncode would find nothing).
  return `${method.toUpperCase()}&%2F&${encodeURIComponent(canonicalQuery(params))}`;
}

/** Base64(HMAC-SHA1(secret + "&", stringToSign)). */
export function sign(accessKeySecret: string, toSign: string): string {
  return createHmac('sha1', signingKey(accessKeySecret)).update(toSign, 'utf8').digest('base64');
}

// The emulator accepts a handful of secrets: their HMAC keys are prepared once, not per call.
const keys = new Map<string, KeyObject>();

function signingKey(accessKeySecret: string): KeyObject {
  let key = keys.get(accessKeySecret);
  if (key === undefined) {
    key = createSecretKey(Buffer.from(`${accessKeySecret}&`, 'utf8'));
    if (keys.size >= 64) keys.clear();
    keys.set(accessKeySecret, key);
  }
  return key;
}

/** Constant-time comparison of a received signature with the expected one. */
export function signaturesEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Signs `params` the way a client does and returns them with `Signature` added. Used by tests
 * and tools that talk to the emulator without pop-core.
 */
export function signParams(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): Record<string, string> {
  return { ...params, Signature: sign(accessKeySecret, stringToSign(method, params)) };
}

/**
 * Decodes an `application/x-www-form-urlencoded` string (query or body) into a flat map.
 * `+` means space (form encoding); pop-core never sends a raw `+`, it sends `%2B`.
 * @throws URIError on malformed escapes (the gateway reports it as `InvalidParameter`).
 */
export function parseFormEncoded(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.length === 0) return out;
  for (const pair of text.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    out[decodeComponent(rawKey)] = decodeComponent(rawValue);
  }
  return out;
}

function decodeComponent(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}
