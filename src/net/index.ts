/**
 * IPv4 prefix math and longest-prefix-match tables, shared by the emulator, the planner
 * and the audit. Pure: no I/O. (CONTRACT STUB: implementation lands with the src/net task.)
 */
import { ValidationError } from '../errors.ts';

/** An IPv4 prefix. `network` is the unsigned 32-bit network address, host bits all zero. */
export interface Cidr {
  readonly network: number;
  readonly length: number;
}

const todo = (): never => {
  throw new ValidationError('src/net not implemented yet', { code: 'NotImplemented' });
};

/** Parses dotted-quad IPv4 (`10.0.0.1`) to an unsigned 32-bit number. @throws ValidationError (code `InvalidIpAddress`) */
export function parseIpv4(_text: string, _field?: string): number { return todo(); }
/** Formats an unsigned 32-bit number as dotted quad. */
export function formatIpv4(_ip: number): string { return todo(); }
/** Parses canonical `a.b.c.d/n`; non-canonical input such as `172.16.1.5/24` is refused with a message naming the canonical form. @throws ValidationError (code `InvalidCidr`) */
export function parseCidr(_text: string, _field?: string): Cidr { return todo(); }
/** Whether `text` is a canonical IPv4 CIDR. */
export function isCidr(_text: string): boolean { return todo(); }
/** `a.b.c.d/n`. */
export function formatCidr(_c: Cidr): string { return todo(); }
/** True when `inner` is equal to or inside `outer`. */
export function containsCidr(_outer: Cidr, _inner: Cidr): boolean { return todo(); }
/** True when the address is inside the prefix. */
export function containsIp(_c: Cidr, _ip: number): boolean { return todo(); }
/** True when the two prefixes share any address. */
export function overlaps(_a: Cidr, _b: Cidr): boolean { return todo(); }
/** Same network and length. */
export function cidrEquals(_a: Cidr, _b: Cidr): boolean { return todo(); }
/** The two halves of a prefix (`/n` → two `/n+1`). @throws ValidationError (code `CannotSplitHostRoute`) for a /32 */
export function splitHalves(_c: Cidr): [Cidr, Cidr] { return todo(); }
/** The part of `prefix` not covered by any of `covering`, as a minimal sorted list of prefixes. */
export function remainder(_prefix: Cidr, _covering: readonly Cidr[]): Cidr[] { return todo(); }
/** Number of addresses in the prefix (2^(32-length)). */
export function size(_c: Cidr): number { return todo(); }
/** First and last address of the prefix. */
export function range(_c: Cidr): { first: number; last: number } { return todo(); }
/** Orders prefixes by network address, then by length (shorter first). */
export function compareCidr(_a: Cidr, _b: Cidr): number { return todo(); }

/**
 * A binary trie keyed by prefix. One value per exact prefix; lookups by address return the
 * longest match. Used for route tables (value = route entry with its ECMP next-hop set).
 */
export class PrefixTrie<T> {
  /** Number of prefixes stored. */
  get size(): number { return todo(); }
  /** Stores `value` at exactly `prefix`, replacing any previous value. */
  set(_prefix: Cidr, _value: T): void { todo(); }
  /** Value stored at exactly `prefix`. */
  get(_prefix: Cidr): T | undefined { return todo(); }
  /** Removes exactly `prefix`; returns whether it was there. */
  delete(_prefix: Cidr): boolean { return todo(); }
  /** Longest prefix containing `ip` (optionally only entries accepted by `usable`). */
  lookup(_ip: number, _usable?: (value: T, prefix: Cidr) => boolean): { prefix: Cidr; value: T } | undefined { return todo(); }
  /** Every stored prefix equal to or inside `prefix` (more specific or equal). */
  within(_prefix: Cidr): Array<{ prefix: Cidr; value: T }> { return todo(); }
  /** Every stored prefix that contains `prefix` (less specific or equal), shortest first. */
  covering(_prefix: Cidr): Array<{ prefix: Cidr; value: T }> { return todo(); }
  /** All entries in address order. */
  entries(): Array<{ prefix: Cidr; value: T }> { return todo(); }
}

/** A next hop in a longest-prefix-match table; `weight` matters only for ECMP sets. */
export interface NextHop {
  readonly id: string;
  readonly weight?: number;
}

/**
 * Picks one member of an ECMP next-hop set for a flow by a stable hash of its 5-tuple, the way
 * a router spreads flows: the same flow always takes the same member while the set is unchanged.
 */
export function pickEcmp<H extends NextHop>(_hops: readonly H[], _flowKey: string): H | undefined { return todo(); }
