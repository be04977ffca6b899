// The scheduler's VolumeBinding plugin with the real PV controller, the local-path provisioner and
// sim node agents: WaitForFirstConsumer claims are bound to a volume on the pod's node before the
// pod is bound, static volumes are pre-bound (never twice), pods wait on missing or immediate
// claims with upstream's FailedScheduling messages and are retried when claims/volumes change,
// and a binding that never completes times out in PreBind.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { persistentVolumeControllerFactory } from '../../src/controllers/persistent-volume/index.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { eventually, getOrUndefined, InProcessCluster } from './in-process-cluster.js';

const NS = 'default';
const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-vb-'));
let cluster: InProcessCluster;
let scheduler: Scheduler;
let pods: ResourceClient;
let pvcs: ResourceClient;
let pvs: ResourceClient;
let classes: ResourceClient;
let events: ResourceClient;

before(async () => {
  cluster = await InProcessCluster.start();
  pods = cluster.resource(R.pods);
  pvcs = cluster.resource(R.persistentvolumeclaims);
  pvs = cluster.resource(R.persistentvolumes);
  classes = cluster.resource(R.storageclasses);
  events = cluster.resource(R.events);
  await cluster.addNodes(['node-1', 'node-2', 'node-3'], { ownClient: true });
  await cluster.startControllers([persistentVolumeControllerFactory({ dataDir }), garbageCollectorFactory]);
  await eventually('local-path class', () => getOrUndefined(classes, undefined, 'local-path'));
  // A short PreBind timeout so the "never provisioned" case fails within the test.
  scheduler = new Scheduler({ client: cluster.client, onError: () => {}, bindTimeoutMs: 4000 });
  cluster.scheduler = scheduler;
  await scheduler.start();
});

after(async () => {
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function claim(name: string, o: { cls?: string; size?: string } = {}): KObject {
  const spec: JsonObject = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } } };
  if (o.cls !== undefined) spec.storageClassName = o.cls;
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS }, spec };
}

function pod(name: string, claims: string[]): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'busybox' }],
      volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
    },
  };
}

function localPV(name: string, node: string, cls: string, size = '1Gi'): KObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      storageClassName: cls,
      persistentVolumeReclaimPolicy: 'Retain',
      hostPath: { path: join(dataDir, 'manual', name) },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
}

const podCondition = (p: KObject | undefined, type: string) => (p?.status?.conditions ?? []).find((c: KObject) => c.type === type);
const isReady = (p: KObject | undefined) => podCondition(p, 'Ready')?.status === 'True';

async function eventsFor(obj: KObject): Promise<KObject[]> {
  return (await events.list(NS, { fieldSelector: `involvedObject.uid=${obj.metadata.uid}` })).items;
}

async function failedScheduling(name: string, match: RegExp | string): Promise<KObject> {
  const p = await pods.get(NS, name);
  return eventually(`FailedScheduling of ${name} ~ ${match}`, async () => {
    const ev = (await eventsFor(p)).find((e) => e.reason === 'FailedScheduling' && (typeof match === 'string' ? e.message === match : match.test(e.message)));
    return ev;
  });
}

const running = (name: string) =>
  eventually(`${name} Running and Ready`, async () => {
    const p = await getOrUndefined(pods, NS, name);
    return p?.spec.nodeName && p.status?.phase === 'Running' && isReady(p) ? p : undefined;
  });

async function removePods(...names: string[]): Promise<void> {
  for (const n of names) await pods.delete(NS, n, { gracePeriodSeconds: 0 }).catch(() => undefined);
  for (const n of names) await eventually(`${n} gone`, async () => (await getOrUndefined(pods, NS, n)) === undefined);
}

test('local-path (WaitForFirstConsumer): the claim waits for a pod, then gets a volume on the pod\'s node; a second pod follows it there', async () => {
  const created = await pvcs.create(NS, claim('data'));
  assert.equal(created.spec.storageClassName, 'local-path');
  const waiting = await eventually('WaitForFirstConsumer', async () => (await eventsFor(created)).find((e) => e.reason === 'WaitForFirstConsumer'));
  assert.equal(waiting.message, 'waiting for first consumer to be created before binding');
  assert.equal((await pvcs.get(NS, 'data')).status.phase, 'Pending');

  await pods.create(NS, pod('first', ['data']));
  const p = await running('first');
  const node = p.spec.nodeName;
  const bound = await pvcs.get(NS, 'data');
  assert.equal(bound.status.phase, 'Bound');
  assert.equal(bound.metadata.annotations?.['volume.kubernetes.io/selected-node'], node);
  const pv = await pvs.get(undefined, bound.spec.volumeName);
  assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }]);
  // The Scheduled event comes after the claim was bound.
  const scheduled = (await eventsFor(p)).find((e) => e.reason === 'Scheduled');
  assert.equal(scheduled?.message, `Successfully assigned default/first to ${node}`);

  for (const n of ['second', 'third']) await pods.create(NS, pod(n, ['data']));
  for (const n of ['second', 'third']) assert.equal((await running(n)).spec.nodeName, node);
  await removePods('first', 'second', 'third');
  await pvcs.delete(NS, 'data');
});

test('static WaitForFirstConsumer volumes: the pod goes where a volume is; a volume is never given twice; a new volume lets the waiting pod in', async () => {
  await classes.create(undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  await pvs.create(undefined, localPV('disk-2', 'node-2', 'local-manual'));
  await pvcs.create(NS, claim('m1', { cls: 'local-manual' }));
  await pvcs.create(NS, claim('m2', { cls: 'local-manual' }));
  await eventually('disk-2 Available', async () => (await pvs.get(undefined, 'disk-2')).status?.phase === 'Available');
  // Both at once: one gets disk-2 on node-2, the other finds no volume.
  await pods.create(NS, pod('m-a', ['m1']));
  await pods.create(NS, pod('m-b', ['m2']));
  const winner = await eventually('one pod placed', async () => {
    const list = await Promise.all(['m-a', 'm-b'].map((n) => pods.get(NS, n)));
    return list.find((x) => x.spec.nodeName);
  });
  assert.equal(winner.spec.nodeName, 'node-2');
  const loser = winner.metadata.name === 'm-a' ? 'm-b' : 'm-a';
  const loserClaim = loser === 'm-a' ? 'm1' : 'm2';
  const winnerClaim = loser === 'm-a' ? 'm2' : 'm1';
  const disk = await pvs.get(undefined, 'disk-2');
  assert.equal(disk.spec.claimRef.name, winnerClaim);
  assert.equal(disk.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal((await pvcs.get(NS, winnerClaim)).status.phase, 'Bound');
  await failedScheduling(loser, "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  assert.equal((await pods.get(NS, loser)).spec.nodeName, undefined);

  // A volume on node-3 appears: the waiting pod is retried and lands there.
  await pvs.create(undefined, localPV('disk-3', 'node-3', 'local-manual'));
  const placed = await running(loser);
  assert.equal(placed.spec.nodeName, 'node-3');
  assert.equal((await pvcs.get(NS, loserClaim)).spec.volumeName, 'disk-3');
  await removePods('m-a', 'm-b');
});

test('a missing claim and an unbound Immediate claim keep the pod Pending with upstream messages; the claim appearing lets it in', async () => {
  await pods.create(NS, pod('needs-claim', ['later']));
  await failedScheduling('needs-claim', '0/3 nodes are available: persistentvolumeclaim "later" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  const pending = await pods.get(NS, 'needs-claim');
  assert.equal(podCondition(pending, 'PodScheduled')?.reason, 'Unschedulable');
  await pvcs.create(NS, claim('later'));
  await running('needs-claim');
  assert.equal((await pvcs.get(NS, 'later')).status.phase, 'Bound');

  await classes.create(undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nowhere' }, provisioner: 'example.com/nowhere', volumeBindingMode: 'Immediate' });
  await pvcs.create(NS, claim('imm', { cls: 'nowhere' }));
  await pods.create(NS, pod('needs-imm', ['imm']));
  await failedScheduling('needs-imm', '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  await removePods('needs-claim', 'needs-imm');
});

test('a claim nobody provisions: PreBind times out, the pod stays unbound and the claim keeps its selected node', async () => {
  await classes.create(undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'external' }, provisioner: 'example.com/external', volumeBindingMode: 'WaitForFirstConsumer' });
  await pvcs.create(NS, claim('ext', { cls: 'external' }));
  await pods.create(NS, pod('stuck', ['ext']));
  const c = await eventually('selected node', async () => (await pvcs.get(NS, 'ext')).metadata.annotations?.['volume.kubernetes.io/selected-node']);
  assert.match(c, /^node-[123]$/);
  const ev = await failedScheduling('stuck', /^running PreBind plugin "VolumeBinding": binding volumes: /);
  assert.equal(ev.message, 'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded');
  assert.equal((await pods.get(NS, 'stuck')).spec.nodeName, undefined);
  assert.equal((await pvcs.get(NS, 'ext')).status.phase, 'Pending');
  await removePods('stuck');
});
