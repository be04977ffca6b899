// The Job controller against an in-process API server, with the real scheduler and sim node
// agents running the pods, and the TTL-after-finished controller and garbage collector. Time is
// virtual and runs 20x faster, so back-offs and TTLs take moments. Everything is checked through
// the API as kubectl shows it: the jobs table (STATUS, COMPLETIONS), status, pods, events.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { BatchCluster, NS, condition, eventually, getOrUndefined, jobObject } from './batch-cluster.js';

const c = new BatchCluster({ speed: 20 });

before(async () => {
  await c.start();
});

after(async () => {
  await c.stop();
});

/** The job's row as `kubectl get jobs` prints it: {STATUS, COMPLETIONS}. */
async function tableRow(name: string): Promise<{ status: string; completions: string }> {
  const t = await c.client.request<KObject>('GET', c.jobs.path(NS, name), { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const cols = (t.columnDefinitions as { name: string }[]).map((x) => x.name);
  const cells = t.rows[0].cells as string[];
  return { status: cells[cols.indexOf('Status')], completions: cells[cols.indexOf('Completions')] };
}

async function finished(name: string, type = 'Complete', ms?: number): Promise<KObject> {
  return eventually(`job ${name} ${type}`, async () => {
    const j = await c.jobs.get(NS, name);
    return condition(j, type) ? j : undefined;
  }, ms);
}

const TRACKING = 'batch.kubernetes.io/job-tracking';

test('the four shapes reach the right COMPLETIONS: one-shot, 4 completions 2 at a time, work queue alone, work queue 3 wide', async () => {
  const shapes: [name: string, spec: Record<string, unknown>, completions: string, pods: number][] = [
    ['one-shot', {}, '1/1', 1],
    ['fixed-4-by-2', { completions: 4, parallelism: 2 }, '4/4', 4],
    ['queue-1', { parallelism: 1, completions: null }, '1/1', 1],
    ['queue-3', { parallelism: 3 }, '3/1 of 3', 3],
  ];
  for (const [name, spec] of shapes) {
    const o = jobObject(name, 'sleep 1', spec);
    if (spec.completions === null) delete (o.spec as Record<string, unknown>).completions;
    await c.jobs.create(NS, o);
  }
  for (const [name, , completions, podCount] of shapes) {
    const job = await finished(name);
    assert.deepEqual(await tableRow(name), { status: 'Complete', completions }, name);
    assert.equal(job.status.succeeded, podCount, name);
    assert.equal(job.status.failed, undefined, name);
    assert.equal(job.status.active, undefined, name);
    assert.equal(job.status.ready, 0, name);
    assert.equal(job.status.terminating, 0, name);
    assert.ok(job.status.completionTime >= job.status.startTime, name);
    assert.deepEqual(job.status.conditions.map((x: KObject) => [x.type, x.status, x.reason, x.message]), [
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    const pods = await c.podsOf(job);
    assert.equal(pods.length, podCount, `${name}: one pod per completion, no extras`);
    for (const p of pods) {
      assert.equal(p.status.phase, 'Succeeded');
      assert.ok(!p.metadata.finalizers?.includes(TRACKING), `${name}: counted pods lose the tracking finalizer`);
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-name'], name);
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], job.metadata.uid);
    }
    const created = await c.eventsOf(job, 'SuccessfulCreate');
    assert.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
    assert.equal(created[0].source.component, 'job-controller');
    assert.equal((await c.eventsOf(job, 'Completed'))[0]?.message, 'Job completed');
  }
});

test('M completions N parallel never runs more than N pods at once', async () => {
  const seen = new Map<string, KObject>();
  let maxRunning = 0;
  const job = await c.jobs.create(NS, jobObject('bounded', 'sleep 2', { completions: 6, parallelism: 2 }));
  await eventually('bounded complete', async () => {
    const now = await c.podsOf(job);
    for (const p of now) seen.set(p.metadata.name!, p);
    maxRunning = Math.max(maxRunning, now.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length);
    return condition(await c.jobs.get(NS, 'bounded'), 'Complete');
  });
  assert.ok(maxRunning <= 2, `at most 2 at once, saw ${maxRunning}`);
  assert.equal(seen.size, 6);
  assert.deepEqual(await tableRow('bounded'), { status: 'Complete', completions: '6/6' });
});

test('restartPolicy Never: a new pod per failure; backoffLimit 2 reached gives Failed with BackoffLimitExceeded', async () => {
  const job = await c.jobs.create(NS, jobObject('never-fails', 'exit 1', { backoffLimit: 2 }));
  const failed = await finished('never-fails', 'Failed');
  assert.deepEqual(failed.status.conditions.map((x: KObject) => [x.type, x.reason, x.message]), [
    ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
  ]);
  assert.equal(failed.status.failed, 3, 'backoffLimit 2 allows 2 retries');
  assert.equal(failed.status.completionTime, undefined);
  const pods = await c.podsOf(job);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.status.phase === 'Failed' && (p.status.containerStatuses[0].restartCount ?? 0) === 0));
  // The replacements waited for the pod-failure back-off: 10 s, then 20 s after the previous failure.
  const starts = pods.map((p) => Date.parse(p.metadata.creationTimestamp!)).sort((a, b) => a - b);
  assert.ok(starts[1] - starts[0] >= 10_000, `second pod ${starts[1] - starts[0]} ms after the first`);
  assert.ok(starts[2] - starts[1] >= 20_000, `third pod ${starts[2] - starts[1]} ms after the second`);
  assert.deepEqual(await tableRow('never-fails'), { status: 'Failed', completions: '0/1' });
  const warn = await c.eventsOf(job, 'BackoffLimitExceeded');
  assert.deepEqual(warn.map((e) => [e.type, e.message]), [['Warning', 'Job has reached the specified backoff limit']]);
});

test('restartPolicy OnFailure: the same pod restarts (RESTARTS grows) until the restarts reach backoffLimit', async () => {
  const job = await c.jobs.create(NS, jobObject('onfailure-fails', 'exit 1', { backoffLimit: 2 }, 'OnFailure'));
  // The kubelet restarts the container in place; the pod stays the same.
  const restarted = await eventually('a restart', async () => {
    const [p] = await c.podsOf(job);
    return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
  });
  const failed = await finished('onfailure-fails', 'Failed');
  assert.deepEqual([condition(failed, 'Failed')?.reason, condition(failed, 'Failed')?.message], ['BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
  const created = await c.eventsOf(job, 'SuccessfulCreate');
  assert.deepEqual(created.map((e) => e.message), [`Created pod: ${restarted.metadata.name}`], 'one pod, restarted in place');
  assert.equal(failed.status.failed, 1, 'the stopped pod counts as one failure');
  // The restarting pod was stopped when the Job failed.
  await eventually('the pod stopped', async () => {
    const p = await getOrUndefined(c.pods, NS, restarted.metadata.name!);
    return !p || p.status.phase === 'Failed';
  });
});

test('Indexed: completedIndexes, one pod per index with its hostname', async () => {
  const job = await c.jobs.create(NS, jobObject('indexed', 'sleep 1', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  const done = await finished('indexed');
  assert.equal(done.status.completedIndexes, '0-2');
  const pods = await c.podsOf(job);
  assert.deepEqual(pods.map((p) => p.spec.hostname).sort(), ['indexed-0', 'indexed-1', 'indexed-2']);
  assert.deepEqual(pods.map((p) => p.metadata.labels?.['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2']);
  assert.ok(pods.every((p) => p.metadata.name!.startsWith(`indexed-${p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']}-`)));
});

test('activeDeadlineSeconds: the running pods are stopped and the Job fails with DeadlineExceeded', async () => {
  const job = await c.jobs.create(NS, jobObject('deadline', 'sleep 3600', { activeDeadlineSeconds: 5, completions: 2, parallelism: 2 }));
  const failed = await finished('deadline', 'Failed');
  assert.deepEqual([condition(failed, 'Failed')?.reason, condition(failed, 'Failed')?.message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
  assert.equal(failed.status.failed, 2);
  const warn = await c.eventsOf(job, 'DeadlineExceeded');
  assert.equal(warn[0]?.type, 'Warning');
  for (const p of await c.podsOf(job)) assert.notEqual(p.status.phase, 'Running');
});

test('suspend: no pods and Suspended; resume runs it to completion', async () => {
  const job = await c.jobs.create(NS, jobObject('suspended', 'sleep 1', { suspend: true }));
  const s = await eventually('Suspended condition', async () => condition(await c.jobs.get(NS, 'suspended'), 'Suspended'));
  assert.deepEqual([s.reason, s.message], ['JobSuspended', 'Job suspended']);
  assert.deepEqual(await tableRow('suspended'), { status: 'Suspended', completions: '0/1' });
  assert.equal((await c.podsOf(job)).length, 0);
  assert.equal((await c.jobs.get(NS, 'suspended')).status.startTime, undefined);
  await c.jobs.patch(NS, 'suspended', 'strategic', { spec: { suspend: false } });
  const done = await finished('suspended');
  const cond = (done.status.conditions as KObject[]).find((x) => x.type === 'Suspended');
  assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['False', 'JobResumed', 'Job resumed']);
  assert.deepEqual((await c.eventsOf(job)).map((e) => e.reason).filter((r) => r === 'Suspended' || r === 'Resumed'), ['Suspended', 'Resumed']);
});

test('ttlSecondsAfterFinished deletes the Job and, through the garbage collector, its pods', async () => {
  const job = await c.jobs.create(NS, jobObject('ttl', 'sleep 1', { ttlSecondsAfterFinished: 5 }));
  const done = await finished('ttl');
  const pods = await c.podsOf(job);
  assert.equal(pods.length, 1);
  await eventually('job ttl deleted', async () => (await getOrUndefined(c.jobs, NS, 'ttl')) === undefined);
  // Not before its TTL: the deletion came at least 5 s after the Complete condition.
  assert.ok(c.clock.now().getTime() - Date.parse(condition(done, 'Complete')!.lastTransitionTime) >= 5000);
  await eventually('ttl pods deleted', async () => (await getOrUndefined(c.pods, NS, pods[0].metadata.name!)) === undefined);
});

test('a Job deleted in the background takes its pods, whose tracking finalizers are released', async () => {
  const job = await c.jobs.create(NS, jobObject('doomed', 'sleep 3600', { parallelism: 2, completions: 2 }));
  const pods = await eventually('doomed pods running', async () => {
    const ps = await c.podsOf(job);
    return ps.length === 2 && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
  });
  assert.ok(pods.every((p) => p.metadata.finalizers?.includes(TRACKING)));
  await c.jobs.delete(NS, 'doomed', { propagationPolicy: 'Background' });
  for (const p of pods) await eventually(`pod ${p.metadata.name} gone`, async () => (await getOrUndefined(c.pods, NS, p.metadata.name!)) === undefined);
});

test('pods that finish while the controller is down are held by the tracking finalizer and counted after it restarts', async () => {
  const job = await c.jobs.create(NS, jobObject('restart-safe', 'sleep 3', { completions: 3, parallelism: 3 }));
  const pods = await eventually('three pods running', async () => {
    const ps = await c.podsOf(job);
    return ps.length === 3 && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
  });
  c.stopControllers();
  try {
    await eventually('pods succeeded', async () => (await c.podsOf(job)).filter((p) => p.status?.phase === 'Succeeded').length === 3);
    // Even deleting a finished, uncounted pod does not lose it: the finalizer keeps it.
    await c.pods.delete(NS, pods[0].metadata.name!);
    const held = await c.pods.get(NS, pods[0].metadata.name!);
    assert.ok(held.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, [TRACKING]);
    assert.equal((await c.jobs.get(NS, 'restart-safe')).status.succeeded, undefined);
  } finally {
    await c.startControllers();
  }
  const done = await finished('restart-safe');
  assert.equal(done.status.succeeded, 3);
  assert.equal(done.status.failed, undefined);
  await eventually('the deleted pod released', async () => (await getOrUndefined(c.pods, NS, pods[0].metadata.name!)) === undefined);
});
