// The StatefulSet update loop against fakes: pods live in a map, creates and deletes are logged,
// and each test moves pods through their phases between passes as kubelets would.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJson } from '../../src/api/equality.js';
import type { JsonObject, KObject } from '../../src/api/types.js';
import type { ControllerRevision } from '../../src/controllers/history/index.js';
import { newStatefulSetRevision, StatefulSetControl, type RevisionOps, type StatefulPodOps } from '../../src/controllers/statefulset/stateful-set-control.js';
import type { StatefulSetStatus } from '../../src/controllers/statefulset/status.js';

const NOW = new Date('2026-03-01T12:00:00Z');

class Fake implements StatefulPodOps, RevisionOps {
  pods = new Map<string, KObject>();
  revs: ControllerRevision[] = [];
  log: string[] = [];
  statuses: StatefulSetStatus[] = [];
  revSeq = 0;

  async createStatefulPod(_set: KObject, pod: KObject) {
    if (this.pods.has(pod.metadata.name!)) throw new Error('AlreadyExists');
    this.log.push(`create ${pod.metadata.name}@${pod.metadata.labels?.['controller-revision-hash']}`);
    this.pods.set(pod.metadata.name!, { ...cloneJson(pod), status: { phase: 'Pending' } });
  }
  async updateStatefulPod(_set: KObject, pod: KObject) {
    this.log.push(`update ${pod.metadata.name}`);
  }
  async deleteStatefulPod(_set: KObject, pod: KObject) {
    this.log.push(`delete ${pod.metadata.name}`);
    const p = this.pods.get(pod.metadata.name!);
    if (p) p.metadata.deletionTimestamp = NOW.toISOString();
  }
  podClaimIsStale() {
    return false;
  }
  claimsMatchRetentionPolicy() {
    return true;
  }
  async updatePodClaimForRetentionPolicy(_s: KObject, pod: KObject) {
    this.log.push(`claims ${pod.metadata.name}`);
  }
  async createMissingPersistentVolumeClaims() {}

  listRevisions() {
    return this.revs;
  }
  async createRevision(set: KObject, r: ControllerRevision) {
    const created = { ...r, metadata: { ...r.metadata, creationTimestamp: new Date(NOW.getTime() + this.revSeq++).toISOString() } };
    this.revs.push(created);
    this.log.push(`revision+ ${created.revision}`);
    return created;
  }
  async updateRevision(r: ControllerRevision, n: number) {
    const found = this.revs.find((x) => x.metadata.name === r.metadata.name)!;
    found.revision = n;
    this.log.push(`revision ${r.metadata.name} -> ${n}`);
    return found;
  }
  async deleteRevision(r: ControllerRevision) {
    this.revs = this.revs.filter((x) => x.metadata.name !== r.metadata.name);
    this.log.push(`revision- ${r.revision}`);
  }

  /** Kubelet and scheduler: the pod runs and is (or is not) ready. */
  run(name: string, ready = true) {
    const p = this.pods.get(name)!;
    p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-03-01T11:00:00Z' }] };
  }
  /** A terminating pod finishes. */
  gone(name: string) {
    this.pods.delete(name);
  }
  takeLog() {
    return this.log.splice(0);
  }
}

function statefulSet(o: JsonObject = {}, template = 'i:1'): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'u', generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: template }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      podManagementPolicy: 'OrderedReady',
      revisionHistoryLimit: 10,
      ...o,
    },
    status: {},
  };
}

function harness() {
  const f = new Fake();
  const control = new StatefulSetControl(f, f, { updateStatus: async (_s, st) => void f.statuses.push({ ...st }) }, () => NOW);
  let set = statefulSet();
  /** One pass with the set as the controller would see it: its last written status applied. */
  const pass = async (s: KObject = set) => {
    set = s;
    const last = f.statuses.at(-1);
    const withStatus = last ? { ...s, status: { ...last } } : s;
    const st = await control.updateStatefulSet(withStatus, [...f.pods.values()]);
    return st;
  };
  return { f, pass, get set() { return set; } };
}

test('OrderedReady: one pod per pass, each only after the previous is Running and Ready', async () => {
  const { f, pass } = harness();
  await pass();
  assert.equal(f.revs.length, 1);
  const rev = f.revs[0].metadata.name;
  assert.deepEqual(f.takeLog(), ['revision+ 1', `create web-0@${rev}`]);
  await pass();
  assert.deepEqual(f.takeLog(), [], 'web-0 pending: wait');
  f.run('web-0', false);
  await pass();
  assert.deepEqual(f.takeLog(), [], 'web-0 running but not ready: wait');
  f.run('web-0');
  await pass();
  assert.deepEqual(f.takeLog(), [`create web-1@${rev}`]);
  f.run('web-1');
  const st = await pass();
  assert.deepEqual(f.takeLog(), [`create web-2@${rev}`]);
  // As upstream, the pod created in this pass is not counted until it is seen with a phase.
  assert.equal(st.replicas, 2);
  assert.equal(st.readyReplicas, 2);
  f.run('web-2');
  const done = await pass();
  assert.deepEqual(f.takeLog(), []);
  assert.deepEqual(done, { observedGeneration: 1, currentRevision: rev, updateRevision: rev, collisionCount: 0, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3 });

  // A pod that turns unready halts everything, even a scale-up.
  f.run('web-1', false);
  await pass(statefulSet({ replicas: 4 }));
  assert.deepEqual(f.takeLog(), []);
  f.run('web-1');
  await pass(statefulSet({ replicas: 4 }));
  assert.deepEqual(f.takeLog(), [`create web-3@${rev}`]);
});

test('Parallel: all missing pods in one pass; a failed pod is deleted and recreated after it is gone', async () => {
  const { f, pass } = harness();
  await pass(statefulSet({ podManagementPolicy: 'Parallel' }));
  assert.deepEqual(f.takeLog().filter((l) => l.startsWith('create')).map((l) => l.split('@')[0]).sort(), ['create web-0', 'create web-1', 'create web-2']);
  f.pods.get('web-1')!.status = { phase: 'Failed' };
  await pass();
  assert.deepEqual(f.takeLog(), ['delete web-1']);
  await pass();
  assert.deepEqual(f.takeLog(), [], 'still terminating');
  f.gone('web-1');
  await pass();
  assert.deepEqual(f.takeLog().map((l) => l.split('@')[0]), ['create web-1']);
});

test('scale in: highest ordinal first, one at a time, waiting for termination (OrderedReady); all at once (Parallel)', async () => {
  const { f, pass } = harness();
  for (let i = 0; i < 5; i++) {
    await pass(statefulSet({ replicas: 5 }));
    f.run(`web-${i}`);
  }
  f.takeLog();
  await pass(statefulSet({ replicas: 2 }));
  assert.deepEqual(f.takeLog(), ['delete web-4']);
  await pass(statefulSet({ replicas: 2 }));
  assert.deepEqual(f.takeLog(), [], 'web-4 terminating');
  f.gone('web-4');
  await pass(statefulSet({ replicas: 2 }));
  assert.deepEqual(f.takeLog(), ['delete web-3']);
  f.gone('web-3');
  await pass(statefulSet({ replicas: 2 }));
  assert.deepEqual(f.takeLog(), ['delete web-2']);

  const p = harness();
  for (let i = 0; i < 3; i++) {
    await p.pass(statefulSet({ replicas: 3 }));
    p.f.run(`web-${i}`);
  }
  p.f.takeLog();
  await p.pass(statefulSet({ replicas: 0, podManagementPolicy: 'Parallel' }));
  assert.deepEqual(p.f.takeLog().sort(), ['delete web-0', 'delete web-1', 'delete web-2']);
});

test('RollingUpdate with a partition: highest first, one at a time, waiting for health; lower ordinals stay; completion', async () => {
  const { f, pass } = harness();
  for (let i = 0; i < 3; i++) {
    await pass();
    f.run(`web-${i}`);
  }
  await pass();
  const rev1 = f.revs[0].metadata.name;
  f.takeLog();
  const v2 = statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }, 'i:2');
  v2.metadata.generation = 2;
  let st = await pass(v2);
  const rev2 = f.revs[1].metadata.name;
  assert.notEqual(rev2, rev1);
  assert.deepEqual(f.takeLog(), ['revision+ 2', 'delete web-2']);
  assert.equal(st.currentRevision, rev1);
  assert.equal(st.updateRevision, rev2);
  f.gone('web-2');
  await pass(v2);
  assert.deepEqual(f.takeLog(), [`create web-2@${rev2}`], 'recreated at the update revision');
  assert.equal(f.pods.get('web-2')!.spec.containers[0].image, 'i:2');
  await pass(v2);
  assert.deepEqual(f.takeLog(), [], 'waiting for web-2');
  f.run('web-2');
  st = await pass(v2);
  assert.deepEqual(f.takeLog(), ['delete web-1']);
  f.gone('web-1');
  await pass(v2);
  f.run('web-1');
  st = await pass(v2);
  assert.deepEqual(f.takeLog(), [`create web-1@${rev2}`], 'web-0 is below the partition');
  assert.deepEqual([st.currentRevision, st.currentReplicas, st.updatedReplicas], [rev1, 1, 2]);

  // Deleted below the partition: back at the current revision.
  f.pods.get('web-0')!.metadata.deletionTimestamp = 'x';
  f.gone('web-0');
  await pass(v2);
  assert.deepEqual(f.takeLog(), [`create web-0@${rev1}`]);
  f.run('web-0');

  const all = statefulSet({}, 'i:2');
  all.metadata.generation = 3;
  await pass(all);
  assert.deepEqual(f.takeLog(), ['delete web-0']);
  f.gone('web-0');
  await pass(all);
  f.run('web-0');
  st = await pass(all);
  assert.deepEqual([st.currentRevision, st.updateRevision, st.currentReplicas, st.updatedReplicas], [rev2, rev2, 3, 3], 'rollout complete');
  f.takeLog();

  // Rollback to the first template: revision 1 is renumbered, not duplicated.
  const back = statefulSet({}, 'i:1');
  back.metadata.generation = 4;
  st = await pass(back);
  assert.deepEqual(f.takeLog(), [`revision ${rev1} -> 3`, 'delete web-2']);
  assert.equal(st.updateRevision, rev1);
  assert.equal(f.revs.length, 2);
});

test('OnDelete: nothing is replaced automatically; a deleted pod returns at the update revision', async () => {
  const { f, pass } = harness();
  const od = (image: string) => statefulSet({ updateStrategy: { type: 'OnDelete' }, replicas: 2 }, image);
  for (let i = 0; i < 2; i++) {
    await pass(od('i:1'));
    f.run(`web-${i}`);
  }
  await pass(od('i:2'));
  assert.deepEqual(f.takeLog().filter((l) => !l.startsWith('create') && !l.startsWith('revision')), []);
  f.gone('web-0');
  await pass(od('i:2'));
  const rev2 = f.revs[1].metadata.name;
  assert.deepEqual(f.takeLog(), [`create web-0@${rev2}`]);
});

test('history: revisions beyond revisionHistoryLimit go, oldest first, but never live ones', async () => {
  const { f, pass } = harness();
  const s = (image: string, limit: number) => statefulSet({ replicas: 1, revisionHistoryLimit: limit, updateStrategy: { type: 'OnDelete' } }, image);
  await pass(s('i:1', 10));
  f.run('web-0');
  for (const image of ['i:2', 'i:3', 'i:4']) await pass(s(image, 10));
  assert.equal(f.revs.length, 4);
  f.takeLog();
  // Live: the update revision (i:4) and the pod's (i:1, also the current revision). Non-live: i:2, i:3.
  await pass(s('i:4', 1));
  assert.deepEqual(f.takeLog(), ['revision- 2']);
  assert.deepEqual(f.revs.map((r) => r.revision), [1, 3, 4]);
});

test('newStatefulSetRevision: upstream name and labels, annotations copied', () => {
  const s = statefulSet();
  s.metadata.annotations = { note: 'x' };
  const r = newStatefulSetRevision(s, 7, 0);
  assert.equal(r.revision, 7);
  assert.equal(r.metadata.name, `web-${r.metadata.labels?.['controller.kubernetes.io/hash']}`);
  assert.deepEqual(r.metadata.annotations, { note: 'x' });
  assert.deepEqual(Object.keys(r.metadata.labels!).sort(), ['app', 'controller.kubernetes.io/hash']);
  assert.notEqual(newStatefulSetRevision(s, 7, 1).metadata.name, r.metadata.name, 'collisionCount changes the name');
});
