// The StatefulSet controller against an in-process API server, the real scheduler, sim node
// agents and the garbage collector: ordered start observed through a watch, ordered scale out and
// in, stable identity and claims, Parallel, partitioned RollingUpdate, OnDelete, rollback by
// patching a revision's data back, spec.ordinals.start, and the PVC retention policy.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import type { WatchEvent } from '../../src/client/rest-client.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { persistentVolumeControllerFactory } from '../../src/controllers/persistent-volume/index.js';
import { statefulSetControllerFactory } from '../../src/controllers/statefulset/index.js';
import { SIM_READY, SIM_READY_DELAY } from '../../src/kubelet/index.js';
import { eventually, getOrUndefined, isReady, NS, TestCluster } from './workload-cluster.js';

const c = new TestCluster();
let sets: ResourceClient;
// The PV controller binds the claims (local-path, WaitForFirstConsumer): the scheduler places a
// pod only once its claims are bound.
const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-sts-'));

before(async () => {
  await c.start(['node-1', 'node-2', 'node-3'], [statefulSetControllerFactory, persistentVolumeControllerFactory({ dataDir })]);
  sets = new ResourceClient(c.client, R.statefulsets);
});

after(async () => {
  await c.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface SetOptions {
  replicas?: number;
  image?: string;
  annotations?: Record<string, string>;
  claims?: string[];
  policy?: 'OrderedReady' | 'Parallel';
  strategy?: JsonObject;
  retention?: { whenDeleted?: string; whenScaled?: string };
  start?: number;
}

function statefulSet(name: string, o: SetOptions = {}): KObject {
  const spec: JsonObject = {
    replicas: o.replicas ?? 3,
    serviceName: name,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name }, annotations: o.annotations }, spec: { containers: [{ name: 'nginx', image: o.image ?? 'nginx:1.27' }] } },
    volumeClaimTemplates: (o.claims ?? []).map((claim) => ({
      metadata: { name: claim, labels: { tier: 'storage' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    })),
  };
  if (o.policy) spec.podManagementPolicy = o.policy;
  if (o.strategy) spec.updateStrategy = o.strategy;
  if (o.retention) spec.persistentVolumeClaimRetentionPolicy = o.retention;
  if (o.start !== undefined) spec.ordinals = { start: o.start };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: NS }, spec };
}

const revisionOf = (p: KObject) => p.metadata.labels?.['controller-revision-hash'];
const imageOf = (p: KObject) => p.spec.containers[0].image;
const names = (ps: KObject[]) => ps.map((p) => p.metadata.name);

/** Waits for exactly `expected` pods, all Running and Ready, with a status saying so for the current generation. */
async function waitSteady(name: string, expected: string[]): Promise<{ set: KObject; pods: KObject[] }> {
  return eventually(`${name}: ${expected.join(',')} ready`, async () => {
    const set = await sets.get(NS, name);
    const pods = await c.ownedPods(set, false);
    const s = set.status ?? {};
    if (names(pods).join() !== expected.join() || !pods.every((p) => isReady(p) && p.status.phase === 'Running' && !p.metadata.deletionTimestamp)) return undefined;
    const n = expected.length;
    if (s.observedGeneration !== set.metadata.generation || s.replicas !== n || s.readyReplicas !== n || s.availableReplicas !== n) return undefined;
    return { set, pods };
  });
}

/** Index of the first watch event matching `pred`, or -1. */
const firstIndex = (events: WatchEvent[], pred: (ev: WatchEvent) => boolean) => events.findIndex(pred);
const readyEvent = (name: string) => (ev: WatchEvent) => ev.object.metadata.name === name && ev.type !== 'DELETED' && isReady(ev.object);
const addedEvent = (name: string) => (ev: WatchEvent) => ev.object.metadata.name === name && ev.type === 'ADDED';
const deletedEvent = (name: string) => (ev: WatchEvent) => ev.object.metadata.name === name && ev.type === 'DELETED';
const terminatingEvent = (name: string) => (ev: WatchEvent) => ev.object.metadata.name === name && (ev.type === 'DELETED' || !!ev.object.metadata.deletionTimestamp);

test('StatefulSet: OrderedReady creates web-0, then web-1 once web-0 is Ready, then web-2; identity, claims, revision, status, events', async () => {
  const w = c.watchPods('app=web');
  await w.ready;
  const set = await sets.create(NS, statefulSet('web', { claims: ['www'], annotations: { [SIM_READY_DELAY]: '0.3' } }));
  const { set: cur, pods } = await waitSteady('web', ['web-0', 'web-1', 'web-2']);
  w.stop();

  // Observed through the watch: each pod is created only after its predecessor turned Ready.
  for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']]) {
    const ready = firstIndex(w.events, readyEvent(prev));
    const added = firstIndex(w.events, addedEvent(next));
    assert.ok(ready >= 0 && added > ready, `${next} was created (event ${added}) after ${prev} was Ready (event ${ready})`);
  }

  const revs = await c.revisionsOf(set);
  assert.equal(revs.length, 1);
  const rev = revs[0];
  assert.equal(rev.revision, 1);
  assert.match(rev.metadata.name!, /^web-[a-z0-9]+$/);
  assert.equal(rev.metadata.name, `web-${rev.metadata.labels?.['controller.kubernetes.io/hash']}`);
  assert.deepEqual(Object.keys(rev.metadata.labels!).sort(), ['app', 'controller.kubernetes.io/hash']);
  assert.equal(rev.data.spec.template.$patch, 'replace');
  assert.deepEqual(rev.data.spec.template.spec, cur.spec.template.spec);

  assert.deepEqual(cur.status, {
    observedGeneration: 1,
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: rev.metadata.name,
    updateRevision: rev.metadata.name,
    collisionCount: 0,
    availableReplicas: 3,
  });
  pods.forEach((p, i) => {
    assert.deepEqual(p.metadata.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': rev.metadata.name });
    assert.equal(p.spec.hostname, `web-${i}`);
    assert.equal(p.spec.subdomain, 'web');
    assert.deepEqual(p.spec.volumes.find((v: JsonObject) => v.name === 'www'), { name: 'www', persistentVolumeClaim: { claimName: `www-web-${i}` } });
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  });
  for (let i = 0; i < 3; i++) {
    const pvc = await c.claims.get(NS, `www-web-${i}`);
    assert.deepEqual(pvc.metadata.labels, { tier: 'storage', app: 'web' });
    assert.equal(pvc.metadata.ownerReferences, undefined, 'Retain: the claim has no owner');
    assert.deepEqual(pvc.spec.resources, { requests: { storage: '1Gi' } });
  }
  const messages = (await c.eventsOf(set, 'SuccessfulCreate')).map((e) => e.message).sort();
  assert.deepEqual(messages, [
    'create Claim www-web-0 Pod web-0 in StatefulSet web success',
    'create Claim www-web-1 Pod web-1 in StatefulSet web success',
    'create Claim www-web-2 Pod web-2 in StatefulSet web success',
    'create Pod web-0 in StatefulSet web successful',
    'create Pod web-1 in StatefulSet web successful',
    'create Pod web-2 in StatefulSet web successful',
  ]);
  assert.ok((await c.eventsOf(set)).every((e) => e.source?.component === 'statefulset-controller'));
  assert.equal((await c.eventsOf(set)).filter((e) => e.type === 'Warning').length, 0, 'no failed creates');
});

test('StatefulSet: scales out in order and in from the highest ordinal, one at a time; claims are kept; a deleted pod comes back with its claim', async () => {
  const w = c.watchPods('app=web');
  await w.ready;
  await sets.patch(NS, 'web', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
  await waitSteady('web', ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
  assert.ok(firstIndex(w.events, addedEvent('web-4')) > firstIndex(w.events, readyEvent('web-3')), 'web-4 after web-3 is Ready');

  await sets.patch(NS, 'web', 'merge', { spec: { replicas: 2 } }, { subresource: 'scale' });
  const { set } = await waitSteady('web', ['web-0', 'web-1']);
  w.stop();
  // Highest first, and each only after the previous one is completely gone.
  const t4 = firstIndex(w.events, terminatingEvent('web-4'));
  const d4 = firstIndex(w.events, deletedEvent('web-4'));
  const t3 = firstIndex(w.events, terminatingEvent('web-3'));
  const d3 = firstIndex(w.events, deletedEvent('web-3'));
  const t2 = firstIndex(w.events, terminatingEvent('web-2'));
  assert.ok(t4 >= 0 && d4 >= t4 && t3 > d4 && d3 >= t3 && t2 > d3, `order of deletions: web-4 ${t4}/${d4}, web-3 ${t3}/${d3}, web-2 ${t2}`);
  const deletes = (await c.eventsOf(set, 'SuccessfulDelete')).map((e) => e.message).sort();
  assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-3 in StatefulSet web successful', 'delete Pod web-4 in StatefulSet web successful']);
  const claims = (await c.claims.list(NS)).items.map((p) => p.metadata.name).filter((n) => n!.startsWith('www-web-')).sort();
  assert.deepEqual(claims, ['www-web-0', 'www-web-1', 'www-web-2', 'www-web-3', 'www-web-4'], 'Retain keeps the claims of removed pods');

  const old0 = await c.pods.get(NS, 'web-0');
  const claim0 = await c.claims.get(NS, 'www-web-0');
  await c.pods.delete(NS, 'web-0');
  const back = await eventually('web-0 recreated', async () => {
    const p = await getOrUndefined(c.pods, NS, 'web-0');
    return p && p.metadata.uid !== old0.metadata.uid && isReady(p) && p;
  });
  assert.equal(back.spec.volumes.find((v: JsonObject) => v.name === 'www').persistentVolumeClaim.claimName, 'www-web-0');
  assert.equal((await c.claims.get(NS, 'www-web-0')).metadata.uid, claim0.metadata.uid, 'the same claim');
  assert.equal(back.spec.hostname, 'web-0');
});

test('StatefulSet: OrderedReady never proceeds past an unhealthy pod; Parallel creates all at once', async () => {
  await sets.create(NS, statefulSet('stuck', { annotations: { [SIM_READY]: 'false' } }));
  await eventually('stuck-0 running, not ready', async () => {
    const p = await getOrUndefined(c.pods, NS, 'stuck-0');
    return p?.status?.phase === 'Running' && !isReady(p);
  });
  // Give the controller every chance to (wrongly) create stuck-1: wait for its status to settle on stuck-0.
  await eventually('status shows 1 replica, 0 ready', async () => {
    const s = (await sets.get(NS, 'stuck')).status;
    return s?.replicas === 1 && (s.readyReplicas ?? 0) === 0;
  });
  assert.equal(await getOrUndefined(c.pods, NS, 'stuck-1'), undefined);
  await sets.delete(NS, 'stuck');

  const par = await sets.create(NS, statefulSet('par', { policy: 'Parallel', annotations: { [SIM_READY]: 'false' } }));
  const all = await eventually('3 pods at once', async () => {
    const ps = await c.ownedPods(par);
    return ps.length === 3 && ps;
  });
  assert.deepEqual(names(all), ['par-0', 'par-1', 'par-2']);
  assert.ok(all.every((p) => !isReady(p)), 'created without waiting for readiness');
  await sets.delete(NS, 'par');
});

test('StatefulSet: RollingUpdate with a partition updates only ordinals >= partition, highest first; then all; rollback via revision data', async () => {
  const set = await sets.create(NS, statefulSet('part', { annotations: { [SIM_READY_DELAY]: '0.1' }, strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
  const first = await waitSteady('part', ['part-0', 'part-1', 'part-2']);
  const rev1 = first.set.status.currentRevision;
  const w = c.watchPods('app=part');
  await w.ready;
  await sets.patch(NS, 'part', 'strategic', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } });
  const partial = await eventually('part-1 and part-2 updated', async () => {
    const r = await waitSteady('part', ['part-0', 'part-1', 'part-2']);
    return r.set.status.updatedReplicas === 2 && r;
  });
  const rev2 = partial.set.status.updateRevision;
  assert.notEqual(rev2, rev1);
  assert.equal(partial.set.status.currentRevision, rev1, 'not complete: currentRevision stays');
  assert.equal(partial.set.status.currentReplicas, 1);
  assert.deepEqual(partial.pods.map(imageOf), ['nginx:1.27', 'nginx:1.28', 'nginx:1.28']);
  assert.deepEqual(partial.pods.map(revisionOf), [rev1, rev2, rev2]);
  const t2 = firstIndex(w.events, terminatingEvent('part-2'));
  const r2 = w.events.findIndex((ev, i) => i > t2 && readyEvent('part-2')(ev) && revisionOf(ev.object) === rev2);
  const t1 = firstIndex(w.events, terminatingEvent('part-1'));
  assert.ok(t2 >= 0 && r2 > t2 && t1 > r2, `part-2 replaced and Ready (${t2}, ${r2}) before part-1 goes (${t1})`);
  assert.equal(firstIndex(w.events, terminatingEvent('part-0')), -1, 'part-0 untouched');

  // part-0 deleted below the partition comes back at the current revision.
  await c.pods.delete(NS, 'part-0');
  const again = await eventually('part-0 back at rev1', async () => {
    const p = await getOrUndefined(c.pods, NS, 'part-0');
    return p && !p.metadata.deletionTimestamp && p.metadata.uid !== partial.pods[0].metadata.uid && isReady(p) && p;
  });
  assert.equal(revisionOf(again), rev1);
  assert.equal(imageOf(again), 'nginx:1.27');

  await sets.patch(NS, 'part', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
  const done = await eventually('all updated, rollout complete', async () => {
    const r = await waitSteady('part', ['part-0', 'part-1', 'part-2']);
    return r.set.status.currentRevision === rev2 && r.set.status.updatedReplicas === 3 && r.set.status.currentReplicas === 3 && r;
  });
  assert.deepEqual(done.pods.map(imageOf), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
  w.stop();

  // `kubectl rollout undo`: the revision's data as a strategic merge patch of the StatefulSet.
  const revs = await c.revisionsOf(set);
  assert.deepEqual(revs.map((r) => [r.metadata.name, r.revision]), [[rev1, 1], [rev2, 2]]);
  await sets.patch(NS, 'part', 'strategic', revs[0].data);
  const undone = await eventually('rolled back to rev1 (renumbered 3)', async () => {
    const r = await waitSteady('part', ['part-0', 'part-1', 'part-2']);
    return r.set.status.currentRevision === rev1 && r.set.status.updateRevision === rev1 && r.set.status.currentReplicas === 3 && r;
  });
  assert.deepEqual(undone.pods.map(imageOf), ['nginx:1.27', 'nginx:1.27', 'nginx:1.27']);
  const after = await c.revisionsOf(set);
  assert.deepEqual(after.map((r) => [r.metadata.name, r.revision]), [[rev2, 2], [rev1, 3]], 'no new revision: the old one renumbered');
});

test('StatefulSet: OnDelete replaces a pod only when it is deleted; ordinals.start numbers pods and claims', async () => {
  await sets.create(NS, statefulSet('od', { replicas: 2, start: 5, claims: ['data'], strategy: { type: 'OnDelete' } }));
  const first = await waitSteady('od', ['od-5', 'od-6']);
  assert.deepEqual(first.pods.map((p) => p.metadata.labels?.['apps.kubernetes.io/pod-index']), ['5', '6']);
  assert.deepEqual(first.pods.map((p) => p.spec.volumes[0].persistentVolumeClaim.claimName), ['data-od-5', 'data-od-6']);
  await sets.patch(NS, 'od', 'strategic', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } });
  const observed = await eventually('new revision observed', async () => {
    const s = await sets.get(NS, 'od');
    return s.status.observedGeneration === 2 && s.status.updateRevision !== s.status.currentRevision && s;
  });
  assert.equal(observed.status.updatedReplicas ?? 0, 0);
  assert.deepEqual((await c.ownedPods(observed)).map((p) => p.metadata.uid), first.pods.map((p) => p.metadata.uid), 'nothing replaced');
  await c.pods.delete(NS, 'od-6');
  const mixed = await eventually('od-6 at the new revision', async () => {
    const r = await waitSteady('od', ['od-5', 'od-6']);
    return r.set.status.updatedReplicas === 1 && r;
  });
  assert.deepEqual(mixed.pods.map(imageOf), ['nginx:1.27', 'nginx:1.28']);
  await sets.delete(NS, 'od');
});

test('StatefulSet: claims outlive the set (Retain) and are reused when it comes back', async () => {
  const set = await sets.create(NS, statefulSet('keep', { replicas: 2, claims: ['www'] }));
  await waitSteady('keep', ['keep-0', 'keep-1']);
  const uids = [(await c.claims.get(NS, 'www-keep-0')).metadata.uid, (await c.claims.get(NS, 'www-keep-1')).metadata.uid];
  await sets.delete(NS, 'keep');
  await eventually('pods garbage-collected', async () => (await c.ownedPods(set, false)).length === 0);
  assert.deepEqual([(await c.claims.get(NS, 'www-keep-0')).metadata.uid, (await c.claims.get(NS, 'www-keep-1')).metadata.uid], uids);

  const again = await sets.create(NS, statefulSet('keep', { replicas: 2, claims: ['www'] }));
  const r = await waitSteady('keep', ['keep-0', 'keep-1']);
  assert.deepEqual(r.pods.map((p) => p.spec.volumes[0].persistentVolumeClaim.claimName), ['www-keep-0', 'www-keep-1']);
  assert.deepEqual([(await c.claims.get(NS, 'www-keep-0')).metadata.uid, (await c.claims.get(NS, 'www-keep-1')).metadata.uid], uids, 'the same claims');
  const claimEvents = (await c.eventsOf(again, 'SuccessfulCreate')).filter((e) => e.message.startsWith('create Claim'));
  assert.equal(claimEvents.length, 0, 'no claim created the second time');
});

test('StatefulSet: retention policy Delete: claims owned by the set, by the pod when scaled away, removed by the garbage collector', async () => {
  const set = await sets.create(NS, statefulSet('db', { replicas: 3, claims: ['data'], retention: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
  await waitSteady('db', ['db-0', 'db-1', 'db-2']);
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true };
  await eventually('claims owned by the set', async () => {
    for (let i = 0; i < 3; i++) {
      const pvc = await c.claims.get(NS, `data-db-${i}`);
      if (JSON.stringify(pvc.metadata.ownerReferences) !== JSON.stringify([setRef])) return false;
    }
    return true;
  });

  await sets.patch(NS, 'db', 'merge', { spec: { replicas: 1 } }, { subresource: 'scale' });
  await waitSteady('db', ['db-0']);
  await eventually('claims of db-1 and db-2 collected', async () => (await getOrUndefined(c.claims, NS, 'data-db-1')) === undefined && (await getOrUndefined(c.claims, NS, 'data-db-2')) === undefined);
  assert.ok(await getOrUndefined(c.claims, NS, 'data-db-0'), 'the claim of the remaining pod stays');

  await sets.patch(NS, 'db', 'merge', { spec: { replicas: 2 } }, { subresource: 'scale' });
  await waitSteady('db', ['db-0', 'db-1']);
  const fresh = await c.claims.get(NS, 'data-db-1');
  assert.deepEqual(fresh.metadata.ownerReferences, [setRef]);

  await sets.delete(NS, 'db');
  await eventually('all claims collected with the set', async () => (await c.claims.list(NS)).items.every((p) => !p.metadata.name!.startsWith('data-db-')));
});
