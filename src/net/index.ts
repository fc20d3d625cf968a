/**
 * IPv4 prefix math and longest-prefix-match tables, shared by the emulator, the planner
 * and the audit. Pure: no I/O.
 */
export {
  assertCidr,
  cidrEquals,
  compareCidr,
  containsCidr,
  containsIp,
  formatCidr,
  formatIpv4,
  isCidr,
  maskOf,
  overlaps,
  parseCidr,
  parseIpv4,
  range,
  remainder,
  size,
  splitHalves,
} from './cidr.ts';
export type { Cidr } from './cidr.ts';
export { PrefixTrie } from './trie.ts';
export { hashFlowKey, pickEcmp } from './ecmp.ts';
export type { NextHop } from './ecmp.ts';
