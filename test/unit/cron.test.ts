/** The FC timer-trigger schedule parser (src/local/cron.ts): 6-field UTC cron and @every. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule } from '../../src/local/cron.ts';
import { ValidationError } from '../../src/errors.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

test('next fire time of cron expressions, in UTC', async (t) => {
  const cases = [
    { case: 'every five minutes at second 0', expr: '0 */5 * * * *', from: '2026-01-01T00:00:30Z', next: '2026-01-01T00:05:00.000Z' },
    { case: 'exactly on a fire time moves to the next one', expr: '0 */5 * * * *', from: '2026-01-01T00:05:00Z', next: '2026-01-01T00:10:00.000Z' },
    { case: 'every second', expr: '* * * * * *', from: '2026-01-01T00:00:00.400Z', next: '2026-01-01T00:00:01.000Z' },
    { case: 'daily at 04:00 rolls to the next day', expr: '0 0 4 * * *', from: '2026-01-01T05:00:00Z', next: '2026-01-02T04:00:00.000Z' },
    { case: 'first of the month', expr: '30 15 10 1 * *', from: '2026-01-15T00:00:00Z', next: '2026-02-01T10:15:30.000Z' },
    { case: 'weekday by name', expr: '0 0 0 ? * MON', from: '2026-01-01T00:00:00Z', next: '2026-01-05T00:00:00.000Z' },
    { case: 'names are case-insensitive', expr: '0 0 0 1 jul *', from: '2026-01-01T00:00:00Z', next: '2026-07-01T00:00:00.000Z' },
    { case: 'leap day skips to the next leap year', expr: '0 0 0 29 FEB ?', from: '2026-03-01T00:00:00Z', next: '2028-02-29T00:00:00.000Z' },
    { case: 'day-of-month or day-of-week when both are set', expr: '0 0 0 13 * 5', from: '2026-01-01T00:00:00Z', next: '2026-01-02T00:00:00.000Z' },
    { case: 'stepped range', expr: '10-20/5 * * * * *', from: '2026-01-01T00:00:12Z', next: '2026-01-01T00:00:15.000Z' },
    { case: 'stepped range wraps to the next minute', expr: '10-20/5 * * * * *', from: '2026-01-01T00:00:20Z', next: '2026-01-01T00:01:10.000Z' },
    { case: 'value with step runs to the end of the field', expr: '0 50/5 * * * *', from: '2026-01-01T00:56:00Z', next: '2026-01-01T01:50:00.000Z' },
    { case: 'lists', expr: '0 0 1,13 * * *', from: '2026-01-01T02:00:00Z', next: '2026-01-01T13:00:00.000Z' },
    { case: 'year rollover', expr: '0 0 0 1 1 *', from: '2026-06-01T00:00:00Z', next: '2027-01-01T00:00:00.000Z' },
    { case: 'an impossible date never fires', expr: '0 0 0 31 2 *', from: '2026-01-01T00:00:00Z', next: undefined },
  ];
  for (const c of cases) {
    await t.test(c.case, () => {
      assert.equal(iso(parseSchedule(c.expr).next(at(c.from))), c.next);
    });
  }
});

test('@every counts whole intervals from its anchor', () => {
  const anchor = at('2026-01-01T00:00:00Z');
  const s = parseSchedule('@every 1m30s', { anchorMs: anchor });
  const first = s.next(anchor);
  assert.equal(iso(first), '2026-01-01T00:01:30.000Z');
  assert.equal(iso(s.next(first as number)), '2026-01-01T00:03:00.000Z');
  assert.equal(iso(parseSchedule('@every 1.5h', { anchorMs: anchor }).next(anchor + 1)), '2026-01-01T01:30:00.000Z');
  assert.equal(iso(parseSchedule('@every 5m', { anchorMs: anchor }).next(anchor - 10)), '2026-01-01T00:05:00.000Z');
});

test('invalid expressions are refused with a message naming the problem', async (t) => {
  const cases = [
    { case: 'five fields', expr: '*/5 * * * *', why: /expected 6 fields/ },
    { case: 'second out of range', expr: '60 * * * * *', why: /seconds value 60/ },
    { case: 'question mark outside the day fields', expr: '? * * * * *', why: /'\?' is not allowed in the seconds field/ },
    { case: 'zero step', expr: '*/0 * * * * *', why: /step '0'/ },
    { case: 'backwards range', expr: '5-1 * * * * *', why: /runs backwards/ },
    { case: 'unknown name', expr: '0 0 0 * FOO *', why: /'FOO' is not a valid month/ },
    { case: 'weekday 7', expr: '0 0 0 ? * 7', why: /day-of-week value 7/ },
    { case: 'time zone prefix', expr: 'CRON_TZ=Asia/Shanghai 0 0 4 1 * *', why: /UTC/ },
    { case: 'other descriptors', expr: '@daily', why: /@every/ },
    { case: 'sub-second @every', expr: '@every 100ms', why: /at least 1s/ },
    { case: 'bad duration', expr: '@every 5 minutes', why: /duration|@every/ },
  ];
  for (const c of cases) {
    await t.test(c.case, () => {
      assert.throws(
        () => parseSchedule(c.expr),
        (err: unknown) => err instanceof ValidationError && err.code === 'InvalidCronExpression' && c.why.test(err.message),
      );
    });
  }
});

test('successive fire times of a schedule strictly increase and all match it', () => {
  const s = parseSchedule('15 */7 1-5 * * MON-FRI');
  let t = at('2026-01-01T00:00:00Z');
  for (let i = 0; i < 200; i++) {
    const n = s.next(t) as number;
    assert.ok(n > t);
    const d = new Date(n);
    assert.equal(d.getUTCSeconds(), 15);
    assert.equal(d.getUTCMinutes() % 7, 0);
    assert.ok(d.getUTCHours() >= 1 && d.getUTCHours() <= 5);
    assert.ok(d.getUTCDay() >= 1 && d.getUTCDay() <= 5);
    t = n;
  }
});
