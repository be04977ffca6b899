// CronJobControllerV2's schedule arithmetic: which missed time runs, how misses are counted (and
// when that turns into TooManyMissedTimes), startingDeadlineSeconds, impossible schedules, when the
// controller looks again, and the names and timestamps of the Jobs it creates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCronSchedule } from '../../src/api/cron/schedule.js';
import { mostRecentScheduleTime, nextScheduleTime, nextScheduleTimeDuration, type CronTimes } from '../../src/controllers/cronjob/schedule-times.js';
import { jobFromTemplate, jobNameFor, rfc1123zUtc, rfc3339InZone, CRONJOB_SCHEDULED_TIMESTAMP } from '../../src/controllers/cronjob/job-from-template.js';
import { formatSchedule, type CronJob } from '../../src/controllers/cronjob/sync-cronjob.js';

const T = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));
const sched = (spec: string, tz?: string) => parseCronSchedule(tz ? `TZ=${tz} ${spec}` : spec);

test('mostRecentScheduleTime: the latest unmet time and how many were missed', () => {
  const cases: { name: string; spec: string; cj: CronTimes; now: string; want?: string; missed: string }[] = [
    { name: 'before the first time', spec: '*/5 * * * *', cj: { creationTimestamp: '2026-01-05T10:00:00Z' }, now: '2026-01-05T10:04:59Z', missed: 'none' },
    { name: 'exactly at the first time', spec: '*/5 * * * *', cj: { creationTimestamp: '2026-01-05T10:00:00Z' }, now: '2026-01-05T10:05:00Z', want: '2026-01-05T10:05:00Z', missed: 'none' },
    { name: 'the first time, a bit late', spec: '*/5 * * * *', cj: { creationTimestamp: '2026-01-05T10:00:00Z' }, now: '2026-01-05T10:09:59Z', want: '2026-01-05T10:05:00Z', missed: 'none' },
    { name: 'three missed: only the latest', spec: '*/5 * * * *', cj: { creationTimestamp: '2026-01-05T10:00:30Z' }, now: '2026-01-05T10:17:00Z', want: '2026-01-05T10:15:00Z', missed: 'few' },
    { name: 'last schedule time wins over creation', spec: '*/5 * * * *', cj: { creationTimestamp: '2026-01-01T00:00:00Z', lastScheduleTime: '2026-01-05T10:15:00Z' }, now: '2026-01-05T10:20:00Z', want: '2026-01-05T10:20:00Z', missed: 'none' },
    { name: 'already run', spec: '*/5 * * * *', cj: { lastScheduleTime: '2026-01-05T10:15:00Z' }, now: '2026-01-05T10:19:00Z', missed: 'none' },
    { name: '12 hours of downtime: 144 missed', spec: '*/5 * * * *', cj: { lastScheduleTime: '2026-01-05T00:00:00Z' }, now: '2026-01-05T12:00:00Z', want: '2026-01-05T12:00:00Z', missed: 'many' },
    { name: '100 missed is not too many', spec: '*/5 * * * *', cj: { lastScheduleTime: '2026-01-05T00:00:00Z' }, now: '2026-01-05T08:20:00Z', want: '2026-01-05T08:20:00Z', missed: 'few' },
    { name: '101 missed is', spec: '*/5 * * * *', cj: { lastScheduleTime: '2026-01-05T00:00:00Z' }, now: '2026-01-05T08:25:00Z', want: '2026-01-05T08:25:00Z', missed: 'many' },
    { name: 'hourly after downtime', spec: '0 * * * *', cj: { creationTimestamp: '2026-01-05T09:30:00Z' }, now: '2026-01-05T12:30:00Z', want: '2026-01-05T12:00:00Z', missed: 'few' },
    { name: '@every 1h30m counts from the last time', spec: '@every 1h30m', cj: { creationTimestamp: '2026-01-05T10:00:00Z' }, now: '2026-01-05T14:10:00Z', want: '2026-01-05T13:00:00Z', missed: 'few' },
    { name: 'irregular schedule after a weekend', spec: '30 6-16/4 * * 1-5', cj: { lastScheduleTime: '2026-01-02T14:30:00Z' }, now: '2026-01-05T11:00:00Z', want: '2026-01-05T10:30:00Z', missed: 'few' },
    { name: 'a time zone: 09:00 in Tokyo is midnight UTC', spec: '0 9 * * *', cj: { creationTimestamp: '2026-01-01T00:00:30Z' }, now: '2026-01-02T00:00:10Z', want: '2026-01-02T00:00:00Z', missed: 'none' },
  ];
  for (const c of cases) {
    const tz = c.name.includes('Tokyo') ? 'Asia/Tokyo' : undefined;
    const r = mostRecentScheduleTime(c.cj, T(c.now), sched(c.spec, tz), true);
    assert.equal(iso(r.mostRecent), c.want, c.name);
    assert.equal(r.missed, c.missed, c.name);
    assert.equal(r.error, undefined, c.name);
  }
});

test('startingDeadlineSeconds bounds the search: old misses are dropped, not counted', () => {
  const s = sched('*/5 * * * *');
  // A week of downtime but a 200 s deadline: only 12:00 is still startable, and nothing counts as missed.
  const r = nextScheduleTime({ lastScheduleTime: '2025-12-29T00:00:00Z', startingDeadlineSeconds: 200 }, T('2026-01-05T12:01:00Z'), s);
  assert.equal(iso(r.time), '2026-01-05T12:00:00Z');
  assert.equal(r.tooManyMissed, false);
  // Past the deadline of the latest time: nothing runs.
  const late = nextScheduleTime({ lastScheduleTime: '2025-12-29T00:00:00Z', startingDeadlineSeconds: 30 }, T('2026-01-05T12:01:00Z'), s);
  assert.equal(late.time, undefined);
  // Without a deadline, the week of downtime is "too many missed", and the latest time still runs (v2 behaviour).
  const many = nextScheduleTime({ lastScheduleTime: '2025-12-29T00:00:00Z' }, T('2026-01-05T12:01:00Z'), s);
  assert.equal(iso(many.time), '2026-01-05T12:00:00Z');
  assert.equal(many.tooManyMissed, true);
});

test('an impossible schedule is an error (InvalidSchedule), not a hang', () => {
  const r = mostRecentScheduleTime({ creationTimestamp: '2026-01-01T00:00:00Z' }, T('2026-06-01T00:00:00Z'), sched('0 0 31 2 *'), true);
  assert.equal(r.error, 'time difference between two schedules is less than 1 second');
  assert.equal(r.mostRecent, undefined);
});

test('nextScheduleTimeDuration: just after the next schedule time', () => {
  const s = sched('*/5 * * * *');
  // Ran at 10:15; at 10:16 the next look is 10:20:00.100.
  assert.equal(nextScheduleTimeDuration({ lastScheduleTime: '2026-01-05T10:15:00Z' }, T('2026-01-05T10:16:00Z'), s), 4 * 60_000 + 100);
  // Created at 10:00:00, nothing run yet, at 10:02:30.
  assert.equal(nextScheduleTimeDuration({ creationTimestamp: '2026-01-05T10:00:00Z' }, T('2026-01-05T10:02:30Z'), s), 150_000 + 100);
  // A missed 10:05 (Forbid skipped it): the next look is after 10:10.
  assert.equal(nextScheduleTimeDuration({ lastScheduleTime: '2026-01-05T10:00:00Z' }, T('2026-01-05T10:07:00Z'), s), 3 * 60_000 + 100);
  // Many missed: from now.
  assert.equal(nextScheduleTimeDuration({ lastScheduleTime: '2026-01-05T00:00:00Z' }, T('2026-01-05T12:01:00Z'), s), 4 * 60_000 + 100);
  // An impossible schedule: never.
  assert.equal(nextScheduleTimeDuration({ creationTimestamp: '2026-01-01T00:00:00Z' }, T('2026-01-02T00:00:00Z'), sched('0 0 30 2 *')), undefined);
});

test('Job names are <cronjob>-<scheduled minutes since the epoch>', () => {
  assert.equal(jobNameFor('hello', T('2024-01-01T00:00:00Z')), 'hello-28401120');
  assert.equal(jobNameFor('hello', T('2024-01-01T00:00:59Z')), 'hello-28401120');
  assert.equal(jobNameFor('sample-cronjob', T('2026-01-05T10:05:00Z')), `sample-cronjob-${Math.floor(T('2026-01-05T10:05:00Z') / 60000)}`);
});

test('time formats: RFC 3339 in the CronJob zone (Z for zero offsets), RFC 1123Z in UTC', () => {
  const t = T('2026-01-02T00:00:00Z');
  assert.equal(rfc3339InZone(t, undefined), '2026-01-02T00:00:00Z');
  assert.equal(rfc3339InZone(t, 'Asia/Tokyo'), '2026-01-02T09:00:00+09:00');
  assert.equal(rfc3339InZone(t, 'America/New_York'), '2026-01-01T19:00:00-05:00');
  assert.equal(rfc3339InZone(t, 'Asia/Kolkata'), '2026-01-02T05:30:00+05:30');
  // Go prints Z for any zero offset, whatever the zone's name.
  assert.equal(rfc3339InZone(t, 'Europe/London'), '2026-01-02T00:00:00Z');
  assert.equal(rfc3339InZone(T('2026-07-01T00:00:00Z'), 'Europe/London'), '2026-07-01T01:00:00+01:00');
  assert.equal(rfc1123zUtc(T('2026-01-05T10:05:00Z')), 'Mon, 05 Jan 2026 10:05:00 +0000');
});

function cronJob(spec: Partial<CronJob['spec']> = {}, meta: Partial<CronJob['metadata']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'ns1', uid: 'cj-uid', creationTimestamp: '2026-01-01T00:00:00Z', ...meta },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      jobTemplate: { metadata: { labels: { app: 'hello' }, annotations: { note: 'x' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

test('the Job for a schedule time: template labels/annotations, scheduled-timestamp, controller ref, spec', () => {
  const job = jobFromTemplate(cronJob({ timeZone: 'Asia/Tokyo' }), T('2026-01-02T00:05:00Z'));
  assert.equal(job.metadata.name, `hello-${T('2026-01-02T00:05:00Z') / 60000}`);
  assert.equal(job.metadata.namespace, 'ns1');
  assert.deepEqual(job.metadata.labels, { app: 'hello' });
  assert.deepEqual(job.metadata.annotations, { note: 'x', [CRONJOB_SCHEDULED_TIMESTAMP]: '2026-01-02T09:05:00+09:00' });
  assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(job.spec, { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } });
});

test('formatSchedule puts spec.timeZone in front; legacy TZ= schedules are kept with a warning', () => {
  assert.equal(formatSchedule(cronJob()), '*/5 * * * *');
  assert.equal(formatSchedule(cronJob({ timeZone: 'Europe/Berlin' })), 'TZ=Europe/Berlin */5 * * * *');
  const events: string[] = [];
  const legacy = cronJob({ schedule: 'CRON_TZ=UTC 0 * * * *' });
  assert.equal(formatSchedule(legacy, { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) }), 'CRON_TZ=UTC 0 * * * *');
  assert.deepEqual(events, [
    'Warning UnsupportedSchedule CRON_TZ or TZ used in schedule "CRON_TZ=UTC 0 * * * *" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details',
  ]);
});
