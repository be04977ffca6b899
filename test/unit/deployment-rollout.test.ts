// Whole rollouts driven through the real sync code against an in-memory world (deployment-fake):
// each round is one controller sync followed by the ReplicaSet controller and kubelets catching up.
// The step sequences are the ones kubernetes.io documents (`kubectl describe deployment` events).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash } from '../../src/controllers/shared/hash.js';
import { deployment, FakeWorld, replicaSet } from './deployment-fake.js';

const image = (img: string) => (d: { spec: { template?: { spec?: Record<string, unknown> } } }) => {
  d.spec.template!.spec!.containers = [{ name: 'c', image: img }];
};

test('a new Deployment gets one ReplicaSet named by its template hash, scaled straight to replicas', async () => {
  const d = deployment('nginx', { replicas: 3 }, { annotations: { 'kubernetes.io/change-cause': 'kubectl apply --record=true', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
  const w = new FakeWorld(d);
  await w.sync();
  assert.equal(w.rs.size, 1);
  const rs = [...w.rs.values()][0];
  const hash = computeHash(d.spec.template!);
  assert.equal(rs.metadata.name, `nginx-${hash}`);
  assert.equal(rs.spec.replicas, 3);
  assert.deepEqual(rs.metadata.labels, { app: 'nginx', 'pod-template-hash': hash });
  assert.deepEqual(rs.spec.selector, { matchLabels: { app: 'nginx', 'pod-template-hash': hash } });
  assert.deepEqual(rs.spec.template!.metadata!.labels, { app: 'nginx', 'pod-template-hash': hash });
  assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx', uid: 'uid-nginx', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(rs.metadata.annotations, {
    'kubernetes.io/change-cause': 'kubectl apply --record=true',
    'deployment.kubernetes.io/revision': '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  assert.deepEqual(w.events, [{ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set nginx-${hash} from 0 to 3` }]);
  assert.equal(w.d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const progressing = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(progressing.reason, 'NewReplicaSetCreated');
  assert.equal(progressing.message, `Created new replica set "nginx-${hash}"`);

  await w.rollout();
  assert.deepEqual(
    { ...w.d.status, conditions: w.d.status!.conditions!.map((c) => `${c.type} ${c.status} ${c.reason}: ${c.message}`) },
    {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
      conditions: ['Available True MinimumReplicasAvailable: Deployment has minimum availability.', `Progressing True NewReplicaSetAvailable: ReplicaSet "nginx-${hash}" has successfully progressed.`],
    },
  );
});

test('rolling update of 3 replicas at 25%/25%: one up, one down, as the docs show', async () => {
  const w = new FakeWorld(deployment('nginx', { replicas: 3 }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  w.update(image('nginx:1.17'));
  const msgs = await w.rollout();
  const v2 = w.newRSName()!;
  assert.notEqual(v1, v2);
  assert.deepEqual(msgs, [
    `Scaled up replica set ${v2} from 0 to 1`,
    `Scaled down replica set ${v1} from 3 to 2`,
    `Scaled up replica set ${v2} from 1 to 2`,
    `Scaled down replica set ${v1} from 2 to 1`,
    `Scaled up replica set ${v2} from 2 to 3`,
    `Scaled down replica set ${v1} from 1 to 0`,
  ]);
  assert.equal(w.rs.get(v2)!.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
  assert.equal(w.d.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
  assert.equal(w.d.status!.updatedReplicas, 3);
  assert.equal(w.d.status!.replicas, 3);
  assert.equal(w.d.status!.observedGeneration, 2);
  assert.equal(w.d.status!.conditions!.find((c) => c.type === 'Progressing')!.message, `ReplicaSet "${v2}" has successfully progressed.`);
});

test('rolling update of 10 replicas at 25%/25%: never more than 13 pods nor fewer than 8 available', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 10 }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  w.update(image('v2'));
  const seen: number[][] = [];
  for (let i = 0; i < 20; i++) {
    await w.sync();
    const total = [...w.rs.values()].reduce((n, r) => n + (r.spec.replicas ?? 0), 0);
    const available = [...w.rs.values()].reduce((n, r) => n + (r.status?.availableReplicas ?? 0), 0);
    seen.push([total, available]);
    w.settle();
  }
  const v2 = w.newRSName()!;
  assert.ok(seen.every(([total]) => total <= 13), JSON.stringify(seen));
  assert.ok(seen.every(([, available]) => available >= 8), JSON.stringify(seen));
  assert.deepEqual(
    w.events.filter((e) => e.reason === 'ScalingReplicaSet').slice(1).map((e) => e.message),
    [
      // Created at 3 (the surge); in the same pass 2 old ones may go (13 − 8 − 3 unavailable new).
      `Scaled up replica set ${v2} from 0 to 3`,
      `Scaled down replica set ${v1} from 10 to 8`,
      `Scaled up replica set ${v2} from 3 to 5`,
      `Scaled down replica set ${v1} from 8 to 3`,
      `Scaled up replica set ${v2} from 5 to 10`,
      `Scaled down replica set ${v1} from 3 to 0`,
    ],
  );
});

test('a new template whose pods never become available: the rollout holds at maxUnavailable', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 3 }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  w.update(image('nginx:bad'));
  await w.sync();
  const v2 = w.newRSName()!;
  w.unready.add(v2);
  w.settle();
  await w.rollout();
  // maxUnavailable 0 (25% of 3 rounds down): nothing old may go.
  assert.equal(w.sizes(), `${v1}=3 ${v2}=1`);
  assert.equal(w.d.status!.unavailableReplicas, 1);
  assert.equal(w.d.status!.updatedReplicas, 1);
  assert.equal(w.d.status!.conditions!.find((c) => c.type === 'Available')!.status, 'True');
});

test('unavailable old replicas are scaled down first (cleanupUnhealthyReplicas)', async () => {
  // 4 replicas, surge 0, unavailable 1; the old ReplicaSet has 2 unavailable pods.
  const w = new FakeWorld(deployment('web', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } }));
  w.add(replicaSet('old', { replicas: 4, available: 2, revision: 1, app: 'web', image: 'v0', annotations: { 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '4' } }));
  await w.sync();
  const v2 = w.newRSName()!;
  // Creating the new RS at 0 (no surge) does not count as a scale; the unhealthy cleanup may
  // take Σ4 − (4 − 1) − 0 = 1 replica, and it takes an unavailable one.
  assert.equal(w.rs.get(v2)!.spec.replicas, 0);
  assert.equal(w.rs.get('old')!.spec.replicas, 3);
  assert.deepEqual(w.events.map((e) => e.message), ['Scaled down replica set old from 4 to 3']);
});

test('rollback: the old ReplicaSet becomes new again with the next revision; its old number goes to revision-history', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 2 }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  const original = structuredClone(w.d.spec.template);
  w.update(image('v2'));
  await w.rollout();
  const v2 = w.newRSName()!;
  // kubectl rollout undo: the RS template (without the hash label) is patched back in.
  w.update((d) => (d.spec.template = structuredClone(original)));
  const msgs = await w.rollout();
  assert.equal(w.rs.size, 2, 'no new ReplicaSet');
  assert.equal(w.newRSName(), v1);
  assert.equal(w.rs.get(v1)!.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
  assert.equal(w.rs.get(v1)!.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(w.rs.get(v2)!.metadata.annotations!['deployment.kubernetes.io/revision'], '2');
  assert.equal(w.d.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
  assert.equal(msgs[0], `Scaled up replica set ${v1} from 0 to 1`);
  assert.equal(w.sizes(), `${v1}=2 ${v2}=0`);
  // And forward again: v2 is reused with revision 4, history "2".
  w.update(image('v2'));
  await w.rollout();
  assert.equal(w.newRSName(), v2);
  assert.equal(w.rs.get(v2)!.metadata.annotations!['deployment.kubernetes.io/revision'], '4');
  assert.equal(w.rs.get(v2)!.metadata.annotations!['deployment.kubernetes.io/revision-history'], '2');
});

test('Recreate: old ReplicaSets go to 0, the new one is created only once their pods are gone', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 3, strategy: { type: 'Recreate' } }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  assert.equal(w.rs.get(v1)!.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '3', 'no surge with Recreate');
  w.update(image('v2'));
  await w.sync();
  assert.equal(w.sizes(), `${v1}=0`);
  // The ReplicaSet controller reports the pods gone, but one is still terminating.
  w.settle();
  w.lingering.set(w.rs.get(v1)!.metadata.uid!, 1);
  await w.sync();
  assert.equal(w.rs.size, 1, 'no new ReplicaSet while an old pod runs');
  w.lingering.clear();
  await w.sync();
  const v2 = w.newRSName()!;
  assert.equal(w.sizes(), `${v1}=0 ${v2}=3`);
  assert.deepEqual(w.events.slice(-2).map((e) => e.message), [`Scaled down replica set ${v1} from 3 to 0`, `Scaled up replica set ${v2} from 0 to 3`]);
  w.settle();
  await w.rollout();
  assert.equal(w.d.status!.conditions!.find((c) => c.type === 'Available')!.status, 'True');
});

test('paused: a template change creates nothing, scaling still applies; resume rolls out', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 3 }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  w.update((d) => (d.spec.paused = true));
  await w.rollout();
  let p = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
  w.update(image('v2'));
  w.update((d) => (d.spec.replicas = 5));
  const msgs = await w.rollout();
  assert.equal(w.rs.size, 1);
  assert.deepEqual(msgs, [`Scaled up replica set ${v1} from 3 to 5`]);
  assert.equal(w.d.status!.updatedReplicas, 0, 'the running pods are not of the current template');
  w.update((d) => (d.spec.paused = false));
  await w.sync();
  // The resume marker is written first (the rollout then moves on in the same pass).
  assert.equal(w.rs.size, 2);
  await w.rollout();
  p = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(p.reason, 'NewReplicaSetAvailable');
  assert.equal(w.sizes(), `${v1}=0 ${w.newRSName()}=5`);
});

test('revisionHistoryLimit: the lowest revisions scaled to 0 are deleted once the rollout completes', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 1, revisionHistoryLimit: 1 }));
  await w.rollout();
  for (const img of ['v2', 'v3', 'v4']) {
    w.update(image(img));
    await w.rollout();
  }
  const revs = [...w.rs.values()].map((r) => r.metadata.annotations!['deployment.kubernetes.io/revision']).sort();
  assert.deepEqual(revs, ['3', '4']);
  const z = new FakeWorld(deployment('web', { replicas: 1, revisionHistoryLimit: 0 }));
  await z.rollout();
  z.update(image('v2'));
  await z.rollout();
  assert.equal(z.rs.size, 1, 'limit 0 keeps no old ReplicaSet');
});

test('progress deadline: no progress for progressDeadlineSeconds gives ProgressDeadlineExceeded; progress clears it', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 2, progressDeadlineSeconds: 30 }));
  await w.sync();
  const v1 = [...w.rs.keys()][0];
  w.unready.add(v1);
  w.settle();
  await w.rollout();
  let p = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(p.reason, 'ReplicaSetUpdated');
  assert.equal(p.message, `ReplicaSet "${v1}" is progressing.`);
  // Nothing changes: the controller asks to be woken right after the deadline.
  w.requeues = [];
  await w.sync();
  assert.deepEqual(w.requeues, [31_000]);
  w.now += 30_000;
  await w.sync();
  p = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(p.reason, 'ReplicaSetUpdated', 'not yet: the deadline must be passed, not reached');
  w.now += 1_000;
  await w.sync();
  p = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason, p.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${v1}" has timed out progressing.`]);
  w.requeues = [];
  await w.sync();
  assert.deepEqual(w.requeues, [], 'a timed-out rollout is not requeued');
  w.unready.clear();
  w.settle();
  await w.sync();
  p = w.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([p.status, p.reason], ['True', 'NewReplicaSetAvailable']);
});

test('a name taken by a ReplicaSet with another template bumps collisionCount and the hash', async () => {
  const d = deployment('web', { replicas: 1 });
  const w = new FakeWorld(d);
  const hash = computeHash(d.spec.template!);
  // Someone else's ReplicaSet already has the name (not ours: no controller ref to us).
  w.rs.set(`web-${hash}`, { ...replicaSet(`web-${hash}`, { app: 'other' }) });
  await assert.rejects(w.sync(), /already exists/);
  assert.equal(w.d.status!.collisionCount, 1);
  // The foreign ReplicaSet is not ours, so it is not in the claimed list the next sync gets.
  const foreign = w.rs.get(`web-${hash}`)!;
  w.rs.delete(`web-${hash}`);
  await w.sync();
  w.rs.set(`web-${hash}`, foreign);
  const ours = [...w.rs.values()].find((r) => r.metadata.ownerReferences?.length && r.metadata.name !== `web-${hash}`)!;
  assert.equal(ours.metadata.name, `web-${computeHash(d.spec.template!, 1)}`);
});

test('minReadySeconds and copied annotations follow the Deployment onto its current ReplicaSet', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 1 }));
  await w.rollout();
  const v1 = [...w.rs.keys()][0];
  w.update((d) => {
    d.spec.minReadySeconds = 5;
    d.metadata.annotations = { ...d.metadata.annotations, 'kubernetes.io/change-cause': 'scaled by hand', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
  });
  await w.rollout();
  const rs = w.rs.get(v1)!;
  assert.equal(rs.spec.minReadySeconds, 5);
  assert.equal(rs.metadata.annotations!['kubernetes.io/change-cause'], 'scaled by hand');
  assert.equal(rs.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/revision'], '1', 'same template, same revision');
});
