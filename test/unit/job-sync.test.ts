// Job syncs against an in-memory API (job-fake-cluster.ts) whose status writes go through the
// real Job status validation: pod creation (finalizer, owner, index), finalizer-safe counting,
// the terminal condition sequence, back-off, limits, deadlines, suspension, policies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeJobCluster, newJob, KEY } from './job-fake-cluster.js';
import type { KObject } from '../../src/api/types.js';

const names = (pods: KObject[]) => pods.map((p) => p.metadata.name!).sort();

test('one-shot: a pod with the tracking finalizer and controller ref; its success is counted via uncountedTerminatedPods, then Complete', async () => {
  const c = new FakeJobCluster(newJob());
  await c.sync();
  const [pod] = c.podList();
  assert.equal(c.podList().length, 1);
  assert.match(pod.metadata.name!, /^pi-/);
  assert.deepEqual(pod.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
  assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(pod.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
  assert.deepEqual(c.events, [{ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}` }]);
  assert.equal(c.job.status?.startTime, '2026-01-05T00:00:00Z');
  assert.equal(c.job.status?.active, 1);
  assert.equal(c.job.status?.ready, 0);
  assert.equal(c.job.status?.terminating, 0);

  c.run(pod.metadata.name!);
  await c.sync();
  assert.equal(c.job.status?.ready, 1);

  c.advance(1000);
  c.exit(pod.metadata.name!, 0);
  c.writes.length = 0;
  await c.sync();
  // First the uid is recorded as uncounted (with the interim condition), then the finalizer goes,
  // then it is counted and the Job completes: a crash between steps loses nothing.
  assert.deepEqual(c.writes[0].uncountedTerminatedPods, { succeeded: [pod.metadata.uid] });
  assert.equal(c.writes[0].succeeded, undefined);
  assert.deepEqual(c.writes[0].conditions?.map((x) => x.type), ['SuccessCriteriaMet']);
  const last = c.writes.at(-1)!;
  assert.deepEqual(last.uncountedTerminatedPods, {});
  assert.equal(last.succeeded, 1);
  assert.equal(last.active, undefined);
  assert.equal(last.completionTime, '2026-01-05T00:00:01Z');
  assert.deepEqual(c.conditions(), [
    'SuccessCriteriaMet=True CompletionsReached: Reached expected number of succeeded pods',
    'Complete=True CompletionsReached: Reached expected number of succeeded pods',
  ]);
  assert.deepEqual(c.pod(pod.metadata.name!).metadata.finalizers, []);
  assert.deepEqual(c.events.at(-1), { type: 'Normal', reason: 'Completed', message: 'Job completed' });
  // A finished Job is left alone.
  const writes = c.writes.length;
  await c.sync();
  assert.equal(c.writes.length, writes);
});

test('5 completions, 2 in parallel: never more than 2 pods, never more than the remaining completions', async () => {
  const c = new FakeJobCluster(newJob({ completions: 5, parallelism: 2 }));
  let created = 0;
  for (let round = 0; round < 5 && c.job.status?.completionTime === undefined; round++) {
    await c.sync();
    const active = c.active();
    created = c.podList().length;
    assert.ok(active.length <= 2);
    assert.ok(active.length <= 5 - (c.job.status?.succeeded ?? 0));
    for (const p of active) c.exit(p.metadata.name!, 0);
    c.advance(1000);
  }
  await c.sync();
  assert.equal(c.job.status?.succeeded, 5);
  assert.equal(created, 5);
  assert.ok(c.conditions().some((x) => x.startsWith('Complete=True')));
});

test('work queue (completions unset): parallelism pods; after the first success no new pods; complete when all end', async () => {
  const c = new FakeJobCluster(newJob({ completions: null, parallelism: 3 }));
  await c.sync();
  assert.equal(c.active().length, 3);
  const [a, b, d] = names(c.active());
  c.exit(a, 0);
  await c.sync();
  assert.equal(c.podList().length, 3, 'no replacement after a success');
  assert.equal(c.job.status?.succeeded, 1);
  assert.equal(c.job.status?.active, 2);
  assert.equal(c.job.status?.completionTime, undefined, 'not complete while pods run');
  c.exit(b, 0);
  c.exit(d, 0);
  await c.sync();
  assert.equal(c.job.status?.succeeded, 3);
  assert.ok(c.conditions().some((x) => x.startsWith('Complete=True')));
});

test('parallelism is elastic: scaling down deletes extra pods without counting them as failed', async () => {
  const c = new FakeJobCluster(newJob({ completions: 10, parallelism: 3 }));
  await c.sync();
  assert.equal(c.active().length, 3);
  c.updateSpec({ parallelism: 1 });
  await c.sync();
  assert.equal(c.active().length, 1);
  assert.equal(c.reasons().filter((r) => r === 'SuccessfulDelete').length, 2);
  assert.equal(c.job.status?.terminating, 2);
  // The deleted pods lost their finalizer first: killing them is not a failure.
  for (const p of c.podList()) if (p.metadata.deletionTimestamp) c.kill(p.metadata.name!);
  await c.sync();
  assert.equal(c.job.status?.failed, undefined);
  c.updateSpec({ parallelism: 4 });
  await c.sync();
  assert.equal(c.active().length, 4);
});

test('failures: each replacement waits 10 s, 20 s, 40 s...; past backoffLimit: FailureTarget then Failed (BackoffLimitExceeded)', async () => {
  const c = new FakeJobCluster(newJob({ backoffLimit: 3 }));
  await c.sync();
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [p] = c.active();
    c.exit(p.metadata.name!, 1);
    c.requeues.length = 0;
    await c.sync();
    if (i === 3) break;
    assert.equal(c.active().length, 0, 'no replacement during the back-off');
    waits.push(c.requeues.at(-1)!);
    c.advance(c.requeues.at(-1)! - 1000);
    await c.sync();
    assert.equal(c.active().length, 0, 'still backing off a second before');
    c.advance(1000);
    await c.sync();
    assert.equal(c.active().length, 1);
  }
  assert.deepEqual(waits, [10_000, 20_000, 40_000]);
  assert.equal(c.job.status?.failed, 4);
  assert.deepEqual(c.conditions(), ['FailureTarget=True BackoffLimitExceeded: Job has reached the specified backoff limit', 'Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit']);
  assert.equal(c.job.status?.completionTime, undefined);
  assert.deepEqual(c.events.at(-1), { type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
});

test('backoffLimit 0: the first failure fails the Job, and the other running pods are stopped first', async () => {
  const c = new FakeJobCluster(newJob({ backoffLimit: 0, completions: 3, parallelism: 3 }));
  await c.sync();
  const [a, b, d] = names(c.active());
  c.run(b);
  c.run(d);
  c.exit(a, 1);
  await c.sync();
  // FailureTarget first; the others are being deleted (they keep their finalizer until counted).
  assert.deepEqual(c.conditions(), ['FailureTarget=True BackoffLimitExceeded: Job has reached the specified backoff limit']);
  assert.ok(c.pod(b).metadata.deletionTimestamp && c.pod(d).metadata.deletionTimestamp);
  assert.equal(c.job.status?.terminating, 2);
  assert.equal(c.job.status?.failed, 3, 'a failing Job counts the pods it stops as failed');
  assert.equal(c.job.status?.active, undefined);
  c.kill(b);
  c.kill(d);
  await c.sync();
  assert.deepEqual(c.conditions().map((x) => x.split(' ')[0]), ['FailureTarget=True', 'Failed=True']);
  assert.equal(c.job.status?.terminating, 0);
  assert.equal(c.job.status?.ready, 0);
});

test('OnFailure: restarts of the running pod count against backoffLimit', async () => {
  const c = new FakeJobCluster(newJob({ backoffLimit: 2, template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } }));
  await c.sync();
  const [p] = names(c.active());
  c.run(p, 1);
  await c.sync();
  assert.equal(c.job.status?.conditions, undefined);
  c.run(p, 2);
  await c.sync();
  assert.deepEqual(c.conditions(), ['FailureTarget=True BackoffLimitExceeded: Job has reached the specified backoff limit']);
  assert.ok(c.pod(p).metadata.deletionTimestamp, 'the restarting pod is killed');
  c.kill(p);
  await c.sync();
  assert.ok(c.conditions().includes('Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit'));
});

test('activeDeadlineSeconds: a requeue at the deadline, then DeadlineExceeded', async () => {
  const c = new FakeJobCluster(newJob({ activeDeadlineSeconds: 30, completions: 2, parallelism: 2 }));
  await c.sync();
  assert.equal(c.requeues.at(-1), 30_000);
  c.advance(30_000);
  await c.sync();
  assert.deepEqual(c.conditions(), ['FailureTarget=True DeadlineExceeded: Job was active longer than specified deadline']);
  for (const p of c.podList()) c.kill(p.metadata.name!);
  await c.sync();
  assert.deepEqual(c.conditions()[1], 'Failed=True DeadlineExceeded: Job was active longer than specified deadline');
  assert.deepEqual(c.events.at(-1), { type: 'Warning', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
});

test('suspend deletes the pods (not failures) with Suspended=True; resume restarts them and the deadline clock', async () => {
  const c = new FakeJobCluster(newJob({ completions: 2, parallelism: 2, activeDeadlineSeconds: 600 }));
  await c.sync();
  for (const p of c.active()) c.run(p.metadata.name!);
  await c.sync();
  c.advance(60_000);
  c.updateSpec({ suspend: true });
  await c.sync();
  assert.equal(c.active().length, 0);
  assert.deepEqual(c.conditions(), ['Suspended=True JobSuspended: Job suspended']);
  assert.deepEqual(c.events.at(-1), { type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
  assert.equal(c.job.status?.terminating, 2);
  assert.equal(c.job.status?.startTime, undefined);
  for (const p of c.podList()) c.kill(p.metadata.name!);
  await c.sync();
  assert.equal(c.job.status?.failed, undefined, 'suspension is not failure');
  c.advance(3600_000);
  c.updateSpec({ suspend: false });
  await c.sync();
  assert.deepEqual(c.conditions(), ['Suspended=False JobResumed: Job resumed']);
  assert.deepEqual(c.events.at(-1), { type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
  assert.equal(c.job.status?.startTime, '2026-01-05T01:01:00Z');
  assert.equal(c.active().length, 2);
  assert.ok(!c.conditions().some((x) => x.includes('DeadlineExceeded')));
});

test('a Job created suspended gets no startTime and no pods until resumed', async () => {
  const c = new FakeJobCluster(newJob({ suspend: true }));
  await c.sync();
  assert.equal(c.podList().length, 0);
  assert.equal(c.job.status?.startTime, undefined);
  assert.deepEqual(c.conditions(), ['Suspended=True JobSuspended: Job suspended']);
  c.advance(5000);
  c.updateSpec({ suspend: false });
  await c.sync();
  assert.equal(c.job.status?.startTime, '2026-01-05T00:00:05Z');
  assert.equal(c.active().length, 1);
});

test('podReplacementPolicy: TerminatingOrFailed replaces a deleted pod at once (and counts it failed); Failed waits for the pod to fail', async () => {
  const eager = new FakeJobCluster(newJob());
  await eager.sync();
  const [p] = names(eager.active());
  eager.run(p);
  await eager.deletePod('default', p);
  await eager.sync();
  assert.equal(eager.active().length, 1, 'replaced while the old pod terminates');
  assert.equal(eager.job.status?.terminating, 1);
  assert.equal(eager.job.status?.failed, 1);

  const patient = new FakeJobCluster(newJob({ podReplacementPolicy: 'Failed' }));
  await patient.sync();
  const [q] = names(patient.active());
  patient.run(q);
  await patient.deletePod('default', q);
  await patient.sync();
  assert.equal(patient.active().length, 0, 'not replaced while terminating');
  assert.equal(patient.job.status?.terminating, 1);
  patient.kill(q);
  patient.advance(10_000);
  await patient.sync();
  assert.equal(patient.active().length, 1);
  assert.equal(patient.job.status?.terminating, 0);
  assert.equal(patient.job.status?.failed, 1);
});

test('podFailurePolicy: FailJob on an exit code fails at once with the rule message; Ignore on DisruptionTarget does not count', async () => {
  const policy = {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ],
  };
  const c = new FakeJobCluster(newJob({ backoffLimit: 0, podFailurePolicy: policy, podReplacementPolicy: 'Failed' }));
  await c.sync();
  const [p] = names(c.active());
  c.exit(p, 137, [{ type: 'DisruptionTarget', status: 'True' }]);
  await c.sync();
  assert.equal(c.job.status?.failed, undefined, 'ignored: backoffLimit 0 not reached');
  assert.equal(c.job.status?.conditions, undefined);
  c.advance(10_000);
  await c.sync();
  const [q] = names(c.active());
  c.exit(q, 42);
  await c.sync();
  assert.deepEqual(c.conditions(), [
    `FailureTarget=True PodFailurePolicy: Container c for pod default/${q} failed with exit code 42 matching FailJob rule at index 0`,
    `Failed=True PodFailurePolicy: Container c for pod default/${q} failed with exit code 42 matching FailJob rule at index 0`,
  ]);
  assert.equal(c.events.at(-1)?.reason, 'PodFailurePolicy');
});

test('Indexed: one pod per index with annotation, label, env, hostname; completedIndexes; Complete when all succeed', async () => {
  const c = new FakeJobCluster(newJob({ completionMode: 'Indexed', completions: 3, parallelism: 2 }));
  await c.sync();
  const pods = c.active().sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  assert.deepEqual(pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']), ['0', '1']);
  assert.deepEqual(pods.map((p) => p.metadata.labels?.['batch.kubernetes.io/job-completion-index']), ['0', '1']);
  assert.deepEqual(pods.map((p) => p.spec.hostname), ['pi-0', 'pi-1']);
  assert.match(pods[1].metadata.name!, /^pi-1-/);
  assert.deepEqual(pods[0].spec.containers[0].env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } }]);
  c.exit(pods[1].metadata.name!, 0);
  await c.sync();
  assert.equal(c.job.status?.completedIndexes, '1');
  assert.equal(c.job.status?.succeeded, 1);
  const next = c.active().find((p) => p.metadata.name !== pods[0].metadata.name)!;
  assert.equal(next.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], '2', 'the lowest missing index');
  c.exit(pods[0].metadata.name!, 0);
  c.exit(next.metadata.name!, 0);
  await c.sync();
  assert.equal(c.job.status?.completedIndexes, '0-2');
  assert.equal(c.job.status?.succeeded, 3);
  assert.ok(c.conditions().some((x) => x.startsWith('Complete=True CompletionsReached')));
});

test('successPolicy: SuccessCriteriaMet (SuccessPolicy) as soon as a rule matches; the rest are stopped, then Complete', async () => {
  const c = new FakeJobCluster(newJob({ completionMode: 'Indexed', completions: 4, parallelism: 4, successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
  await c.sync();
  const leader = c.active().find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '0')!;
  c.exit(leader.metadata.name!, 0);
  await c.sync();
  assert.deepEqual(c.conditions(), ['SuccessCriteriaMet=True SuccessPolicy: Matched rules at index 0']);
  assert.equal(c.active().length, 0);
  assert.equal(c.job.status?.terminating, 3);
  for (const p of c.podList()) if (p.metadata.deletionTimestamp) c.kill(p.metadata.name!);
  await c.sync();
  assert.deepEqual(c.conditions(), ['SuccessCriteriaMet=True SuccessPolicy: Matched rules at index 0', 'Complete=True SuccessPolicy: Matched rules at index 0']);
  assert.equal(c.job.status?.failed, undefined, 'stopped pods of a successful Job are not failures');
  assert.equal(c.job.status?.succeeded, 1);
});

test('backoffLimitPerIndex: an index that fails too often goes to failedIndexes; the rest run; then Failed (FailedIndexes)', async () => {
  const c = new FakeJobCluster(newJob({ completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1, backoffLimit: 2147483647 }));
  const byIndex = (i: number) => c.active().find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === String(i))!;
  await c.sync();
  const first = byIndex(0);
  assert.equal(first.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '0');
  c.exit(first.metadata.name!, 1);
  await c.sync();
  assert.equal(c.active().length, 1, 'the index backs off');
  assert.ok(c.pods.has(first.metadata.name!), 'the failed pod is kept until its replacement exists');
  assert.deepEqual(c.pod(first.metadata.name!).metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
  c.advance(10_000);
  await c.sync();
  const second = byIndex(0);
  assert.equal(second.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1');
  c.exit(second.metadata.name!, 1);
  await c.sync();
  assert.equal(c.job.status?.failedIndexes, '0');
  assert.equal(c.job.status?.conditions, undefined, 'index 1 still runs');
  c.exit(byIndex(1).metadata.name!, 0);
  await c.sync();
  assert.equal(c.job.status?.completedIndexes, '1');
  assert.deepEqual(c.conditions(), ['FailureTarget=True FailedIndexes: Job has failed indexes', 'Failed=True FailedIndexes: Job has failed indexes']);
});

test('maxFailedIndexes: exceeding it fails the Job at once (MaxFailedIndexesExceeded)', async () => {
  const c = new FakeJobCluster(newJob({ completionMode: 'Indexed', completions: 5, parallelism: 5, backoffLimitPerIndex: 0, maxFailedIndexes: 1, backoffLimit: 2147483647 }));
  await c.sync();
  const pods = c.active();
  c.exit(pods[0].metadata.name!, 1);
  c.exit(pods[1].metadata.name!, 1);
  await c.sync();
  assert.deepEqual(c.conditions(), ['FailureTarget=True MaxFailedIndexesExceeded: Job has exceeded the specified maximal number of failed indexes']);
  assert.equal(c.active().length, 0);
});

test('after a controller restart, a pod whose finalizer is gone but whose uid is still uncounted is counted exactly once', async () => {
  const c = new FakeJobCluster(newJob({ completions: 2, parallelism: 2 }));
  await c.sync();
  const [a, b] = names(c.active());
  c.exit(a, 0);
  c.exit(b, 0);
  // The previous controller wrote the uncounted uids and removed one finalizer, then died.
  c.job = { ...c.job, status: { ...c.job.status, uncountedTerminatedPods: { succeeded: [c.pod(a).metadata.uid!, c.pod(b).metadata.uid!] } } };
  c.pod(a).metadata.finalizers = [];
  await c.sync();
  assert.equal(c.job.status?.succeeded, 2);
  assert.deepEqual(c.job.status?.uncountedTerminatedPods, {});
  assert.ok(c.conditions().some((x) => x.startsWith('Complete=True')));
});

test('expectations: no second round of pods while the first creations are unseen', async () => {
  const c = new FakeJobCluster(newJob({ completions: 3, parallelism: 3 }));
  c.expectations.expectCreations(KEY, 3);
  await c.sync();
  assert.equal(c.podList().length, 0);
  c.expectations.lower(KEY, 3, 0);
  await c.sync();
  assert.equal(c.podList().length, 3);
});
