/**
 * ECMP member selection. A flow key (the 5-tuple as a string) is hashed with each member's id
 * (FNV-1a, then a murmur3 finaliser so near-identical keys spread) and the member with the highest
 * weighted score wins: weighted rendezvous hashing. Consequences, all deterministic:
 * - the same flow takes the same member while the set is unchanged, whatever the list order;
 * - removing a member (a failed health check) moves only the flows that were on it;
 * - members with weight > 0 get flows in proportion to their weight (equal weights: uniform);
 * - a member with weight 0 is never picked while any member has weight > 0 (active/standby
 *   100/0); if every member has weight 0 they all share flows equally.
 */
import { ValidationError } from '../errors.ts';

/** A next hop in a longest-prefix-match table; `weight` matters only for ECMP sets. */
export interface NextHop {
  readonly id: string;
  readonly weight?: number;
}

/** 32-bit FNV-1a over the string's UTF-16 code units (both bytes of wide ones), with a final avalanche. */
export function hashFlowKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    if (c > 0xff) h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  // murmur3 fmix32: FNV-1a alone leaves keys differing in the last character close together.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Picks one member of an ECMP next-hop set for a flow by a stable hash of its 5-tuple, the way
 * a router spreads flows: the same flow always takes the same member while the set is unchanged.
 * Weighted rendezvous hashing: proportional to weight (default 1), uniform for equal weights;
 * weight-0 members only when all are 0. Returns undefined for an empty set.
 * @throws ValidationError (code `InvalidWeight`) for a negative or non-finite weight
 */
export function pickEcmp<H extends NextHop>(hops: readonly H[], flowKey: string): H | undefined {
  let anyPositive = false;
  for (const hop of hops) {
    const w = hop.weight ?? 1;
    if (!Number.isFinite(w) || w < 0) {
      throw new ValidationError(`next hop ${hop.id} has invalid ECMP weight ${w}; weights are finite and >= 0`, {
        code: 'InvalidWeight',
      });
    }
    if (w > 0) anyPositive = true;
  }
  let best: H | undefined;
  let bestScore = -Infinity;
  for (const hop of hops) {
    const w = hop.weight ?? 1;
    if (anyPositive && w === 0) continue;
    const weight = anyPositive ? w : 1;
    // u in (0, 1); -w / ln(u) is the weighted rendezvous score (larger wins).
    const u = (hashFlowKey(`${flowKey}\u0000${hop.id}`) + 0.5) / 2 ** 32;
    const score = -weight / Math.log(u);
    // Ties (practically only duplicate ids) go to the smaller id so list order never matters.
    if (score > bestScore || (score === bestScore && best !== undefined && hop.id < best.id)) {
      best = hop;
      bestScore = score;
    }
  }
  return best;
}
