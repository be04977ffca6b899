// Revision bookkeeping (deployment_util.go, sync.go v1.32): revision numbers, revision-history of
// a reused ReplicaSet, annotations copied to the new ReplicaSet, and the history clean-up choice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyDeploymentAnnotationsToReplicaSet,
  maxRevision,
  replicaSetsToCleanUp,
  revisionOf,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
} from '../../src/controllers/deployment/history.js';
import { deployment, replicaSet } from './deployment-fake.js';

test('revisions: absent is 0, garbage is skipped, the max wins', () => {
  assert.equal(revisionOf(replicaSet('a')), 0);
  assert.equal(revisionOf(replicaSet('a', { revision: 7 })), 7);
  assert.equal(revisionOf(replicaSet('a', { annotations: { 'deployment.kubernetes.io/revision': 'x' } })), undefined);
  assert.equal(maxRevision([replicaSet('a', { revision: 3 }), replicaSet('b', { annotations: { 'deployment.kubernetes.io/revision': 'zz' } }), replicaSet('c', { revision: 11 }), undefined]), 11);
  assert.equal(maxRevision([]), 0);
});

test('annotations copied to the ReplicaSet: all but last-applied and the controller’s own', () => {
  const d = deployment('web', {}, {
    annotations: {
      'kubernetes.io/change-cause': 'kubectl set image deployment web c=nginx:1.17 --record=true',
      'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}',
      'deployment.kubernetes.io/revision': '9',
      'deployment.kubernetes.io/revision-history': '1,2',
      'deployment.kubernetes.io/desired-replicas': '9',
      'deployment.kubernetes.io/max-replicas': '9',
      'deprecated.deployment.rollback.to': '1',
      'team': 'a',
    },
  });
  const rs = replicaSet('rs', { annotations: { team: 'b', keep: 'me' } });
  assert.equal(copyDeploymentAnnotationsToReplicaSet(d, rs), true);
  assert.deepEqual(rs.metadata.annotations, { 'kubernetes.io/change-cause': 'kubectl set image deployment web c=nginx:1.17 --record=true', team: 'a', keep: 'me' });
  assert.equal(copyDeploymentAnnotationsToReplicaSet(d, rs), false, 'nothing left to copy');
});

test('SetNewReplicaSetAnnotations: revision raised only upwards; a reused ReplicaSet keeps its numbers in revision-history', () => {
  const d = deployment('web', { replicas: 4 });
  const cases: { name: string; rsAnn: Record<string, string>; newRevision: string; exists: boolean; changed: boolean; want: Record<string, string> }[] = [
    {
      name: 'new ReplicaSet: revision and replica annotations',
      rsAnn: {},
      newRevision: '1',
      exists: false,
      changed: true,
      want: { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' },
    },
    { name: 'existing at the same revision: unchanged', rsAnn: { 'deployment.kubernetes.io/revision': '3' }, newRevision: '3', exists: true, changed: false, want: { 'deployment.kubernetes.io/revision': '3' } },
    { name: 'a higher revision is never lowered', rsAnn: { 'deployment.kubernetes.io/revision': '5' }, newRevision: '3', exists: true, changed: false, want: { 'deployment.kubernetes.io/revision': '5' } },
    {
      name: 'rolled back to: first history entry',
      rsAnn: { 'deployment.kubernetes.io/revision': '1' },
      newRevision: '3',
      exists: true,
      changed: true,
      want: { 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' },
    },
    {
      name: 'rolled back to again: history appended',
      rsAnn: { 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' },
      newRevision: '5',
      exists: true,
      changed: true,
      want: { 'deployment.kubernetes.io/revision': '5', 'deployment.kubernetes.io/revision-history': '1,3' },
    },
    { name: 'unparsable revision: left alone', rsAnn: { 'deployment.kubernetes.io/revision': 'abc' }, newRevision: '3', exists: true, changed: false, want: { 'deployment.kubernetes.io/revision': 'abc' } },
  ];
  for (const c of cases) {
    const rs = replicaSet('rs', { annotations: c.rsAnn });
    assert.equal(setNewReplicaSetAnnotations(d, rs, c.newRevision, c.exists), c.changed, c.name);
    assert.deepEqual(rs.metadata.annotations, c.want, c.name);
  }
  // The history is trimmed from the front to stay within the limit.
  const rs = replicaSet('rs', { annotations: { 'deployment.kubernetes.io/revision': '40', 'deployment.kubernetes.io/revision-history': '10,20,30' } });
  setNewReplicaSetAnnotations(d, rs, '50', true, 9);
  assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/revision-history'], '20,30,40');
});

test('SetDeploymentRevision mirrors the new ReplicaSet revision onto the Deployment', () => {
  const d = deployment('web');
  assert.equal(setDeploymentRevision(d, '2'), true);
  assert.equal(d.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
  assert.equal(setDeploymentRevision(d, '2'), false);
});

test('history clean-up: beyond revisionHistoryLimit, the lowest revisions that are fully scaled down and observed', () => {
  const d = deployment('web', { revisionHistoryLimit: 2 });
  const old = [
    replicaSet('r1', { revision: 1, replicas: 0 }),
    replicaSet('r2', { revision: 2, replicas: 1 }), // still has replicas: kept (and not replaced by another)
    replicaSet('r3', { revision: 3, replicas: 0 }),
    replicaSet('r4', { revision: 4, replicas: 0 }),
    replicaSet('r5', { revision: 5, replicas: 0 }),
  ];
  assert.deepEqual(replicaSetsToCleanUp(d, old).map((r) => r.metadata.name), ['r1', 'r3']);

  const pending = replicaSet('p', { revision: 1, replicas: 0, statusReplicas: 1 });
  const unobserved = replicaSet('u', { revision: 2, replicas: 0 });
  unobserved.metadata.generation = 3;
  const deleting = replicaSet('x', { revision: 0, replicas: 0 });
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const z = deployment('web', { revisionHistoryLimit: 0 });
  assert.deepEqual(replicaSetsToCleanUp(z, [pending, unobserved, deleting, replicaSet('ok', { revision: 3 })]).map((r) => r.metadata.name), ['ok']);
  assert.deepEqual(replicaSetsToCleanUp(deployment('web', { revisionHistoryLimit: 2147483647 }), old), [], 'MaxInt32 = keep all');
  assert.deepEqual(replicaSetsToCleanUp(deployment('web', { revisionHistoryLimit: 10 }), old), []);
});
