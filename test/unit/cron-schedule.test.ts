// The cron parser and next-time computation, checked against robfig/cron v3 (cron.ParseStandard)
// behaviour that Kubernetes CronJobs inherit: messages, field grammar, the day-of-month/day-of-week
// OR rule, descriptors, @every, and wall-clock schedules across DST changes in IANA zones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronScheduleError, parseCronSchedule } from '../../src/api/cron/schedule.js';
import { parseGoDuration } from '../../src/api/cron/go-duration.js';
import { loadLocationError } from '../../src/api/cron/time-zone.js';

function next(spec: string, after: string, zone?: string): string | null {
  const d = parseCronSchedule(spec).next(new Date(after), zone);
  return d ? d.toISOString() : null;
}

test('5-field schedules: lists, ranges, steps, names, ?', () => {
  const cases: [spec: string, after: string, want: string][] = [
    ['* * * * *', '2024-01-01T00:00:00Z', '2024-01-01T00:01:00.000Z'],
    ['* * * * *', '2024-01-01T00:00:59.999Z', '2024-01-01T00:01:00.000Z'],
    ['*/15 * * * *', '2024-01-01T00:07:30Z', '2024-01-01T00:15:00.000Z'],
    ['5,35 * * * *', '2024-01-01T00:06:00Z', '2024-01-01T00:35:00.000Z'],
    ['10-12 * * * *', '2024-01-01T00:12:00Z', '2024-01-01T01:10:00.000Z'],
    ['10-40/15 * * * *', '2024-01-01T00:26:00Z', '2024-01-01T00:40:00.000Z'],
    // "N/step" means N-max/step.
    ['50/5 * * * *', '2024-01-01T00:56:00Z', '2024-01-01T01:50:00.000Z'],
    // A step larger than the range selects only the start: fires hourly at minute 0.
    ['*/61 * * * *', '2024-01-01T00:00:00Z', '2024-01-01T01:00:00.000Z'],
    ['0 9 * * MON-FRI', '2024-01-06T10:00:00Z', '2024-01-08T09:00:00.000Z'], // Saturday -> Monday
    ['0 9 * * sun', '2024-01-01T00:00:00Z', '2024-01-07T09:00:00.000Z'],
    ['0 0 1 jan,Jul ?', '2024-02-01T00:00:00Z', '2024-07-01T00:00:00.000Z'],
    ['0 0 ? * 3', '2024-01-01T00:00:00Z', '2024-01-03T00:00:00.000Z'],
    ['0 12 * * 0', '2024-01-07T12:00:00Z', '2024-01-14T12:00:00.000Z'], // strictly after
    // Leap day: the next 29 February is four years on.
    ['0 0 29 2 *', '2024-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    // Empty list pieces are dropped ("1,,2" is "1,2").
    ['1,,2 * * * *', '2024-01-01T00:01:30Z', '2024-01-01T00:02:00.000Z'],
    // robfig only reads the first piece of a range starting with "*": "*-5" is "*".
    ['*-5 * * * *', '2024-01-01T00:06:00Z', '2024-01-01T00:07:00.000Z'],
  ];
  for (const [spec, after, want] of cases) assert.equal(next(spec, after), want, `${spec} after ${after}`);
});

test('day-of-month and day-of-week: OR when both restricted, AND when either is * or ?', () => {
  // 13th OR Friday: 2024-01-05 is a Friday, before the 13th.
  assert.equal(next('0 0 13 * 5', '2024-01-01T00:00:00Z'), '2024-01-05T00:00:00.000Z');
  assert.equal(next('0 0 13 * 5', '2024-01-12T00:00:00Z'), '2024-01-13T00:00:00.000Z');
  // Day-of-week "*": only the 13th.
  assert.equal(next('0 0 13 * *', '2024-01-01T00:00:00Z'), '2024-01-13T00:00:00.000Z');
  // Day-of-month "*": only Fridays.
  assert.equal(next('0 0 * * 5', '2024-01-06T00:00:00Z'), '2024-01-12T00:00:00.000Z');
  // A stepped star ("*/2") is a restriction, so OR applies: odd days OR Mondays.
  assert.equal(next('0 0 */2 * 1', '2024-01-03T12:00:00Z'), '2024-01-05T00:00:00.000Z');
  assert.equal(next('0 0 */2 * 1', '2024-01-07T12:00:00Z'), '2024-01-08T00:00:00.000Z');
  // "*/1" keeps the star: AND semantics, i.e. only Mondays.
  assert.equal(next('0 0 */1 * 1', '2024-01-03T12:00:00Z'), '2024-01-08T00:00:00.000Z');
});

test('descriptors', () => {
  const cases: [string, string, string][] = [
    ['@yearly', '2024-05-05T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@annually', '2024-05-05T00:00:00Z', '2025-01-01T00:00:00.000Z'],
    ['@monthly', '2024-05-05T00:00:00Z', '2024-06-01T00:00:00.000Z'],
    ['@weekly', '2024-01-01T00:00:00Z', '2024-01-07T00:00:00.000Z'], // Sunday midnight
    ['@daily', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00.000Z'],
    ['@midnight', '2024-01-01T23:59:59Z', '2024-01-02T00:00:00.000Z'],
    ['@hourly', '2024-01-01T00:30:00Z', '2024-01-01T01:00:00.000Z'],
  ];
  for (const [spec, after, want] of cases) assert.equal(next(spec, after), want, spec);
});

test('@every <Go duration>: fixed delay from the given time, truncated to whole seconds', () => {
  assert.equal(next('@every 1h30m', '2024-01-01T00:00:00.500Z'), '2024-01-01T01:30:00.000Z');
  assert.equal(next('@every 90s', '2024-01-01T00:00:10Z'), '2024-01-01T00:01:40.000Z');
  assert.equal(next('@every 1.5s', '2024-01-01T00:00:00Z'), '2024-01-01T00:00:01.000Z');
  // Below one second becomes one second.
  assert.equal(next('@every 10ms', '2024-01-01T00:00:00Z'), '2024-01-01T00:00:01.000Z');
  // Time zones do not matter for a fixed delay.
  assert.equal(next('@every 2h', '2024-03-10T06:00:00Z', 'America/New_York'), '2024-03-10T08:00:00.000Z');
});

test('no match within five years gives null (robfig zero time)', () => {
  assert.equal(next('0 0 30 2 *', '2024-01-01T00:00:00Z'), null);
  assert.equal(next('0 0 31 4 *', '2024-01-01T00:00:00Z'), null);
});

test('wall-clock schedules across DST in America/New_York', () => {
  const ny = 'America/New_York';
  // Spring forward (2024-03-10, 02:00 EST -> 03:00 EDT): 02:30 does not exist that day, robfig skips it.
  assert.equal(next('30 2 * * *', '2024-03-09T12:00:00Z', ny), '2024-03-11T06:30:00.000Z');
  // 03:00 exists (first hour of EDT).
  assert.equal(next('0 3 * * *', '2024-03-10T06:00:00Z', ny), '2024-03-10T07:00:00.000Z');
  // Daily 09:00 keeps wall time: 14:00Z before the change, 13:00Z after.
  assert.equal(next('0 9 * * *', '2024-03-09T15:00:00Z', ny), '2024-03-10T13:00:00.000Z');
  assert.equal(next('0 9 * * *', '2024-03-08T15:00:00Z', ny), '2024-03-09T14:00:00.000Z');
  // Fall back (2024-11-03, 02:00 EDT -> 01:00 EST): 01:30 happens twice and robfig fires at both.
  assert.equal(next('30 1 * * *', '2024-11-02T12:00:00Z', ny), '2024-11-03T05:30:00.000Z'); // 01:30 EDT
  assert.equal(next('30 1 * * *', '2024-11-03T05:30:00Z', ny), '2024-11-03T06:30:00.000Z'); // 01:30 EST
  assert.equal(next('30 1 * * *', '2024-11-03T06:30:00Z', ny), '2024-11-04T06:30:00.000Z');
});

test('wall-clock schedules across DST in Europe/Berlin and a zone whose midnight is skipped', () => {
  const berlin = 'Europe/Berlin';
  // 2024-03-31 02:00 CET -> 03:00 CEST: 02:30 is skipped that day.
  assert.equal(next('30 2 * * *', '2024-03-30T12:00:00Z', berlin), '2024-04-01T00:30:00.000Z');
  assert.equal(next('0 12 * * *', '2024-03-30T12:00:00Z', berlin), '2024-03-31T10:00:00.000Z');
  // 2024-10-27 03:00 CEST -> 02:00 CET: 02:30 happens twice.
  assert.equal(next('30 2 * * *', '2024-10-27T00:00:00Z', berlin), '2024-10-27T00:30:00.000Z');
  assert.equal(next('30 2 * * *', '2024-10-27T00:30:00Z', berlin), '2024-10-27T01:30:00.000Z');
  // America/Santiago skips midnight on 2024-09-08 (00:00 -04 -> 01:00 -03): robfig finds no 00:00 that day.
  assert.equal(next('0 0 * * *', '2024-09-07T12:00:00Z', 'America/Santiago'), '2024-09-09T03:00:00.000Z');
  // A schedule in a zone without DST.
  assert.equal(next('0 9 * * *', '2024-01-01T00:00:00Z', 'Asia/Tokyo'), '2024-01-02T00:00:00.000Z');
});

test('TZ= and CRON_TZ= prefixes set the zone (the controller builds them from spec.timeZone)', () => {
  assert.equal(next('CRON_TZ=Asia/Tokyo 0 9 * * *', '2024-01-01T00:00:00Z'), '2024-01-02T00:00:00.000Z');
  assert.equal(next('TZ=America/New_York 0 9 * * *', '2024-01-01T00:00:00Z'), '2024-01-01T14:00:00.000Z');
  // The prefix wins over the evaluator's zone.
  assert.equal(next('TZ=UTC 0 9 * * *', '2024-01-01T00:00:00Z', 'Asia/Tokyo'), '2024-01-01T09:00:00.000Z');
  assert.equal(parseCronSchedule('TZ=Europe/Berlin @daily').location, 'Europe/Berlin');
  assert.equal(cronScheduleError('TZ=Mars/Olympus * * * * *'), 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
});

test('parse errors carry robfig messages', () => {
  const cases: [string, string][] = [
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-3 * * * *', 'beginning of range (5) beyond end of range (3): 5-3'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ['-1 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['   ', 'expected exactly 5 fields, found 0: []'],
    ['L * * * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ['0 0 1W * *', 'failed to parse int from 1W: strconv.Atoi: parsing "1W": invalid syntax'],
    ['@foo', 'unrecognized descriptor: @foo'],
    ['@Daily', 'unrecognized descriptor: @Daily'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every ', 'failed to parse duration @every : time: invalid duration ""'],
    ['', 'empty spec string'],
  ];
  for (const [spec, want] of cases) assert.equal(cronScheduleError(spec), want, JSON.stringify(spec));
  for (const ok of ['0 0 * * *', '@every 1h30m', '*/61 * * * *', 'CRON_TZ=UTC * * * * *', '0 0 1-31/2 JAN-dec SUN-sat']) {
    assert.equal(cronScheduleError(ok), undefined, ok);
  }
});

test('Go durations', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('1.5h'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('-2m'), -120_000_000_000n);
  assert.equal(parseGoDuration('300ms'), 300_000_000n);
  assert.equal(parseGoDuration('1\u00b5s'), 1_000n);
  assert.equal(parseGoDuration('0'), 0n);
  assert.equal(parseGoDuration('.5s'), 500_000_000n);
  assert.throws(() => parseGoDuration('1.s.'), /time: invalid duration "1\.s\."/);
  assert.throws(() => parseGoDuration('3000000h'), /time: invalid duration "3000000h"/);
});

test('time zone names load as Go LoadLocation does (case-sensitive, links allowed)', () => {
  assert.equal(loadLocationError('America/New_York'), undefined);
  assert.equal(loadLocationError('US/Eastern'), undefined);
  assert.equal(loadLocationError('Asia/Kolkata'), undefined);
  assert.equal(loadLocationError('Etc/UTC'), undefined);
  assert.equal(loadLocationError('Mars/Olympus'), 'unknown time zone Mars/Olympus');
  assert.equal(loadLocationError('america/new_york'), 'unknown time zone america/new_york');
  assert.equal(loadLocationError('utc'), 'unknown time zone utc');
});
