/**
 * IPv4 addresses and prefixes as unsigned 32-bit numbers: parsing (strict and canonical only),
 * formatting, containment, splitting and the remainder of a prefix after removing others.
 */
import { ValidationError } from '../errors.ts';

/** An IPv4 prefix. `network` is the unsigned 32-bit network address, host bits all zero. */
export interface Cidr {
  readonly network: number;
  readonly length: number;
}

const TWO_32 = 2 ** 32;

/** Netmask of a prefix length as an unsigned 32-bit number. `<< 32` is `<< 0` in JS, hence the /0 case. */
export function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

// One octet: 0, or 1-255 without a leading zero (`010` is octal to some parsers, decimal to others).
const OCTET = '(0|[1-9][0-9]{0,2})';
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** Parses the dotted quad or returns a reason it is not one. */
function tryParseIpv4(text: string): number | string {
  const m = IPV4_RE.exec(text);
  if (!m) {
    if (/\s/.test(text)) return 'it contains whitespace';
    if (/(^|\.)0[0-9]/.test(text)) return 'an octet has a leading zero, which is ambiguous (octal or decimal)';
    return 'it is not four dot-separated decimal octets';
  }
  let ip = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return `octet ${m[i]} is larger than 255`;
    ip = ip * 256 + octet;
  }
  return ip;
}

/** Parses dotted-quad IPv4 (`10.0.0.1`) to an unsigned 32-bit number. @throws ValidationError (code `InvalidIpAddress`) */
export function parseIpv4(text: string, field?: string): number {
  const r = typeof text === 'string' ? tryParseIpv4(text) : 'it is not a string';
  if (typeof r === 'string') {
    throw new ValidationError(`${JSON.stringify(text)} is not a valid IPv4 address: ${r}`, { code: 'InvalidIpAddress', field });
  }
  return r;
}

/** Formats an unsigned 32-bit number as dotted quad. */
export function formatIpv4(ip: number): string {
  const u = ip >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`;
}

/** Parses `a.b.c.d/n` allowing host bits; returns the reason on failure. */
function tryParseCidrLoose(text: string): { ip: number; length: number } | string {
  if (typeof text !== 'string') return 'it is not a string';
  if (/\s/.test(text)) return 'it contains whitespace';
  const slash = text.indexOf('/');
  if (slash < 0) return 'the prefix length (/n) is missing';
  const ip = tryParseIpv4(text.slice(0, slash));
  if (typeof ip === 'string') return `the address part is invalid: ${ip}`;
  const lengthText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(lengthText)) {
    return 'the prefix length must be a decimal number from 0 to 32 without leading zeros';
  }
  const length = Number(lengthText);
  if (length > 32) return `the prefix length ${length} is larger than 32`;
  return { ip, length };
}

/** Parses canonical `a.b.c.d/n`; non-canonical input such as `172.16.1.5/24` is refused with a message naming the canonical form. @throws ValidationError (code `InvalidCidr`) */
export function parseCidr(text: string, field?: string): Cidr {
  const r = tryParseCidrLoose(text);
  if (typeof r === 'string') {
    throw new ValidationError(`${JSON.stringify(text)} is not a valid IPv4 CIDR block: ${r}`, { code: 'InvalidCidr', field });
  }
  const network = (r.ip & maskOf(r.length)) >>> 0;
  if (network !== r.ip) {
    const canonical = `${formatIpv4(network)}/${r.length}`;
    throw new ValidationError(
      `${text} is not a canonical CIDR block: host bits are set after /${r.length}; did you mean ${canonical}?`,
      { code: 'InvalidCidr', field },
    );
  }
  return { network, length: r.length };
}

/** Whether `text` is a canonical IPv4 CIDR. */
export function isCidr(text: string): boolean {
  const r = tryParseCidrLoose(text);
  return typeof r !== 'string' && ((r.ip & maskOf(r.length)) >>> 0) === r.ip;
}

/** `a.b.c.d/n`. */
export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.length}`;
}

/**
 * Checks that a Cidr value built in code (not parsed) is well formed: integer network in
 * [0, 2^32), integer length in [0, 32], host bits zero. @throws ValidationError (code `InvalidCidr`)
 */
export function assertCidr(c: Cidr, field?: string): void {
  const ok =
    Number.isInteger(c.network) && c.network >= 0 && c.network < TWO_32 &&
    Number.isInteger(c.length) && c.length >= 0 && c.length <= 32 &&
    ((c.network & maskOf(c.length)) >>> 0) === c.network;
  if (!ok) {
    throw new ValidationError(`{network: ${c.network}, length: ${c.length}} is not a canonical IPv4 prefix`, { code: 'InvalidCidr', field });
  }
}

/** True when `inner` is equal to or inside `outer`. */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  if (outer.length > inner.length) return false;
  const m = maskOf(outer.length);
  return ((inner.network & m) >>> 0) === ((outer.network & m) >>> 0);
}

/** True when the address is inside the prefix. */
export function containsIp(c: Cidr, ip: number): boolean {
  const m = maskOf(c.length);
  return ((ip & m) >>> 0) === ((c.network & m) >>> 0);
}

/** True when the two prefixes share any address (prefixes either nest or are disjoint). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return containsCidr(a, b) || containsCidr(b, a);
}

/** Same network and length. */
export function cidrEquals(a: Cidr, b: Cidr): boolean {
  return a.network === b.network && a.length === b.length;
}

/** The two halves of a prefix (`/n` → two `/n+1`). @throws ValidationError (code `CannotSplitHostRoute`) for a /32 */
export function splitHalves(c: Cidr): [Cidr, Cidr] {
  if (c.length >= 32) {
    throw new ValidationError(
      `${formatCidr(c)} cannot be split: a /32 is a single address (host route) and has no halves`,
      { code: 'CannotSplitHostRoute' },
    );
  }
  const length = c.length + 1;
  return [
    { network: c.network, length },
    { network: c.network + 2 ** (32 - length), length },
  ];
}

/** Number of addresses in the prefix (2^(32-length)). */
export function size(c: Cidr): number {
  return 2 ** (32 - c.length);
}

/** First and last address of the prefix. */
export function range(c: Cidr): { first: number; last: number } {
  return { first: c.network, last: c.network + size(c) - 1 };
}

/** Orders prefixes by network address, then by length (shorter first). */
export function compareCidr(a: Cidr, b: Cidr): number {
  return a.network - b.network || a.length - b.length;
}

/** Appends the minimal prefixes exactly covering the address range [first, last] (inclusive). */
function pushRange(out: Cidr[], first: number, last: number): void {
  let start = first;
  while (start <= last) {
    // Largest block aligned at `start`: its lowest set bit (two's complement trick), or 2^32 at 0.
    const low = (start & -start) >>> 0;
    let block = low === 0 ? TWO_32 : low;
    while (block > last - start + 1) block /= 2;
    out.push({ network: start, length: 32 - Math.log2(block) });
    start += block;
  }
}

/**
 * The part of `prefix` not covered by any of `covering`, as a minimal sorted list of prefixes.
 * Prefixes either nest or are disjoint, so each relevant coverer is either around `prefix`
 * (nothing remains) or inside it; the inside ones are sorted, merged as address intervals and the
 * gaps turned into prefixes. O(k log k) for k coverers. Each gap is a maximal uncovered range
 * bounded by covered addresses, so gaps never merge and the per-gap greedy split is minimal.
 */
export function remainder(prefix: Cidr, covering: readonly Cidr[]): Cidr[] {
  const inside: Cidr[] = [];
  for (const c of covering) {
    if (containsCidr(c, prefix)) return [];
    if (containsCidr(prefix, c)) inside.push(c);
  }
  inside.sort(compareCidr);
  const out: Cidr[] = [];
  const { first, last } = range(prefix);
  let next = first; // first address not yet known to be covered
  for (const c of inside) {
    const r = range(c);
    if (r.first > next) pushRange(out, next, r.first - 1);
    if (r.last + 1 > next) next = r.last + 1;
  }
  if (next <= last) pushRange(out, next, last);
  return out;
}
