// The CronJob controller with the Job controller, scheduler, sim node agents and garbage collector,
// on a virtual clock running 60x (a cron minute per real second): Jobs every minute with their
// names, annotation and owner, status and events; Forbid, Replace, suspend, history limits, and a
// Job created from the CronJob by hand (`kubectl create job --from cronjob/...`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { BatchCluster, NS, condition, eventually, getOrUndefined } from './batch-cluster.js';

const c = new BatchCluster({ speed: 60 });

before(async () => {
  await c.start();
});

after(async () => {
  await c.stop();
});

function cronJob(name: string, script: string, spec: Record<string, unknown> = {}, jobSpec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/1 * * * *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { backoffLimit: 0, ...jobSpec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', script] }] } } },
      },
    },
  };
}

const minuteOf = (job: KObject) => Number(job.metadata.name!.slice(job.metadata.name!.lastIndexOf('-') + 1));
const vnow = () => c.clock.now().getTime();

/** Waits until `ms` of virtual time have passed. */
async function virtualWait(ms: number): Promise<void> {
  const until = vnow() + ms;
  await eventually(`${ms} ms of virtual time`, async () => vnow() >= until);
}

test('every minute a Job <cronjob>-<minutes since epoch>, with the scheduled-timestamp annotation and a controller ref; status and events', async () => {
  const cj = await c.cronjobs.create(NS, cronJob('every-minute', 'sleep 1'));
  const jobs = await eventually('two finished jobs', async () => {
    const js = await c.jobsOf(cj);
    return js.filter((j) => condition(j, 'Complete')).length >= 2 ? js : undefined;
  });
  for (const j of jobs) {
    const minute = minuteOf(j);
    assert.equal(j.metadata.name, `every-minute-${minute}`);
    assert.equal(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
    assert.deepEqual(j.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'every-minute', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(j.metadata.labels?.app, 'every-minute');
    assert.ok(Date.parse(j.metadata.creationTimestamp!) >= minute * 60_000, 'not created before its time');
  }
  const minutes = jobs.map(minuteOf).sort((a, b) => a - b);
  for (let i = 1; i < minutes.length; i++) assert.equal(minutes[i] - minutes[i - 1], 1, 'one Job per minute');
  const status = (await c.cronjobs.get(NS, 'every-minute')).status;
  assert.ok(Date.parse(status.lastScheduleTime) >= minutes.at(-1)! * 60_000);
  assert.ok(status.lastSuccessfulTime, 'lastSuccessfulTime is set');
  const created = await c.eventsOf(cj, 'SuccessfulCreate');
  assert.ok(created.some((e) => e.message === `Created job ${jobs[0].metadata.name}`));
  assert.equal(created[0].source.component, 'cronjob-controller');
  await eventually('SawCompletedJob', async () => (await c.eventsOf(cj, 'SawCompletedJob')).some((e) => e.message === `Saw completed job: ${jobs[0].metadata.name}, condition: Complete`));
  await c.cronjobs.delete(NS, 'every-minute');
  // The CronJob's Jobs (and their pods) go with it.
  await eventually('jobs collected', async () => (await c.jobsOf(cj)).length === 0);
});

test('Forbid: while a Job runs, the next times are skipped (JobAlreadyActive); never two at once', async () => {
  const cj = await c.cronjobs.create(NS, cronJob('forbid', 'sleep 150', { concurrencyPolicy: 'Forbid' }));
  let maxActive = 0;
  await eventually('a skipped run', async () => {
    const js = await c.jobsOf(cj);
    maxActive = Math.max(maxActive, js.filter((j) => !condition(j, 'Complete') && !condition(j, 'Failed')).length);
    return (await c.eventsOf(cj, 'JobAlreadyActive')).length > 0 && js.length >= 2;
  });
  const skipped = await c.eventsOf(cj, 'JobAlreadyActive');
  assert.equal(skipped[0].message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
  assert.equal(skipped[0].type, 'Normal');
  assert.ok(maxActive <= 1, `at most one running Job, saw ${maxActive}`);
  await c.cronjobs.patch(NS, 'forbid', 'merge', { spec: { suspend: true } });
});

test('Replace: the running Job is deleted when the next one starts (SuccessfulDelete "Deleted job x")', async () => {
  const cj = await c.cronjobs.create(NS, cronJob('replace', 'sleep 3600', { concurrencyPolicy: 'Replace' }));
  const first = await eventually('first job', async () => (await c.jobsOf(cj))[0]);
  await eventually('first job replaced', async () => {
    const js = await c.jobsOf(cj);
    return (await getOrUndefined(c.jobs, NS, first.metadata.name!)) === undefined && js.length === 1 && js[0].metadata.name !== first.metadata.name;
  });
  const deleted = await c.eventsOf(cj, 'SuccessfulDelete');
  assert.equal(deleted[0].message, `Deleted job ${first.metadata.name}`);
  const status = (await c.cronjobs.get(NS, 'replace')).status;
  assert.equal(status.active.length, 1);
  assert.notEqual(status.active[0].name, first.metadata.name);
  await c.cronjobs.patch(NS, 'replace', 'merge', { spec: { suspend: true } });
});

test('suspend stops new Jobs; resuming starts again', async () => {
  const cj = await c.cronjobs.create(NS, cronJob('pausable', 'sleep 1'));
  await eventually('a first job', async () => (await c.jobsOf(cj)).length >= 1);
  await c.cronjobs.patch(NS, 'pausable', 'strategic', { spec: { suspend: true } });
  const before = (await c.jobsOf(cj)).length;
  await virtualWait(3 * 60_000);
  assert.equal((await c.jobsOf(cj)).length, before, 'no Job while suspended');
  await c.cronjobs.patch(NS, 'pausable', 'strategic', { spec: { suspend: false } });
  await eventually('a job after resuming', async () => (await c.jobsOf(cj)).length > before);
  await c.cronjobs.patch(NS, 'pausable', 'merge', { spec: { suspend: true } });
});

test('history limits prune finished Jobs: successfulJobsHistoryLimit 1 keeps one, failedJobsHistoryLimit 0 keeps none', async () => {
  const ok = await c.cronjobs.create(NS, cronJob('keep-one', 'sleep 1', { successfulJobsHistoryLimit: 1 }));
  const bad = await c.cronjobs.create(NS, cronJob('keep-none', 'exit 1', { failedJobsHistoryLimit: 0 }));
  await eventually('three runs each', async () => (await c.eventsOf(ok, 'SuccessfulCreate')).length >= 3 && (await c.eventsOf(bad, 'SuccessfulCreate')).length >= 3);
  await eventually('pruned', async () => {
    const kept = (await c.jobsOf(ok)).filter((j) => condition(j, 'Complete'));
    const failed = (await c.jobsOf(bad)).filter((j) => condition(j, 'Failed'));
    return kept.length === 1 && failed.length === 0;
  });
  const deletes = await c.eventsOf(bad, 'SuccessfulDelete');
  assert.ok(deletes.length >= 2 && deletes.every((e) => /^Deleted job keep-none-\d+$/.test(e.message)));
  for (const name of ['keep-one', 'keep-none']) await c.cronjobs.patch(NS, name, 'merge', { spec: { suspend: true } });
});

test('a Job created from the CronJob by hand (create job --from) runs and counts as the CronJob\'s', async () => {
  const cj = await c.cronjobs.create(NS, cronJob('manual-src', 'sleep 1', { suspend: true }));
  // What `kubectl create job manual-run --from cronjob/manual-src` sends.
  await c.jobs.create(NS, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'manual-run',
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'manual-src', uid: cj.metadata.uid!, controller: true }],
    },
    spec: cj.spec.jobTemplate.spec,
  });
  await eventually('manual run complete', async () => condition(await c.jobs.get(NS, 'manual-run'), 'Complete'));
  const status = await eventually('lastSuccessfulTime', async () => (await c.cronjobs.get(NS, 'manual-src')).status?.lastSuccessfulTime);
  assert.ok(status);
  // Not in status.active, so the controller reported it while it ran, as upstream does.
  await eventually('UnexpectedJob', async () => (await c.eventsOf(cj, 'UnexpectedJob')).some((e) => e.message === 'Saw a job that the controller did not create or forgot: manual-run'));
});
