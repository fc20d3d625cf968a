import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/errors.ts';
import {
  PrefixTrie,
  cidrEquals,
  compareCidr,
  containsCidr,
  containsIp,
  formatCidr,
  formatIpv4,
  isCidr,
  overlaps,
  parseCidr,
  parseIpv4,
  pickEcmp,
  range,
  remainder,
  size,
  splitHalves,
  type Cidr,
  type NextHop,
} from '../../src/net/index.ts';

const c = (text: string): Cidr => parseCidr(text);
const ip = (text: string): number => parseIpv4(text);
const fmt = (list: readonly Cidr[]): string[] => list.map(formatCidr);

/** Deterministic PRNG (mulberry32) so randomized tests are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('IPv4 addresses', () => {
  const valid = [
    { case: 'zero', text: '0.0.0.0', value: 0 },
    { case: 'all ones', text: '255.255.255.255', value: 0xffffffff },
    { case: 'high bit set stays unsigned', text: '192.168.100.1', value: 0xc0a86401 },
    { case: 'ten', text: '10.0.0.1', value: 0x0a000001 },
  ];
  for (const row of valid) {
    test(`parses and formats ${row.case}`, () => {
      // Act
      const parsed = parseIpv4(row.text);
      // Assess
      assert.equal(parsed, row.value);
      assert.equal(formatIpv4(parsed), row.text);
    });
  }

  const invalid = [
    { case: 'octet above 255', text: '10.0.0.256' },
    { case: 'leading zero (octal ambiguity)', text: '010.1.1.1' },
    { case: 'three octets', text: '10.0.1' },
    { case: 'five octets', text: '10.0.0.1.1' },
    { case: 'surrounding whitespace', text: ' 10.0.0.1' },
    { case: 'empty', text: '' },
    { case: 'sign', text: '+1.2.3.4' },
    { case: 'hex', text: '0x1.2.3.4' },
  ];
  for (const row of invalid) {
    test(`refuses ${row.case} with InvalidIpAddress and the field`, () => {
      assert.throws(
        () => parseIpv4(row.text, 'params.ip'),
        (err: unknown) => err instanceof ValidationError && err.code === 'InvalidIpAddress' && err.field === 'params.ip',
      );
    });
  }

  test('formats negative (signed 32-bit) numbers as their unsigned address', () => {
    assert.equal(formatIpv4(0xc0a80001 | 0), '192.168.0.1');
  });
});

describe('CIDR parsing', () => {
  const valid = [
    { case: '/0 default route', text: '0.0.0.0/0', network: 0, length: 0 },
    { case: '/32 host route', text: '255.255.255.255/32', network: 0xffffffff, length: 32 },
    { case: 'carrier-grade NAT range', text: '100.64.0.0/10', network: 0x64400000, length: 10 },
    { case: 'peering route', text: '172.16.0.0/16', network: 0xac100000, length: 16 },
  ];
  for (const row of valid) {
    test(`accepts ${row.case}`, () => {
      // Act
      const parsed = parseCidr(row.text);
      // Assess
      assert.deepEqual(parsed, { network: row.network, length: row.length });
      assert.equal(formatCidr(parsed), row.text);
      assert.equal(isCidr(row.text), true);
    });
  }

  test('refuses a non-canonical block and names the canonical form', () => {
    assert.throws(
      () => parseCidr('172.16.1.5/24', 'params.destinationCidrBlock'),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.code === 'InvalidCidr' &&
        err.field === 'params.destinationCidrBlock' &&
        err.message.includes('172.16.1.0/24'),
    );
  });

  const invalid = [
    { case: 'host bits set', text: '172.16.1.5/24' },
    { case: 'host bits set under /0', text: '1.0.0.0/0' },
    { case: 'bad octet', text: '10.0.0.300/32' },
    { case: 'leading zero octet', text: '010.1.1.0/24' },
    { case: 'missing length', text: '10.0.0.0' },
    { case: 'empty length', text: '10.0.0.0/' },
    { case: 'length above 32', text: '10.0.0.0/33' },
    { case: 'leading zero length', text: '10.0.0.0/08' },
    { case: 'negative length', text: '10.0.0.0/-1' },
    { case: 'trailing whitespace', text: '10.0.0.0/8 ' },
    { case: 'inner whitespace', text: '10.0.0.0 /8' },
    { case: 'two slashes', text: '10.0.0.0/8/8' },
  ];
  for (const row of invalid) {
    test(`refuses ${row.case} with InvalidCidr`, () => {
      assert.throws(
        () => parseCidr(row.text, 'cidr'),
        (err: unknown) => err instanceof ValidationError && err.code === 'InvalidCidr' && err.field === 'cidr',
      );
      assert.equal(isCidr(row.text), false);
    });
  }
});

describe('prefix relations', () => {
  const rows = [
    { case: 'equal', a: '10.0.0.0/8', b: '10.0.0.0/8', aContainsB: true, bContainsA: true, overlap: true },
    { case: 'nested', a: '10.0.0.0/8', b: '10.1.2.0/24', aContainsB: true, bContainsA: false, overlap: true },
    { case: 'adjacent', a: '10.0.0.0/25', b: '10.0.0.128/25', aContainsB: false, bContainsA: false, overlap: false },
    { case: 'disjoint', a: '10.0.0.0/8', b: '11.0.0.0/8', aContainsB: false, bContainsA: false, overlap: false },
    { case: '/0 contains everything', a: '0.0.0.0/0', b: '255.255.255.255/32', aContainsB: true, bContainsA: false, overlap: true },
    { case: 'host routes differ', a: '10.0.0.1/32', b: '10.0.0.2/32', aContainsB: false, bContainsA: false, overlap: false },
    { case: 'top half of address space', a: '128.0.0.0/1', b: '192.168.0.0/16', aContainsB: true, bContainsA: false, overlap: true },
  ];
  for (const row of rows) {
    test(`containsCidr / overlaps / cidrEquals for ${row.case}`, () => {
      // Prepare
      const a = c(row.a);
      const b = c(row.b);
      // Assess
      assert.equal(containsCidr(a, b), row.aContainsB);
      assert.equal(containsCidr(b, a), row.bContainsA);
      assert.equal(overlaps(a, b), row.overlap);
      assert.equal(overlaps(b, a), row.overlap);
      assert.equal(cidrEquals(a, b), row.aContainsB && row.bContainsA);
    });
  }

  const ips = [
    { case: 'first address', cidr: '172.16.0.0/16', ip: '172.16.0.0', inside: true },
    { case: 'last address', cidr: '172.16.0.0/16', ip: '172.16.255.255', inside: true },
    { case: 'one past the end', cidr: '172.16.0.0/16', ip: '172.17.0.0', inside: false },
    { case: 'one before the start', cidr: '172.16.0.0/16', ip: '172.15.255.255', inside: false },
    { case: '/0', cidr: '0.0.0.0/0', ip: '255.255.255.255', inside: true },
    { case: '/32 itself', cidr: '10.0.0.1/32', ip: '10.0.0.1', inside: true },
    { case: '/32 neighbour', cidr: '10.0.0.1/32', ip: '10.0.0.2', inside: false },
  ];
  for (const row of ips) {
    test(`containsIp for ${row.case}`, () => {
      assert.equal(containsIp(c(row.cidr), ip(row.ip)), row.inside);
    });
  }

  const sizes = [
    { case: '/0', cidr: '0.0.0.0/0', size: 2 ** 32, first: '0.0.0.0', last: '255.255.255.255' },
    { case: '/32', cidr: '10.0.0.1/32', size: 1, first: '10.0.0.1', last: '10.0.0.1' },
    { case: '/10', cidr: '100.64.0.0/10', size: 2 ** 22, first: '100.64.0.0', last: '100.127.255.255' },
    { case: 'top /1', cidr: '128.0.0.0/1', size: 2 ** 31, first: '128.0.0.0', last: '255.255.255.255' },
  ];
  for (const row of sizes) {
    test(`size and range for ${row.case}`, () => {
      const r = range(c(row.cidr));
      assert.equal(size(c(row.cidr)), row.size);
      assert.equal(formatIpv4(r.first), row.first);
      assert.equal(formatIpv4(r.last), row.last);
    });
  }

  test('compareCidr orders by network, then shorter first', () => {
    // Prepare
    const list = ['10.0.0.0/24', '10.0.0.0/8', '9.0.0.0/8', '10.0.0.0/16', '200.0.0.0/8', '0.0.0.0/0'].map(c);
    // Act
    list.sort(compareCidr);
    // Assess
    assert.deepEqual(fmt(list), ['0.0.0.0/0', '9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/24', '200.0.0.0/8']);
  });
});

describe('splitHalves', () => {
  const rows = [
    { case: '100.64.0.0/10 into /11s', cidr: '100.64.0.0/10', halves: ['100.64.0.0/11', '100.96.0.0/11'] },
    { case: 'peering /16 into /17s', cidr: '172.16.0.0/16', halves: ['172.16.0.0/17', '172.16.128.0/17'] },
    { case: '/0 into /1s', cidr: '0.0.0.0/0', halves: ['0.0.0.0/1', '128.0.0.0/1'] },
    { case: '/31 into host routes', cidr: '255.255.255.254/31', halves: ['255.255.255.254/32', '255.255.255.255/32'] },
    { case: 'CEN /24 into /25s', cidr: '172.16.1.0/24', halves: ['172.16.1.0/25', '172.16.1.128/25'] },
  ];
  for (const row of rows) {
    test(`splits ${row.case}`, () => {
      assert.deepEqual(fmt(splitHalves(c(row.cidr))), row.halves);
    });
  }

  test('refuses a /32 with CannotSplitHostRoute', () => {
    assert.throws(
      () => splitHalves(c('10.0.0.1/32')),
      (err: unknown) => err instanceof ValidationError && err.code === 'CannotSplitHostRoute' && /no halves/.test(err.message),
    );
  });
});

describe('remainder', () => {
  test('172.16.0.0/16 minus 172.16.1.0/24 leaves exactly these 8 prefixes', () => {
    // Act
    const left = remainder(c('172.16.0.0/16'), [c('172.16.1.0/24')]);
    // Assess: one prefix per bit between /17 and /24, which is the minimum.
    assert.deepEqual(fmt(left), [
      '172.16.0.0/24',
      '172.16.2.0/23',
      '172.16.4.0/22',
      '172.16.8.0/21',
      '172.16.16.0/20',
      '172.16.32.0/19',
      '172.16.64.0/18',
      '172.16.128.0/17',
    ]);
  });

  const rows = [
    { case: 'nothing covering', prefix: '10.0.0.0/8', covering: [], left: ['10.0.0.0/8'] },
    { case: 'coverers all outside', prefix: '10.0.0.0/8', covering: ['11.0.0.0/8', '9.0.0.0/8'], left: ['10.0.0.0/8'] },
    { case: 'covered exactly', prefix: '10.0.0.0/8', covering: ['10.0.0.0/8'], left: [] },
    { case: 'coverer larger than the prefix', prefix: '10.1.0.0/16', covering: ['10.0.0.0/8'], left: [] },
    { case: '/0 covers everything', prefix: '192.168.0.0/16', covering: ['0.0.0.0/0'], left: [] },
    { case: 'both halves cover', prefix: '172.16.0.0/16', covering: ['172.16.128.0/17', '172.16.0.0/17'], left: [] },
    { case: 'one half', prefix: '100.64.0.0/10', covering: ['100.64.0.0/11'], left: ['100.96.0.0/11'] },
    {
      case: 'overlapping and duplicate coverers',
      prefix: '10.0.0.0/24',
      covering: ['10.0.0.0/26', '10.0.0.0/25', '10.0.0.0/26', '10.0.0.64/26', '10.0.0.0/25', '10.0.0.192/27'],
      left: ['10.0.0.128/26', '10.0.0.224/27'],
    },
    {
      case: 'nested coverers in the middle',
      prefix: '10.0.0.0/30',
      covering: ['10.0.0.1/32', '10.0.0.2/32'],
      left: ['10.0.0.0/32', '10.0.0.3/32'],
    },
    { case: 'host route minus itself', prefix: '10.0.0.1/32', covering: ['10.0.0.1/32'], left: [] },
    {
      case: '/0 minus one host route at the top',
      prefix: '0.0.0.0/0',
      covering: ['255.255.255.255/32'],
      left: [
        '0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/3', '224.0.0.0/4', '240.0.0.0/5', '248.0.0.0/6', '252.0.0.0/7',
        '254.0.0.0/8', '255.0.0.0/9', '255.128.0.0/10', '255.192.0.0/11', '255.224.0.0/12', '255.240.0.0/13',
        '255.248.0.0/14', '255.252.0.0/15', '255.254.0.0/16', '255.255.0.0/17', '255.255.128.0/18',
        '255.255.192.0/19', '255.255.224.0/20', '255.255.240.0/21', '255.255.248.0/22', '255.255.252.0/23',
        '255.255.254.0/24', '255.255.255.0/25', '255.255.255.128/26', '255.255.255.192/27', '255.255.255.224/28',
        '255.255.255.240/29', '255.255.255.248/30', '255.255.255.252/31', '255.255.255.254/32',
      ],
    },
  ];
  for (const row of rows) {
    test(`leaves the minimal sorted list when ${row.case}`, () => {
      assert.deepEqual(fmt(remainder(c(row.prefix), row.covering.map(c))), row.left);
    });
  }

  test('matches an address-by-address check on random coverers (seeded)', () => {
    // Prepare: a /20 (4096 addresses) and random coverers inside, around and outside it.
    const rand = prng(7);
    const prefix = c('10.1.16.0/20');
    for (let round = 0; round < 50; round++) {
      const covering: Cidr[] = [];
      for (let i = 0; i < 12; i++) {
        const length = 18 + Math.floor(rand() * 15);
        const addr = (prefix.network + Math.floor((rand() - 0.25) * 2 * 4096)) >>> 0;
        covering.push({ network: (addr & (length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0)) >>> 0, length });
      }
      // Act
      const left = remainder(prefix, covering);
      // Assess: exactly the uncovered addresses, sorted, disjoint, and no two mergeable siblings.
      const inLeft = (a: number) => left.some((p) => containsIp(p, a));
      for (let a = prefix.network; a < prefix.network + 4096; a++) {
        assert.equal(inLeft(a), !covering.some((p) => containsIp(p, a)), `round ${round} address ${formatIpv4(a)}`);
      }
      for (let i = 1; i < left.length; i++) {
        assert.ok(range(left[i - 1]!).last < left[i]!.network, 'sorted and disjoint');
        const [x, y] = [left[i - 1]!, left[i]!];
        const parent = { network: (x.network & (0xffffffff << (33 - x.length))) >>> 0, length: x.length - 1 };
        const mergeable = x.length === y.length && cidrEquals(parent, x) && cidrEquals(splitHalves(parent)[1], y);
        assert.ok(!mergeable, `not minimal: ${formatCidr(x)} + ${formatCidr(y)}`);
      }
    }
  });
});

describe('PrefixTrie', () => {
  interface Route {
    readonly name: string;
    readonly usable: boolean;
  }
  const routes: Array<[string, Route]> = [
    ['0.0.0.0/0', { name: 'default', usable: true }],
    ['172.16.0.0/16', { name: 'peering', usable: true }],
    ['172.16.1.0/24', { name: 'cen', usable: false }],
    ['172.16.1.0/25', { name: 'half-low', usable: true }],
    ['172.16.1.128/25', { name: 'half-high', usable: true }],
    ['172.16.1.10/32', { name: 'host', usable: false }],
    ['192.168.0.0/16', { name: 'dc', usable: true }],
    ['255.255.255.255/32', { name: 'broadcast', usable: true }],
  ];
  const build = (): PrefixTrie<Route> => {
    const trie = new PrefixTrie<Route>();
    for (const [cidr, route] of routes) trie.set(c(cidr), route);
    return trie;
  };

  const lookups = [
    { case: 'host route wins', ip: '172.16.1.10', all: 'host', usable: 'half-low' },
    { case: 'upper half', ip: '172.16.1.200', all: 'half-high', usable: 'half-high' },
    { case: 'rest of the /16', ip: '172.16.2.1', all: 'peering', usable: 'peering' },
    { case: 'data center', ip: '192.168.100.1', all: 'dc', usable: 'dc' },
    { case: 'nothing specific: default', ip: '8.8.8.8', all: 'default', usable: 'default' },
    { case: 'top address', ip: '255.255.255.255', all: 'broadcast', usable: 'broadcast' },
    { case: 'bottom address', ip: '0.0.0.0', all: 'default', usable: 'default' },
  ];
  for (const row of lookups) {
    test(`longest match for ${row.case}, falling back past unusable routes`, () => {
      // Prepare
      const trie = build();
      // Act
      const any = trie.lookup(ip(row.ip));
      const usable = trie.lookup(ip(row.ip), (r) => r.usable);
      // Assess
      assert.equal(any?.value.name, row.all);
      assert.equal(usable?.value.name, row.usable);
      assert.ok(any && containsIp(any.prefix, ip(row.ip)));
    });
  }

  test('usable is given the prefix, and a lookup with nothing usable is undefined', () => {
    // Prepare
    const trie = build();
    const seen: string[] = [];
    // Act
    const none = trie.lookup(ip('172.16.1.10'), (_r, p) => {
      seen.push(formatCidr(p));
      return false;
    });
    // Assess
    assert.equal(none, undefined);
    assert.deepEqual(seen.sort(), ['0.0.0.0/0', '172.16.0.0/16', '172.16.1.0/24', '172.16.1.0/25', '172.16.1.10/32']);
  });

  test('an empty trie finds nothing', () => {
    const trie = new PrefixTrie<string>();
    assert.equal(trie.lookup(ip('10.0.0.1')), undefined);
    assert.equal(trie.size, 0);
    assert.deepEqual(trie.entries(), []);
  });

  test('set replaces the value at an exact prefix without growing', () => {
    // Prepare
    const trie = build();
    // Act
    trie.set(c('172.16.0.0/16'), { name: 'peering-2', usable: true });
    // Assess
    assert.equal(trie.size, routes.length);
    assert.equal(trie.get(c('172.16.0.0/16'))?.name, 'peering-2');
    assert.equal(trie.get(c('172.16.0.0/17')), undefined);
  });

  test('refuses a malformed prefix object', () => {
    const trie = new PrefixTrie<string>();
    assert.throws(() => trie.set({ network: ip('172.16.1.5'), length: 24 }, 'x'), (err: unknown) => err instanceof ValidationError && err.code === 'InvalidCidr');
    assert.throws(() => trie.set({ network: 0, length: 33 }, 'x'), ValidationError);
  });

  test('entries come in address order, shorter first', () => {
    // Prepare: insert in reverse order so order is not an accident of insertion.
    const trie = new PrefixTrie<Route>();
    for (const [cidr, route] of [...routes].reverse()) trie.set(c(cidr), route);
    // Act
    const listed = trie.entries().map((e) => formatCidr(e.prefix));
    // Assess
    assert.deepEqual(listed, routes.map(([cidr]) => c(cidr)).sort(compareCidr).map(formatCidr));
  });

  const withinRows = [
    { case: 'the /24 and below', prefix: '172.16.1.0/24', want: ['172.16.1.0/24', '172.16.1.0/25', '172.16.1.10/32', '172.16.1.128/25'] },
    { case: 'a value-less joining node', prefix: '128.0.0.0/1', want: routes.map(([p]) => c(p)).filter((p) => p.length > 0).sort(compareCidr).map(formatCidr) },
    { case: 'between a joining node and its child', prefix: '160.0.0.0/3', want: ['172.16.0.0/16', '172.16.1.0/24', '172.16.1.0/25', '172.16.1.10/32', '172.16.1.128/25'] },
    { case: 'everything', prefix: '0.0.0.0/0', want: routes.map(([p]) => c(p)).sort(compareCidr).map(formatCidr) },
    { case: 'an exact host route', prefix: '172.16.1.10/32', want: ['172.16.1.10/32'] },
    { case: 'an empty region', prefix: '10.0.0.0/8', want: [] },
    { case: 'inside a leaf', prefix: '192.168.1.0/24', want: [] },
  ];
  for (const row of withinRows) {
    test(`within lists equal or more specific prefixes: ${row.case}`, () => {
      assert.deepEqual(build().within(c(row.prefix)).map((e) => formatCidr(e.prefix)), row.want);
    });
  }

  const coveringRows = [
    { case: 'a host route', prefix: '172.16.1.10/32', want: ['0.0.0.0/0', '172.16.0.0/16', '172.16.1.0/24', '172.16.1.0/25', '172.16.1.10/32'] },
    { case: 'a prefix not stored', prefix: '172.16.1.192/26', want: ['0.0.0.0/0', '172.16.0.0/16', '172.16.1.0/24', '172.16.1.128/25'] },
    { case: 'the default route', prefix: '0.0.0.0/0', want: ['0.0.0.0/0'] },
    { case: 'unrelated space', prefix: '10.0.0.0/8', want: ['0.0.0.0/0'] },
  ];
  for (const row of coveringRows) {
    test(`covering lists equal or less specific prefixes shortest first: ${row.case}`, () => {
      assert.deepEqual(build().covering(c(row.prefix)).map((e) => formatCidr(e.prefix)), row.want);
    });
  }

  test('delete removes only the exact prefix and lookups fall back', () => {
    // Prepare
    const trie = build();
    // Act
    const removed = trie.delete(c('172.16.1.0/25'));
    const again = trie.delete(c('172.16.1.0/25'));
    const absent = trie.delete(c('172.16.1.0/26'));
    const glue = trie.delete(c('128.0.0.0/1'));
    // Assess
    assert.equal(removed, true);
    assert.equal(again, false);
    assert.equal(absent, false);
    assert.equal(glue, false);
    assert.equal(trie.size, routes.length - 1);
    assert.equal(trie.lookup(ip('172.16.1.20'))?.value.name, 'cen');
    assert.equal(trie.lookup(ip('172.16.1.10'))?.value.name, 'host');
    assert.equal(trie.lookup(ip('172.16.1.10'), (r) => r.usable)?.value.name, 'peering');
  });

  test('deleting everything leaves an empty trie that can be refilled', () => {
    // Prepare
    const trie = build();
    // Act
    for (const [cidr] of routes) assert.equal(trie.delete(c(cidr)), true);
    // Assess
    assert.equal(trie.size, 0);
    assert.deepEqual(trie.entries(), []);
    assert.equal(trie.lookup(ip('172.16.1.10')), undefined);
    trie.set(c('10.0.0.0/8'), { name: 'again', usable: true });
    assert.equal(trie.lookup(ip('10.9.9.9'))?.value.name, 'again');
  });

  test('agrees with a brute-force scan on random tables, lookups and deletes (seeded)', () => {
    // Prepare: prefixes clustered in a few /8s so nesting and divergence both happen often.
    const rand = prng(2024);
    const randomPrefix = (): Cidr => {
      const length = Math.floor(rand() * 33);
      const addr = (((Math.floor(rand() * 4) + 8) << 24) | Math.floor(rand() * 2 ** 24)) >>> 0;
      const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
      return { network: (addr & mask) >>> 0, length };
    };
    for (let round = 0; round < 20; round++) {
      const trie = new PrefixTrie<number>();
      const table = new Map<string, { prefix: Cidr; value: number }>();
      for (let i = 0; i < 300; i++) {
        const prefix = randomPrefix();
        trie.set(prefix, i);
        table.set(formatCidr(prefix), { prefix, value: i });
      }
      for (let i = 0; i < 100; i++) {
        const prefix = randomPrefix();
        assert.equal(trie.delete(prefix), table.delete(formatCidr(prefix)));
      }
      const all = [...table.values()];
      const usable = (v: number) => v % 3 !== 0;
      // Act + Assess
      assert.equal(trie.size, table.size);
      assert.deepEqual(trie.entries().map((e) => formatCidr(e.prefix)), all.map((e) => e.prefix).sort(compareCidr).map(formatCidr));
      for (let i = 0; i < 300; i++) {
        const addr = (((Math.floor(rand() * 5) + 7) << 24) | Math.floor(rand() * 2 ** 24)) >>> 0;
        const longest = (accept: (v: number) => boolean) =>
          all.filter((e) => containsIp(e.prefix, addr) && accept(e.value)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
        assert.equal(trie.lookup(addr)?.value, longest(() => true)?.value, `lookup ${formatIpv4(addr)}`);
        assert.equal(trie.lookup(addr, usable)?.value, longest(usable)?.value, `usable lookup ${formatIpv4(addr)}`);
      }
      for (let i = 0; i < 30; i++) {
        const q = randomPrefix();
        assert.deepEqual(
          trie.within(q).map((e) => formatCidr(e.prefix)),
          all.filter((e) => containsCidr(q, e.prefix)).map((e) => e.prefix).sort(compareCidr).map(formatCidr),
        );
        assert.deepEqual(
          trie.covering(q).map((e) => formatCidr(e.prefix)),
          all.filter((e) => containsCidr(e.prefix, q)).map((e) => e.prefix).sort((a, b) => a.length - b.length).map(formatCidr),
        );
      }
    }
  });
});

describe('pickEcmp', () => {
  const flowKeys = Array.from({ length: 1000 }, (_, i) => `tcp 192.168.10.${i % 250} 172.16.1.${(i * 7) % 250} ${10000 + i} 80`);

  test('the same flow always takes the same member, whatever the list order', () => {
    // Prepare
    const hops: NextHop[] = [{ id: 'ri-a' }, { id: 'ri-b' }, { id: 'ri-c' }];
    // Act + Assess
    for (const key of flowKeys.slice(0, 200)) {
      const first = pickEcmp(hops, key);
      assert.equal(pickEcmp(hops, key), first);
      assert.equal(pickEcmp([...hops].reverse(), key)?.id, first?.id);
    }
  });

  test('two equal members each get roughly half of 1000 flows', () => {
    // Prepare
    const hops: NextHop[] = [{ id: 'ri-vbr1' }, { id: 'ri-vbr2' }];
    // Act
    const onFirst = flowKeys.filter((k) => pickEcmp(hops, k)?.id === 'ri-vbr1').length;
    // Assess
    assert.ok(onFirst >= 350 && onFirst <= 650, `ri-vbr1 got ${onFirst} of 1000`);
  });

  test('removing a member moves only the flows that were on it', () => {
    // Prepare
    const hops: NextHop[] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const before = flowKeys.map((k) => pickEcmp(hops, k)?.id);
    // Act
    const after = flowKeys.map((k) => pickEcmp(hops.filter((h) => h.id !== 'b'), k)?.id);
    // Assess
    before.forEach((id, i) => {
      if (id !== 'b') assert.equal(after[i], id);
    });
    assert.ok(before.includes('b'));
  });

  const weighted = [
    { case: 'active/standby 100/0', hops: [{ id: 'active', weight: 100 }, { id: 'standby', weight: 0 }], share: { active: [1000, 1000], standby: [0, 0] } },
    { case: 'standby listed first', hops: [{ id: 'standby', weight: 0 }, { id: 'active', weight: 100 }], share: { active: [1000, 1000], standby: [0, 0] } },
    { case: 'all standby shares evenly', hops: [{ id: 'standby', weight: 0 }, { id: 'active', weight: 0 }], share: { active: [350, 650], standby: [350, 650] } },
    { case: 'weights 3:1', hops: [{ id: 'active', weight: 75 }, { id: 'standby', weight: 25 }], share: { active: [650, 850], standby: [150, 350] } },
  ];
  for (const row of weighted) {
    test(`spreads flows by weight: ${row.case}`, () => {
      // Act
      const counts: Record<string, number> = { active: 0, standby: 0 };
      for (const key of flowKeys) {
        const id = pickEcmp(row.hops, key)?.id;
        if (id !== undefined) counts[id] = (counts[id] ?? 0) + 1;
      }
      // Assess
      for (const [id, [lo, hi]] of Object.entries(row.share)) {
        assert.ok(counts[id]! >= lo! && counts[id]! <= hi!, `${id} got ${counts[id]} of 1000, want ${lo}-${hi}`);
      }
    });
  }

  test('an empty set picks nothing and a bad weight is refused', () => {
    assert.equal(pickEcmp([], 'flow'), undefined);
    assert.throws(() => pickEcmp([{ id: 'x', weight: -1 }], 'flow'), (err: unknown) => err instanceof ValidationError && err.code === 'InvalidWeight');
  });
});
