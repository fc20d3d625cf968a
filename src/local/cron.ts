/**
 * Schedules of FC timer triggers: the 6-field UTC cron expression
 * (`Seconds Minutes Hours Day-of-month Month Day-of-week`) and `@every <duration>`.
 *
 * Follows the FC time-trigger docs (alibabacloud.com/help/en/functioncompute/fc/user-guide/time-triggers):
 * UTC only, special characters `* , - ? /`, months 1-12 or JAN-DEC, weekdays 0-6 or SUN-SAT
 * (0 = Sunday). When both day-of-month and day-of-week are restricted, a day matches if either
 * matches (classic cron rule; UNCONFIRMED for FC, which documents `?` for "no specific value").
 * `CRON_TZ=` prefixes and descriptors other than `@every` are refused rather than guessed.
 */
import { ValidationError } from '../errors.ts';

/** A parsed schedule. */
export interface Schedule {
  /** The expression it was parsed from. */
  readonly expression: string;
  /**
   * The first fire time strictly after `afterMs` (epoch milliseconds, UTC), or `undefined` when the
   * expression can never fire again (e.g. 30 February) within the search horizon of 8 years.
   */
  next(afterMs: number): number | undefined;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** `?` allowed (day-of-month and day-of-week only). */
  question?: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], question: true },
];

const HORIZON_YEARS = 8;

function invalid(expression: string, why: string): ValidationError {
  return new ValidationError(`invalid timer expression '${expression}': ${why}`, {
    code: 'InvalidCronExpression',
    field: 'cronExpression',
  });
}

/** A set of allowed values, plus whether it was written as `*` or `?` (matters for the day rule). */
interface FieldSet {
  values: boolean[];
  star: boolean;
}

function parseValue(token: string, spec: FieldSpec, expression: string): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(token)) throw invalid(expression, `'${token}' is not a valid ${spec.name} value`);
  const n = Number(token);
  if (n < spec.min || n > spec.max) {
    throw invalid(expression, `${spec.name} value ${n} is outside ${spec.min}-${spec.max}`);
  }
  return n;
}

function parseField(text: string, spec: FieldSpec, expression: string): FieldSet {
  const values = new Array<boolean>(spec.max + 1).fill(false);
  let star = false;
  for (const item of text.split(',')) {
    if (item === '') throw invalid(expression, `empty list item in the ${spec.name} field`);
    const [rangePart, stepPart, extra] = item.split('/');
    if (extra !== undefined || rangePart === undefined) throw invalid(expression, `'${item}' has more than one '/'`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) {
        throw invalid(expression, `step '${stepPart}' in the ${spec.name} field must be a positive integer`);
      }
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === '*' || rangePart === '?') {
      if (rangePart === '?' && !spec.question) throw invalid(expression, `'?' is not allowed in the ${spec.name} field`);
      lo = spec.min;
      hi = spec.max;
      if (stepPart === undefined) star = true;
    } else if (rangePart.includes('-')) {
      const [a, b, more] = rangePart.split('-');
      if (more !== undefined || a === undefined || b === undefined) throw invalid(expression, `bad range '${rangePart}'`);
      lo = parseValue(a, spec, expression);
      hi = parseValue(b, spec, expression);
      if (lo > hi) throw invalid(expression, `range '${rangePart}' in the ${spec.name} field runs backwards`);
    } else {
      lo = parseValue(rangePart, spec, expression);
      // `a/n` means "from a to the end, every n"; a bare value is just itself.
      hi = stepPart === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values[v] = true;
  }
  return { values, star };
}

/** Go-style duration (`90s`, `5m`, `1h30m`, `1.5h`) in milliseconds, as `@every` takes it. */
function parseDuration(text: string, expression: string): number {
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m[1] === undefined || m[2] === undefined) throw invalid(expression, `'${text}' is not a duration like 5m or 1h30m`);
    total += Number(m[1]) * (unitMs[m[2]] ?? 0);
    pos = re.lastIndex;
  }
  if (text.length === 0) throw invalid(expression, '@every needs a duration');
  // FC rounds to whole seconds; a schedule faster than once a second is refused.
  const rounded = Math.round(total / 1000) * 1000;
  if (rounded < 1000) throw invalid(expression, '@every needs at least 1s');
  return rounded;
}

const DAY_MS = 86_400_000;

/**
 * Parses a timer trigger's `cronExpression`.
 * @param expression 6-field UTC cron, or `@every <duration>`.
 * @param opts.anchorMs start of `@every` intervals (FC counts from when the trigger was created);
 *   default 0 (the epoch).
 * @throws ValidationError (code `InvalidCronExpression`) naming the offending part.
 */
export function parseSchedule(expression: string, opts: { anchorMs?: number } = {}): Schedule {
  const expr = expression.trim();
  if (expr.startsWith('CRON_TZ=') || expr.startsWith('TZ=')) {
    throw invalid(expression, 'time zones are not supported by the local stand-in; write the expression in UTC');
  }
  if (expr.startsWith('@')) {
    const m = /^@every\s+(\S+)$/.exec(expr);
    if (!m || m[1] === undefined) throw invalid(expression, 'the only descriptor FC accepts is @every <duration>');
    const every = parseDuration(m[1], expression);
    const anchor = opts.anchorMs ?? 0;
    return {
      expression,
      next(afterMs: number): number {
        if (afterMs < anchor) return anchor + every;
        return anchor + (Math.floor((afterMs - anchor) / every) + 1) * every;
      },
    };
  }
  const parts = expr.split(/\s+/);
  if (parts.length !== 6) {
    throw invalid(expression, `expected 6 fields (seconds minutes hours day-of-month month day-of-week), got ${parts.length}`);
  }
  const [sec, min, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec, expression)) as [
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
  ];

  const dayMatches = (d: Date): boolean => {
    const domOk = dom.values[d.getUTCDate()] === true;
    const dowOk = dow.values[d.getUTCDay()] === true;
    if (dom.star || dow.star) return domOk && dowOk;
    return domOk || dowOk;
  };

  return {
    expression,
    next(afterMs: number): number | undefined {
      let t = Math.floor(afterMs / 1000) * 1000 + 1000;
      const limit = afterMs + HORIZON_YEARS * 366 * DAY_MS;
      // Walk coarse to fine: each mismatch jumps to the start of the next month/day/hour/minute/second.
      while (t <= limit) {
        const d = new Date(t);
        const y = d.getUTCFullYear();
        const mo = d.getUTCMonth() + 1;
        if (!month.values[mo]) {
          t = Date.UTC(y, mo, 1);
          continue;
        }
        if (!dayMatches(d)) {
          t = Date.UTC(y, mo - 1, d.getUTCDate() + 1);
          continue;
        }
        if (!hour.values[d.getUTCHours()]) {
          t = Date.UTC(y, mo - 1, d.getUTCDate(), d.getUTCHours() + 1);
          continue;
        }
        if (!min.values[d.getUTCMinutes()]) {
          t = Date.UTC(y, mo - 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes() + 1);
          continue;
        }
        if (!sec.values[d.getUTCSeconds()]) {
          t += 1000;
          continue;
        }
        return t;
      }
      return undefined;
    },
  };
}
