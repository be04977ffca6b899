// The CronJob sync (CronJobControllerV2) against an in-memory API on a VirtualClock: a simulated
// week of `*/5` runs, concurrency policies, suspension, downtime (only the latest missed time runs,
// with TooManyMissedTimes past 100), starting deadlines, history limits, and status bookkeeping.
// Each sync is driven at the time the controller asked to be requeued, as its work queue would.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import { cloneJson } from '../../src/api/equality.js';
import type { KObject } from '../../src/api/types.js';
import { CronJobSyncer, type CronJob, type CronJobApi } from '../../src/controllers/cronjob/sync-cronjob.js';
import { CRONJOB_SCHEDULED_TIMESTAMP } from '../../src/controllers/cronjob/job-from-template.js';
import { rfc3339, VirtualClock } from '../../src/util/clock.js';

interface RecordedEvent {
  at: string;
  type: string;
  reason: string;
  message: string;
}

/** One namespace of an API server: the CronJob, its Jobs, and events. */
class FakeCluster implements CronJobApi {
  cj: CronJob;
  readonly jobs = new Map<string, KObject>();
  readonly events: RecordedEvent[] = [];
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  statusWrites = 0;
  private seq = 0;
  /** How long each created Job runs before it completes (undefined: runs until told). */
  runMs: number | undefined = 60_000;
  /** Whether finishing Jobs fail instead of completing. */
  failJobs = false;
  readonly syncer: CronJobSyncer;

  constructor(
    readonly clock: VirtualClock,
    spec: Partial<CronJob['spec']> = {},
  ) {
    this.cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello', namespace: 'default', uid: 'cj-1', resourceVersion: '1', creationTimestamp: rfc3339(clock.now()) },
      spec: {
        schedule: '*/5 * * * *',
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
        ...spec,
      },
      status: {},
    };
    this.syncer = new CronJobSyncer({ clock, api: this, recorder: { event: (_o, type, reason, message) => this.events.push({ at: rfc3339(clock.now()), type, reason, message }) } });
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }

  async getCronJob(): Promise<CronJob> {
    return cloneJson(this.cj);
  }

  async getJob(_ns: string, name: string): Promise<KObject> {
    const j = this.jobs.get(name);
    if (!j) throw new ApiError(404, 'NotFound', `jobs.batch "${name}" not found`);
    return cloneJson(j);
  }

  async createJob(ns: string, job: KObject): Promise<KObject> {
    const name = job.metadata.name!;
    if (this.jobs.has(name)) throw new ApiError(409, 'AlreadyExists', `jobs.batch "${name}" already exists`);
    const stored: KObject = { ...cloneJson(job), metadata: { ...cloneJson(job.metadata), namespace: ns, uid: `job-${++this.seq}`, resourceVersion: String(this.seq), creationTimestamp: this.now() } };
    stored.status = { startTime: this.now(), active: 1 };
    this.jobs.set(name, stored);
    this.created.push(name);
    return cloneJson(stored);
  }

  async deleteJob(_ns: string, name: string): Promise<void> {
    if (!this.jobs.delete(name)) throw new ApiError(404, 'NotFound', `jobs.batch "${name}" not found`);
    this.deleted.push(name);
  }

  async updateStatus(cj: CronJob): Promise<CronJob> {
    this.statusWrites++;
    this.cj = { ...this.cj, status: cloneJson(cj.status ?? {}), metadata: { ...this.cj.metadata, resourceVersion: String(Number(this.cj.metadata.resourceVersion) + 1) } };
    return cloneJson(this.cj);
  }

  /** The Jobs the controller reconciles (controller ref to this CronJob). */
  children(): KObject[] {
    return [...this.jobs.values()].filter((j) => j.metadata.ownerReferences?.some((r) => r.controller && r.name === this.cj.metadata.name));
  }

  finish(name: string, type: 'Complete' | 'Failed' = this.failJobs ? 'Failed' : 'Complete'): void {
    const j = this.jobs.get(name);
    if (!j) return;
    const t = this.now();
    j.status = { ...j.status, active: 0, conditions: [{ type, status: 'True', lastTransitionTime: t }] };
    if (type === 'Complete') j.status.completionTime = t;
  }

  /** Jobs still running, with the time each finishes (by runMs). */
  private dueFinishes(): { name: string; at: number }[] {
    if (this.runMs === undefined) return [];
    const out: { name: string; at: number }[] = [];
    for (const j of this.jobs.values()) {
      if (j.status?.conditions?.length) continue;
      out.push({ name: j.metadata.name!, at: Date.parse(j.metadata.creationTimestamp!) + this.runMs });
    }
    return out;
  }

  /**
   * Runs the controller until `untilMs` of virtual time: a sync now, then at each requeue time and
   * whenever a Job finishes (the Job informer would enqueue the CronJob then).
   */
  async run(forMs: number): Promise<void> {
    const end = this.clock.now().getTime() + forMs;
    let nextSync: number | undefined = this.clock.now().getTime();
    for (;;) {
      const finishes = this.dueFinishes();
      const nextFinish = finishes.length ? Math.min(...finishes.map((f) => f.at)) : undefined;
      const t = Math.min(nextSync ?? Infinity, nextFinish ?? Infinity);
      if (t === Infinity || t > end) break;
      const now = this.clock.now().getTime();
      if (t > now) this.clock.advance(t - now);
      if (nextFinish !== undefined && nextFinish <= t) {
        for (const f of finishes) if (f.at <= t) this.finish(f.name);
        nextSync = t; // the Job update wakes the controller
      }
      const r = await this.syncer.sync(this.cj, this.children());
      nextSync = r.requeueAfterMs === undefined ? undefined : this.clock.now().getTime() + r.requeueAfterMs;
    }
    const now = this.clock.now().getTime();
    if (end > now) this.clock.advance(end - now);
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

const START = Date.parse('2026-01-05T00:00:30Z'); // a Monday

test('a simulated week of */5: one Job per slot, deterministic names, history kept at 3', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock);
  await c.run(7 * 24 * 3600_000);
  assert.equal(c.created.length, 7 * 24 * 12, 'one Job every five minutes');
  // Names are the scheduled minute: consecutive slots are 5 apart.
  const minutes = c.created.map((n) => Number(n.slice('hello-'.length)));
  assert.equal(minutes[0], Date.parse('2026-01-05T00:05:00Z') / 60_000);
  for (let i = 1; i < minutes.length; i++) assert.equal(minutes[i] - minutes[i - 1], 5);
  // The 3 newest finished Jobs remain (successfulJobsHistoryLimit), plus the one still running.
  assert.deepEqual([...c.jobs.keys()], c.created.slice(-4));
  assert.deepEqual(c.cj.status?.active?.map((a) => a.name), c.created.slice(-1));
  assert.equal(c.cj.status?.lastScheduleTime, '2026-01-12T00:00:00Z');
  assert.equal(c.cj.status?.lastSuccessfulTime, '2026-01-11T23:56:00Z');
  assert.equal(c.reasons().filter((r) => r === 'SuccessfulCreate').length, 2016);
  assert.equal(c.reasons().filter((r) => r === 'SawCompletedJob').length, 2015);
  const first = c.events.find((e) => e.reason === 'SuccessfulCreate')!;
  assert.deepEqual(first, { at: '2026-01-05T00:05:00Z', type: 'Normal', reason: 'SuccessfulCreate', message: `Created job hello-${minutes[0]}` });
  const saw = c.events.find((e) => e.reason === 'SawCompletedJob')!;
  assert.equal(saw.message, `Saw completed job: hello-${minutes[0]}, condition: Complete`);
  // The scheduled-timestamp annotation of the last Job.
  assert.equal(c.jobs.get(c.created.at(-1)!)?.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP], '2026-01-12T00:00:00Z');
});

test('the controller comes back 100 ms after each schedule time', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock);
  c.runMs = undefined;
  const r1 = await c.syncer.sync(c.cj, c.children());
  assert.equal(r1.requeueAfterMs, Date.parse('2026-01-05T00:05:00.100Z') - START);
  clock.advance(r1.requeueAfterMs!);
  const r2 = await c.syncer.sync(c.cj, c.children());
  assert.equal(c.created.length, 1);
  assert.equal(r2.requeueAfterMs, 5 * 60_000);
  assert.deepEqual(c.cj.status?.active?.map((a) => [a.kind, a.apiVersion, a.name, a.namespace, a.uid]), [['Job', 'batch/v1', c.created[0], 'default', 'job-1']]);
  assert.equal(c.cj.status?.lastScheduleTime, '2026-01-05T00:05:00Z');
});

test('Forbid: a slot is skipped while the previous Job runs (JobAlreadyActive), and starts late once it ends', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock, { concurrencyPolicy: 'Forbid' });
  c.runMs = 7 * 60_000; // longer than the 5-minute period
  await c.run(19 * 60_000);
  // 00:05 runs until 00:12; 00:10 is skipped, then started late at 00:12 when the first ends;
  // 00:15 is skipped (00:10's Job runs until 00:19) and started at 00:19.
  assert.deepEqual(
    c.events.filter((e) => e.reason === 'SuccessfulCreate' || e.reason === 'JobAlreadyActive').map((e) => `${e.at} ${e.reason}`),
    ['2026-01-05T00:05:00Z SuccessfulCreate', '2026-01-05T00:10:00Z JobAlreadyActive', '2026-01-05T00:12:00Z SuccessfulCreate', '2026-01-05T00:15:00Z JobAlreadyActive', '2026-01-05T00:19:00Z SuccessfulCreate'],
  );
  assert.equal(c.events.find((e) => e.reason === 'JobAlreadyActive')!.message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
  assert.equal(c.events.find((e) => e.reason === 'JobAlreadyActive')!.type, 'Normal');
  // Names stay those of the scheduled times, not of the late start.
  assert.deepEqual(
    c.created.map((n) => new Date(Number(n.slice(6)) * 60_000).toISOString()),
    ['2026-01-05T00:05:00.000Z', '2026-01-05T00:10:00.000Z', '2026-01-05T00:15:00.000Z'],
  );
});

test('Forbid with a starting deadline: a skipped slot is dropped once its deadline passed', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock, { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 60 });
  c.runMs = 7 * 60_000;
  await c.run(14 * 60_000);
  // 00:10 was skipped; when the first Job ends at 00:12 its deadline (00:11) has passed.
  assert.equal(c.created.length, 1);
});

test('Allow runs Jobs side by side; Replace deletes the running Job first (SuccessfulDelete "Deleted job x")', async () => {
  const allow = new FakeCluster(new VirtualClock(START));
  allow.runMs = undefined;
  await allow.run(15 * 60_000);
  assert.equal(allow.cj.status?.active?.length, 3);

  const c = new FakeCluster(new VirtualClock(START), { concurrencyPolicy: 'Replace' });
  c.runMs = undefined;
  await c.run(15 * 60_000);
  assert.equal(c.created.length, 3);
  assert.deepEqual(c.deleted, c.created.slice(0, 2));
  assert.deepEqual([...c.jobs.keys()], [c.created[2]]);
  assert.deepEqual(c.cj.status?.active?.map((a) => a.name), [c.created[2]]);
  const del = c.events.filter((e) => e.reason === 'SuccessfulDelete');
  assert.deepEqual(del.map((e) => `${e.at} ${e.type} ${e.message}`), [`2026-01-05T00:10:00Z Normal Deleted job ${c.created[0]}`, `2026-01-05T00:15:00Z Normal Deleted job ${c.created[1]}`]);
});

test('suspend stops new Jobs (running ones are left alone); resuming runs only the latest missed time', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock);
  c.runMs = 30 * 60_000;
  await c.run(6 * 60_000);
  assert.equal(c.created.length, 1);
  c.cj.spec.suspend = true;
  await c.run(60 * 60_000);
  assert.equal(c.created.length, 1, 'no Job while suspended');
  assert.ok(c.jobs.get(c.created[0])?.status?.conditions, 'the running Job finished undisturbed');
  c.cj.spec.suspend = false;
  await c.run(1000);
  // Eleven slots were missed; only the latest one runs.
  assert.equal(c.created.length, 2);
  assert.equal(c.created[1], `hello-${Date.parse('2026-01-05T01:05:00Z') / 60_000}`);
  assert.ok(!c.reasons().includes('TooManyMissedTimes'));
});

test('after long downtime: TooManyMissedTimes (warning), and the most recent time still runs', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock);
  await c.run(6 * 60_000);
  // The controller is down for a day.
  clock.advance(24 * 3600_000);
  await c.run(1000);
  const warn = c.events.filter((e) => e.reason === 'TooManyMissedTimes');
  assert.deepEqual(warn.map((e) => [e.type, e.message]), [['Warning', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew']]);
  assert.equal(c.created.length, 2);
  assert.equal(c.created[1], `hello-${Date.parse('2026-01-06T00:05:00Z') / 60_000}`);
});

test('history limits: 0 removes finished Jobs at once; failed Jobs keep failedJobsHistoryLimit', async () => {
  const zero = new FakeCluster(new VirtualClock(START), { successfulJobsHistoryLimit: 0 });
  await zero.run(31 * 60_000);
  assert.equal(zero.created.length, 6);
  assert.equal(zero.jobs.size, 0);
  // Removed before they were seen as completed, so there is no SawCompletedJob, only SuccessfulDelete.
  assert.equal(zero.reasons().filter((r) => r === 'SuccessfulDelete').length, 6);

  const failing = new FakeCluster(new VirtualClock(START), { failedJobsHistoryLimit: 2 });
  failing.failJobs = true;
  await failing.run(31 * 60_000);
  assert.deepEqual([...failing.jobs.keys()], failing.created.slice(-2));
  assert.equal(failing.cj.status?.lastSuccessfulTime, undefined);
  assert.ok(failing.events.some((e) => e.message.endsWith(', condition: Failed')));
});

test('status.active is reconciled: a deleted Job goes (MissingJob), an unknown running child is reported (UnexpectedJob)', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock);
  c.runMs = undefined;
  await c.run(6 * 60_000);
  c.jobs.delete(c.created[0]);
  await c.syncer.sync(c.cj, c.children());
  assert.deepEqual(c.events.at(-1), { at: rfc3339(clock.now()), type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${c.created[0]}` });
  assert.equal(c.cj.status?.active, undefined);
  // A Job someone else created with a controller ref to the CronJob.
  c.jobs.set('stray', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'stray', namespace: 'default', uid: 'stray-uid', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-1', controller: true }] }, status: {} });
  await c.syncer.sync(c.cj, c.children());
  assert.deepEqual(c.events.at(-1)?.reason, 'UnexpectedJob');
  assert.equal(c.events.at(-1)?.message, 'Saw a job that the controller did not create or forgot: stray');
});

test('a Job that already exists under the run name is adopted into status.active (crash between create and status write)', async () => {
  const clock = new VirtualClock(START);
  const c = new FakeCluster(clock);
  c.runMs = undefined;
  clock.advance(5 * 60_000);
  await c.syncer.sync(c.cj, c.children());
  const name = c.created[0];
  // Forget the status write, as if the controller crashed right after creating the Job.
  c.cj.status = {};
  c.events.length = 0;
  await c.syncer.sync(c.cj, []);
  assert.equal(c.created.length, 1, 'no second Job for the same time');
  assert.deepEqual(c.cj.status?.active?.map((a) => a.name), [name]);
  assert.ok(!c.reasons().includes('SuccessfulCreate'));
});

test('unusable zone or schedule: a warning, nothing scheduled, no requeue', async () => {
  const clock = new VirtualClock(START);
  const bad = new FakeCluster(clock, { timeZone: 'Mars/Olympus_Mons' });
  const r = await bad.syncer.sync(bad.cj, []);
  assert.equal(r.requeueAfterMs, undefined);
  assert.deepEqual(bad.events.map((e) => `${e.type} ${e.reason} ${e.message}`), ['Warning UnknownTimeZone invalid timeZone: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons']);
  const impossible = new FakeCluster(clock, { schedule: '0 0 31 2 *' });
  clock.advance(3600_000);
  await impossible.syncer.sync(impossible.cj, []);
  assert.deepEqual(impossible.events.map((e) => `${e.type} ${e.reason} ${e.message}`), ['Warning InvalidSchedule invalid schedule: 0 0 31 2 * : time difference between two schedules is less than 1 second']);
});

test('a time zone: Jobs at 09:00 Tokyo time, annotated in that zone', async () => {
  const clock = new VirtualClock(Date.parse('2026-01-05T23:00:00Z'));
  const c = new FakeCluster(clock, { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' });
  await c.run(2 * 3600_000);
  assert.deepEqual(c.created, [`hello-${Date.parse('2026-01-06T00:00:00Z') / 60_000}`]);
  assert.equal(c.jobs.get(c.created[0])?.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP], '2026-01-06T09:00:00+09:00');
});
