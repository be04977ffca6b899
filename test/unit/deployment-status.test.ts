// Deployment status and conditions as pure functions (calculateStatus, SetDeploymentCondition,
// DeploymentComplete/Progressing/TimedOut, the paused markers, the stuck-rollout requeue; v1.32).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPausedCondition, deploymentTimedOut, replicaFailures, rolloutStatus, stuckRequeueDelayMs } from '../../src/controllers/deployment/progress.js';
import { calculateStatus, deploymentComplete, deploymentProgressing, newCondition, setCondition } from '../../src/controllers/deployment/status.js';
import type { DeploymentCondition, DeploymentStatus } from '../../src/controllers/deployment/types.js';
import { deployment, replicaSet } from './deployment-fake.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

test('calculateStatus: sums over ReplicaSets, updated from the new one, unavailable never negative', () => {
  const cases: { name: string; replicas: number; newRS: [number, number, number, number]; old: [number, number, number, number][]; want: DeploymentStatus; available: 'True' | 'False' }[] = [
    // [spec, status.replicas, ready, available]
    { name: 'mid-rollout', replicas: 3, newRS: [1, 1, 1, 0], old: [[3, 3, 3, 3]], want: { replicas: 4, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 3, unavailableReplicas: 1 }, available: 'True' },
    { name: 'more available than desired (scaling down)', replicas: 2, newRS: [2, 4, 4, 4], old: [], want: { replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 }, available: 'True' },
    { name: 'below minimum availability', replicas: 4, newRS: [4, 4, 2, 2], old: [], want: { replicas: 4, updatedReplicas: 4, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 2 }, available: 'False' },
    { name: 'exactly replicas − maxUnavailable', replicas: 4, newRS: [4, 4, 3, 3], old: [], want: { replicas: 4, updatedReplicas: 4, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 }, available: 'True' },
  ];
  for (const c of cases) {
    const d = deployment('web', { replicas: c.replicas }, { generation: 7 });
    const mk = (name: string, [spec, st, ready, avail]: [number, number, number, number]) => replicaSet(name, { replicas: spec, statusReplicas: st, ready, available: avail });
    const newRS = mk('new', c.newRS);
    const old = c.old.map((o, i) => mk(`old${i}`, o));
    const s = calculateStatus([...old, newRS], newRS, d, T0);
    const { conditions, ...counts } = s;
    assert.deepEqual(counts, { observedGeneration: 7, ...c.want }, c.name);
    const avail = conditions!.find((x) => x.type === 'Available')!;
    assert.equal(avail.status, c.available, c.name);
    assert.equal(avail.reason, c.available === 'True' ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable');
    assert.equal(avail.message, c.available === 'True' ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.');
  }
  // Recreate has no maxUnavailable: all replicas must be available.
  const r = deployment('web', { replicas: 4, strategy: { type: 'Recreate' } });
  const s = calculateStatus([replicaSet('n', { replicas: 4, available: 3 })], undefined, r, T0);
  assert.equal(s.conditions!.find((x) => x.type === 'Available')!.status, 'False');
  assert.equal(s.updatedReplicas, 0, 'no new ReplicaSet: nothing updated');
});

test('SetDeploymentCondition: same status and reason is a no-op; a new reason keeps lastTransitionTime; changed conditions move last', () => {
  const s: DeploymentStatus = {};
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'Created new replica set "a"', at(0)));
  setCondition(s, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'x', at(1)));
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'other message', at(2)));
  assert.deepEqual(s.conditions!.map((c) => c.type), ['Progressing', 'Available']);
  assert.equal(s.conditions![0].message, 'Created new replica set "a"');
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'done', at(3)));
  const p = s.conditions![1];
  assert.deepEqual([p.type, p.reason, p.lastTransitionTime, p.lastUpdateTime], ['Progressing', 'NewReplicaSetAvailable', '2026-01-01T00:00:00Z', '2026-01-01T00:00:03Z']);
  setCondition(s, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'y', at(4)));
  assert.equal(s.conditions![1].lastTransitionTime, '2026-01-01T00:00:04Z');
});

test('DeploymentComplete and DeploymentProgressing', () => {
  const d = deployment('web', { replicas: 3 }, { generation: 2 });
  const full = { updatedReplicas: 3, replicas: 3, availableReplicas: 3, observedGeneration: 2 };
  assert.equal(deploymentComplete(d, full), true);
  assert.equal(deploymentComplete(d, { ...full, observedGeneration: 1 }), false);
  assert.equal(deploymentComplete(d, { ...full, replicas: 4 }), false);
  assert.equal(deploymentComplete(d, { ...full, availableReplicas: 2 }), false);
  assert.equal(deploymentComplete(d, { ...full, updatedReplicas: 2 }), false);

  d.status = { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 };
  const cases: [string, DeploymentStatus, boolean][] = [
    ['nothing changed', { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }, false],
    ['more updated', { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }, true],
    ['fewer old', { replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }, true],
    ['more ready', { replicas: 4, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 3 }, true],
    ['more available', { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 4 }, true],
    ['fewer available is no progress', { replicas: 4, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 }, false],
  ];
  for (const [name, s, want] of cases) assert.equal(deploymentProgressing(d, s), want, name);
});

const progressing = (reason: string, updatedS: number, status: DeploymentCondition['status'] = 'True'): DeploymentStatus => ({
  conditions: [{ ...newCondition('Progressing', status, reason, 'm', at(updatedS)) }],
});

test('DeploymentTimedOut: strictly past lastUpdateTime + progressDeadlineSeconds; never after completion', () => {
  const d = deployment('web', { progressDeadlineSeconds: 10 });
  assert.equal(deploymentTimedOut(d, progressing('ReplicaSetUpdated', 0), at(10)), false);
  assert.equal(deploymentTimedOut(d, progressing('ReplicaSetUpdated', 0), at(11)), true);
  assert.equal(deploymentTimedOut(d, progressing('NewReplicaSetAvailable', 0), at(100)), false);
  assert.equal(deploymentTimedOut(d, progressing('ProgressDeadlineExceeded', 99, 'False'), at(100)), true);
  assert.equal(deploymentTimedOut(d, {}, at(100)), false, 'no condition, no base');
  assert.equal(deploymentTimedOut(deployment('web', { progressDeadlineSeconds: 2147483647 }), progressing('ReplicaSetUpdated', 0), at(1e6)), false, 'MaxInt32 = no deadline');
});

test('rolloutStatus: the Progressing condition through a rollout', () => {
  const d = deployment('web', { replicas: 2, progressDeadlineSeconds: 10 });
  const newRS = replicaSet('web-new', { replicas: 2, statusReplicas: 1, available: 0 });
  d.status = { replicas: 0, updatedReplicas: 0, ...progressing('NewReplicaSetCreated', 0) };
  // Progress (one more updated replica): ReplicaSetUpdated, transition time kept.
  let s = rolloutStatus([newRS], newRS, d, at(5));
  let p = s.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message, p.lastUpdateTime, p.lastTransitionTime], ['True', 'ReplicaSetUpdated', 'ReplicaSet "web-new" is progressing.', '2026-01-01T00:00:05Z', '2026-01-01T00:00:00Z']);
  // The same reason again on more progress still refreshes lastUpdateTime.
  d.status = s;
  const more = replicaSet('web-new', { replicas: 2, statusReplicas: 2, available: 0 });
  s = rolloutStatus([more], more, d, at(8));
  p = s.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(p.lastUpdateTime, '2026-01-01T00:00:08Z');
  // No progress past the deadline.
  d.status = s;
  s = rolloutStatus([more], more, d, at(19));
  p = s.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-new" has timed out progressing.']);
  // Complete: NewReplicaSetAvailable.
  d.status = s;
  const done = replicaSet('web-new', { replicas: 2, available: 2 });
  s = rolloutStatus([done], done, d, at(30));
  p = s.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message], ['True', 'NewReplicaSetAvailable', 'ReplicaSet "web-new" has successfully progressed.']);
  // Without a deadline, no Progressing condition at all.
  const nd = deployment('web', { replicas: 2, progressDeadlineSeconds: 2147483647 });
  nd.status = progressing('ReplicaSetUpdated', 0);
  assert.equal(rolloutStatus([done], done, nd, at(30)).conditions!.find((c) => c.type === 'Progressing'), undefined);
});

test('ReplicaFailure is copied from the ReplicaSets (new one first) and removed when gone', () => {
  const fail = (rsName: string, msg: string) => {
    const rs = replicaSet(rsName, { replicas: 1, available: 0 });
    rs.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: msg, lastTransitionTime: '2026-01-01T00:00:03Z' }];
    return rs;
  };
  const oldF = fail('old', 'old quota');
  const newF = fail('new', 'new quota');
  assert.equal(replicaFailures([oldF, newF], newF)[0].message, 'new quota');
  assert.equal(replicaFailures([oldF, replicaSet('n')], replicaSet('n'))[0].message, 'old quota');
  const d = deployment('web');
  const s = rolloutStatus([oldF], undefined, d, at(5));
  const rf = s.conditions!.find((c) => c.type === 'ReplicaFailure')!;
  assert.deepEqual([rf.status, rf.reason, rf.lastUpdateTime], ['True', 'FailedCreate', '2026-01-01T00:00:03Z']);
  d.status = s;
  assert.equal(rolloutStatus([replicaSet('old', { replicas: 1 })], undefined, d, at(6)).conditions!.find((c) => c.type === 'ReplicaFailure'), undefined);
});

test('paused and resumed markers; a timeout is not overwritten', () => {
  const d = deployment('web', { paused: true });
  d.status = progressing('ReplicaSetUpdated', 0);
  assert.equal(applyPausedCondition(d, at(1)), true);
  let p = d.status.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
  assert.equal(applyPausedCondition(d, at(2)), false, 'already marked');
  d.spec.paused = false;
  assert.equal(applyPausedCondition(d, at(3)), true);
  p = d.status.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message, p.lastUpdateTime], ['Unknown', 'DeploymentResumed', 'Deployment is resumed', '2026-01-01T00:00:03Z']);
  const t = deployment('web', { paused: true });
  t.status = progressing('ProgressDeadlineExceeded', 0, 'False');
  assert.equal(applyPausedCondition(t, at(1)), false);
});

test('stuck rollouts are requeued for one second past their deadline', () => {
  const d = deployment('web', { replicas: 2, progressDeadlineSeconds: 60 });
  d.status = progressing('ReplicaSetUpdated', 0);
  const notDone = { replicas: 2, updatedReplicas: 1, availableReplicas: 1, observedGeneration: 1 };
  assert.equal(stuckRequeueDelayMs(d, notDone, at(20)), 41_000);
  assert.equal(stuckRequeueDelayMs(d, notDone, at(59.5)), 0, 'less than a second left: now');
  assert.equal(stuckRequeueDelayMs(d, { ...notDone, updatedReplicas: 2, availableReplicas: 2 }, at(20)), undefined, 'complete');
  d.status = progressing('ProgressDeadlineExceeded', 0, 'False');
  assert.equal(stuckRequeueDelayMs(d, notDone, at(20)), undefined, 'already timed out');
  d.status = {};
  assert.equal(stuckRequeueDelayMs(d, notDone, at(20)), undefined, 'no condition');
});
