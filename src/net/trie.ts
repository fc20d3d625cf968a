/**
 * Path-compressed binary trie keyed by IPv4 prefix (a PATRICIA-style tree). Every node is a
 * prefix; nodes without a value only join two subtrees that diverge below them, so the tree has
 * at most 2n nodes for n prefixes and a lookup visits at most 33 nodes.
 */
import { assertCidr, maskOf, type Cidr } from './cidr.ts';

class TrieNode<T> {
  readonly prefix: Cidr;
  readonly mask: number;
  value: T | undefined = undefined;
  hasValue = false;
  zero: TrieNode<T> | null = null;
  one: TrieNode<T> | null = null;

  constructor(network: number, length: number) {
    this.prefix = Object.freeze({ network, length });
    this.mask = maskOf(length);
  }
}

/** Bit `pos` (0 = most significant) of an address. */
const bitAt = (ip: number, pos: number): number => (ip >>> (31 - pos)) & 1;

/** Whether `node`'s prefix contains the prefix (network, length). */
const nodeContains = <T>(node: TrieNode<T>, network: number, length: number): boolean =>
  node.prefix.length <= length && ((network & node.mask) >>> 0) === node.prefix.network;

/**
 * A binary trie keyed by prefix. One value per exact prefix; lookups by address return the
 * longest match. Used for route tables (value = route entry with its ECMP next-hop set).
 */
export class PrefixTrie<T> {
  // The root is 0.0.0.0/0; it holds a value only when a default route is set.
  private readonly root = new TrieNode<T>(0, 0);
  private count = 0;

  /** Number of prefixes stored. */
  get size(): number {
    return this.count;
  }

  /** Stores `value` at exactly `prefix`, replacing any previous value. @throws ValidationError (code `InvalidCidr`) for a malformed prefix */
  set(prefix: Cidr, value: T): void {
    assertCidr(prefix);
    const { network, length } = prefix;
    let cur = this.root;
    for (;;) {
      if (cur.prefix.length === length) {
        if (!cur.hasValue) this.count++;
        cur.value = value;
        cur.hasValue = true;
        return;
      }
      const bit = bitAt(network, cur.prefix.length);
      const child = bit === 0 ? cur.zero : cur.one;
      if (child === null) {
        this.attach(cur, this.leaf(network, length, value));
        return;
      }
      if (nodeContains(child, network, length)) {
        cur = child;
        continue;
      }
      const fresh = this.leaf(network, length, value);
      if (length < child.prefix.length && ((child.prefix.network & fresh.mask) >>> 0) === network) {
        // The new prefix sits between `cur` and `child`.
        this.attach(fresh, child);
        this.attach(cur, fresh);
        return;
      }
      // They diverge: join both under a value-less node at their common prefix.
      const common = Math.min(Math.clz32((network ^ child.prefix.network) >>> 0), length, child.prefix.length);
      const glue = new TrieNode<T>((network & maskOf(common)) >>> 0, common);
      this.attach(glue, child);
      this.attach(glue, fresh);
      this.attach(cur, glue);
      return;
    }
  }

  /** Value stored at exactly `prefix`. */
  get(prefix: Cidr): T | undefined {
    const node = this.find(prefix);
    return node?.hasValue ? node.value : undefined;
  }

  /** Removes exactly `prefix`; returns whether it was there. */
  delete(prefix: Cidr): boolean {
    const path: TrieNode<T>[] = [];
    let cur: TrieNode<T> | null = this.root;
    while (cur !== null && nodeContains(cur, prefix.network, prefix.length)) {
      path.push(cur);
      if (cur.prefix.length === prefix.length) break;
      cur = bitAt(prefix.network, cur.prefix.length) === 0 ? cur.zero : cur.one;
    }
    const node = path[path.length - 1];
    if (node === undefined || node.prefix.length !== prefix.length || !node.hasValue) return false;
    node.value = undefined;
    node.hasValue = false;
    this.count--;
    // Prune: a value-less non-root node with fewer than two children is no longer needed.
    for (let i = path.length - 1; i >= 1; i--) {
      const n = path[i]!;
      if (n.hasValue || (n.zero !== null && n.one !== null)) break;
      const parent = path[i - 1]!;
      const only = n.zero ?? n.one;
      if (parent.zero === n) parent.zero = only;
      else parent.one = only;
    }
    return true;
  }

  /** Longest prefix containing `ip` (optionally only entries accepted by `usable`, so an unusable route falls back to the next-longest). */
  lookup(ip: number, usable?: (value: T, prefix: Cidr) => boolean): { prefix: Cidr; value: T } | undefined {
    const addr = ip >>> 0;
    let best: TrieNode<T> | null = null;
    let cur: TrieNode<T> | null = this.root;
    while (cur !== null && ((addr & cur.mask) >>> 0) === cur.prefix.network) {
      if (cur.hasValue && (usable === undefined || usable(cur.value as T, cur.prefix))) best = cur;
      if (cur.prefix.length === 32) break;
      cur = bitAt(addr, cur.prefix.length) === 0 ? cur.zero : cur.one;
    }
    return best === null ? undefined : { prefix: best.prefix, value: best.value as T };
  }

  /** Every stored prefix equal to or inside `prefix` (more specific or equal), in address order. */
  within(prefix: Cidr): Array<{ prefix: Cidr; value: T }> {
    const out: Array<{ prefix: Cidr; value: T }> = [];
    let cur: TrieNode<T> | null = this.root;
    while (cur !== null) {
      if (cur.prefix.length >= prefix.length) {
        // `cur` is the top of the subtree under `prefix` if it lies inside it.
        const m = maskOf(prefix.length);
        if (((cur.prefix.network & m) >>> 0) === ((prefix.network & m) >>> 0)) this.collect(cur, out);
        break;
      }
      if (!nodeContains(cur, prefix.network, prefix.length)) break;
      cur = bitAt(prefix.network, cur.prefix.length) === 0 ? cur.zero : cur.one;
    }
    return out;
  }

  /** Every stored prefix that contains `prefix` (less specific or equal), shortest first. */
  covering(prefix: Cidr): Array<{ prefix: Cidr; value: T }> {
    const out: Array<{ prefix: Cidr; value: T }> = [];
    let cur: TrieNode<T> | null = this.root;
    while (cur !== null && nodeContains(cur, prefix.network, prefix.length)) {
      if (cur.hasValue) out.push({ prefix: cur.prefix, value: cur.value as T });
      if (cur.prefix.length === prefix.length) break;
      cur = bitAt(prefix.network, cur.prefix.length) === 0 ? cur.zero : cur.one;
    }
    return out;
  }

  /** All entries in address order (network, then shorter first). */
  entries(): Array<{ prefix: Cidr; value: T }> {
    const out: Array<{ prefix: Cidr; value: T }> = [];
    this.collect(this.root, out);
    return out;
  }

  /** Pre-order walk: a node sorts before its subtree, and the 0-subtree before the 1-subtree. */
  private collect(top: TrieNode<T>, out: Array<{ prefix: Cidr; value: T }>): void {
    const stack: TrieNode<T>[] = [top];
    for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
      if (n.hasValue) out.push({ prefix: n.prefix, value: n.value as T });
      if (n.one !== null) stack.push(n.one);
      if (n.zero !== null) stack.push(n.zero);
    }
  }

  private find(prefix: Cidr): TrieNode<T> | null {
    let cur: TrieNode<T> | null = this.root;
    while (cur !== null && nodeContains(cur, prefix.network, prefix.length)) {
      if (cur.prefix.length === prefix.length) return cur;
      cur = bitAt(prefix.network, cur.prefix.length) === 0 ? cur.zero : cur.one;
    }
    return null;
  }

  private leaf(network: number, length: number, value: T): TrieNode<T> {
    const n = new TrieNode<T>(network, length);
    n.value = value;
    n.hasValue = true;
    this.count++;
    return n;
  }

  /** Hangs `child` under `parent` on the side given by the first bit after the parent's prefix. */
  private attach(parent: TrieNode<T>, child: TrieNode<T>): void {
    if (bitAt(child.prefix.network, parent.prefix.length) === 0) parent.zero = child;
    else parent.one = child;
  }
}
