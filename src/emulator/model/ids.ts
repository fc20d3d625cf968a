/**
 * Deterministic resource ids shaped like Alibaba's (`vtb-uf6...`, `rte-bp1...`): a type prefix,
 * the region's two-letter code, then base-36 characters from a seeded hash of a counter. The
 * seed and counter live in the snapshot, so a reloaded model keeps minting fresh ids.
 */

/** Two-letter region codes seen in real ids; other regions get `gw`. */
const REGION_CODES: Record<string, string> = {
  'cn-hangzhou': 'bp',
  'cn-shanghai': 'uf',
  'cn-beijing': '2z',
  'cn-qingdao': 'm5',
  'cn-shenzhen': 'wz',
  'cn-zhangjiakou': '8v',
  'cn-huhehaote': 'hp',
  'cn-chengdu': '2v',
  'cn-hongkong': 'j6',
  'ap-southeast-1': 't4',
};

/** Mints ids; `counter` advances with every id. */
export class IdGenerator {
  constructor(
    readonly seed: number,
    public counter = 0,
  ) {}

  /** A new id such as `rte-uf6k3...` (22 characters after the prefix, like real ids). */
  next(prefix: string, regionId?: string): string {
    const code = regionId ? (REGION_CODES[regionId] ?? 'gw') : '';
    const n = this.counter++;
    let body = '';
    let h = (this.seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
    while (body.length < 20 - code.length) {
      h = mix(h + body.length + 0x6d2b79f5);
      body += (h % 36).toString(36);
      h = Math.floor(h / 36);
    }
    return `${prefix}-${code}${body}`;
  }
}

/** A 32-bit integer hash (murmur3 finaliser) so ids look random but are reproducible. */
function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
