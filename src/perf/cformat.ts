/**
 * printf-style number formatting as glibc does it, so that rendered tool output matches the real
 * tools character for character (`%6.2f`, `%-6.2f`, `%.2g`, `%3d`), plus iperf3's
 * `unit_snprintf` (esnet/iperf `src/units.c`) and cJSON's number printing.
 */

/**
 * `%.{prec}f` with glibc's rounding: the exact binary value is rounded, exact ties go to even.
 * (JavaScript's `toFixed` sends exact ties up; glibc follows the rounding mode, i.e. to even.)
 */
export function fixed(n: number, prec: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  const s = n.toFixed(prec);
  // Only a value whose scaled fraction is at .5 can be an exact tie; skip the costly check otherwise.
  const scaled = Math.abs(n) * 10 ** prec;
  if (Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6 * Math.max(1, scaled * 1e-9)) return s;
  // Detect an exact tie: the digits after `prec` are exactly "5" followed by zeros.
  const digits = Math.min(100, prec + 40);
  const exact = Math.abs(n).toFixed(digits);
  const dot = exact.indexOf('.');
  const tail = exact.slice(dot + 1 + prec);
  if (/^50*$/.test(tail)) {
    // toFixed rounded away from zero; glibc rounds to the even neighbour.
    const down = prec === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + prec);
    const lastDigit = Number(down[down.length - 1]);
    if (lastDigit % 2 === 0) return (n < 0 ? '-' : '') + down;
  }
  return s;
}

/** `%{width}.{prec}f`, right-aligned, or left-aligned when `left` (the `-` flag). */
export function fixedWidth(n: number, width: number, prec: number, left = false): string {
  const s = fixed(n, prec);
  return left ? s.padEnd(width) : s.padStart(width);
}

/** `%{width}d` (right-aligned integer), or `%-{width}d` when `left`. */
export function intWidth(n: number, width: number, left = false): string {
  const s = String(Math.trunc(n));
  return left ? s.padEnd(width) : s.padStart(width);
}

/** `%.{prec}g` as glibc prints it (trailing zeros removed, exponent form outside 1e-4..1e{prec}). */
export function general(n: number, prec: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  const p = prec === 0 ? 1 : prec;
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const expForm = exponential(n, p - 1);
  const x = Number(expForm.slice(expForm.indexOf('e') + 1));
  if (x < -4 || x >= p) {
    const [mant, exp] = expForm.split('e') as [string, string];
    const m = stripZeros(mant);
    const e = Number(exp);
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return stripZeros(fixed(n, p - 1 - x));
}

/** `%.{prec}e` mantissa/exponent with glibc tie handling (via `fixed` on the scaled value). */
function exponential(n: number, prec: number): string {
  // toExponential rounds exact ties away from zero; such ties are vanishingly rare for the
  // measured values printed here and match glibc otherwise.
  return n.toExponential(prec);
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

const BYTE_LABELS = ['Byte', 'KByte', 'MByte', 'GByte', 'TByte'];
const BIT_LABELS = ['bit', 'Kbit', 'Mbit', 'Gbit', 'Tbit'];

/**
 * iperf3's adaptive `unit_snprintf`: `bytes` in bytes (`'A'`, 1024-based, "MByte") or a byte
 * rate turned into bits (`'a'`, 1000-based, "Mbit"). Always 4 digits wide before the label.
 */
export function iperfUnit(value: number, format: 'A' | 'a'): string {
  const bits = format === 'a';
  let num = bits ? value * 8 : value;
  const base = bits ? 1000 : 1024;
  let conv = 0;
  let tmp = num;
  while (tmp >= base && conv < 4) {
    tmp /= base;
    conv++;
  }
  num = num * (1 / base ** conv);
  const label = (bits ? BIT_LABELS : BYTE_LABELS)[conv]!;
  let prec: number;
  if (num < 9.995) prec = 2;
  else if (num < 99.95) prec = 1;
  else prec = 0;
  return `${fixedWidth(num, 4, prec)} ${label}`;
}

/**
 * Number as cJSON 1.7 prints it: an integral value that fits an `int` as `%d`, otherwise the
 * shortest of `%1.15g` / `%1.17g` that reads back to the same double.
 */
export function cjsonNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n) && n <= 2147483647 && n >= -2147483648) return String(n);
  const g15 = general(n, 15);
  if (Number(g15) === n) return g15;
  return general(n, 17);
}
