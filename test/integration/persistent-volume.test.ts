// The PersistentVolume controller and the local-path provisioner against an in-process API
// server: claims are created as a user would (kubectl apply), and we check what `kubectl get
// pvc/pv`, `kubectl describe` and the data dir show. No scheduler or kubelet runs; pods that use a
// claim are placed by setting spec.nodeName directly (the built-in local-path class waits for the
// first consumer, so its claims bind once such a pod exists).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { admitDefaultStorageClass, persistentVolumeControllerFactory } from '../../src/controllers/persistent-volume/index.js';
import type { ControllerManager } from '../../src/controllers/runtime/manager.js';
import { eventually as poll, getOrUndefined as getOr404, InProcessCluster } from './in-process-cluster.js';

let cluster: InProcessCluster;
let client: RestClient;
let manager: ControllerManager;
let dataDir: string;
let pvcs: ResourceClient;
let pvs: ResourceClient;
let classes: ResourceClient;
let pods: ResourceClient;
let events: ResourceClient;
let nodes: ResourceClient;
const NS = 'default';

async function startManager(): Promise<void> {
  manager = await cluster.startControllers([garbageCollectorFactory, persistentVolumeControllerFactory({ dataDir })]);
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'k8ts-pv-'));
  cluster = await InProcessCluster.start();
  client = cluster.client;
  pvcs = cluster.resource(R.persistentvolumeclaims);
  pvs = cluster.resource(R.persistentvolumes);
  classes = cluster.resource(R.storageclasses);
  pods = cluster.resource(R.pods);
  events = cluster.resource(R.events);
  nodes = cluster.resource(R.nodes);
  // A plain API server has no StorageClass: the controller brings the built-in one.
  assert.equal((await classes.list()).items.length, 0);
  await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-x', labels: { 'kubernetes.io/hostname': 'node-x' } } });
  await startManager();
});

/** A pod on node-x using `claim` (what the scheduler would do for a WaitForFirstConsumer claim). */
async function consume(claim: string, pod = `use-${claim}`): Promise<void> {
  await pods.create(NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod, namespace: NS },
    spec: { nodeName: 'node-x', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] },
  });
}

const unconsume = (claim: string, pod = `use-${claim}`) => pods.delete(NS, pod, { gracePeriodSeconds: 0 });

after(async () => {
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  return poll(what, check, ms, 20);
}

const getOrUndefined = (rc: ResourceClient, name: string, ns?: string): Promise<KObject | undefined> => getOr404(rc, ns, name);

const exists = (p: string) => stat(p).then(() => true, () => false);

function claimManifest(name: string, size: string, o: { cls?: string | null; modes?: string[]; volumeName?: string } = {}): KObject {
  const spec: JsonObject = { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: size } } };
  if (o.cls !== undefined && o.cls !== null) spec.storageClassName = o.cls;
  if (o.volumeName) spec.volumeName = o.volumeName;
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS }, spec };
}

function volumeManifest(name: string, size: string, o: { cls?: string; modes?: string[]; claimRef?: JsonObject; reclaim?: string } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      hostPath: { path: join(dataDir, 'manual', name) },
      ...(o.cls !== undefined ? { storageClassName: o.cls } : {}),
      ...(o.claimRef ? { claimRef: o.claimRef } : {}),
      ...(o.reclaim ? { persistentVolumeReclaimPolicy: o.reclaim } : {}),
    },
  };
}

const phaseIs = (rc: ResourceClient, name: string, phase: string, ns?: string) => async () => {
  const o = await getOrUndefined(rc, name, ns);
  return o?.status?.phase === phase ? o : undefined;
};

async function eventsFor(obj: KObject, ns = NS): Promise<KObject[]> {
  return (await events.list(ns, { fieldSelector: `involvedObject.uid=${obj.metadata.uid}` })).items;
}

const hasEvent = (obj: KObject, reason: string, ns = NS) => async () => (await eventsFor(obj, ns)).find((e) => e.reason === reason);

/** The server's table rows, as `kubectl get` prints them: column name -> cell. */
async function tableRow(rc: ResourceClient, name: string, ns?: string): Promise<Record<string, unknown>> {
  const table = await client.request<KObject>('GET', rc.path(ns, name), { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const cols = (table.columnDefinitions as { name: string }[]).map((c) => c.name);
  return Object.fromEntries(cols.map((c, i) => [c, table.rows[0].cells[i]]));
}

test('the controller creates the default StorageClass local-path (rancher.io/local-path, Delete, WaitForFirstConsumer)', async () => {
  const sc = await eventually('local-path class', () => getOrUndefined(classes, 'local-path'));
  assert.equal(sc.provisioner, 'rancher.io/local-path');
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
  assert.equal(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
});

test('a claim without class gets local-path, a provisioned volume in the data dir, and is Bound', async () => {
  // DefaultStorageClass admission, as the API server applies it on create.
  const manifest = claimManifest('data', '2Gi');
  assert.equal(admitDefaultStorageClass(manifest, (await classes.list()).items), true);
  const created = await pvcs.create(NS, manifest);
  assert.equal(created.status.phase, 'Pending');
  assert.equal(created.spec.storageClassName, 'local-path');
  // No consumer yet: Pending, as `kubectl get pvc` / `kubectl describe pvc` show it.
  const waiting = await eventually('WaitForFirstConsumer', hasEvent(created, 'WaitForFirstConsumer'));
  assert.equal(waiting.message, 'waiting for first consumer to be created before binding');
  assert.equal((await tableRow(pvcs, 'data', NS)).Status, 'Pending');
  await consume('data');

  const claim = await eventually('claim Bound', phaseIs(pvcs, 'data', 'Bound', NS));
  assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/selected-node'], 'node-x');
  const pvName = `pvc-${claim.metadata.uid}`;
  assert.equal(claim.spec.volumeName, pvName);
  assert.deepEqual(claim.status.accessModes, ['ReadWriteOnce']);
  assert.deepEqual(claim.status.capacity, { storage: '2Gi' });
  assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
  assert.equal(claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
  assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);

  const pv = await eventually('PV Bound', phaseIs(pvs, pvName, 'Bound'));
  const dir = join(dataDir, 'volumes', `default_data_${pvName}`);
  assert.deepEqual(pv.spec.hostPath, { path: dir, type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec.capacity, { storage: '2Gi' });
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(pv.spec.storageClassName, 'local-path');
  assert.deepEqual(
    { kind: pv.spec.claimRef.kind, apiVersion: pv.spec.claimRef.apiVersion, namespace: pv.spec.claimRef.namespace, name: pv.spec.claimRef.name, uid: pv.spec.claimRef.uid },
    { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: NS, name: 'data', uid: claim.metadata.uid },
  );
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
  assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
  assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-x'] }] }]);
  const st = await stat(dir);
  assert.ok(st.isDirectory());
  assert.equal(st.mode & 0o777, 0o777);

  // What `kubectl get pvc` / `kubectl get pv` print.
  const row = await tableRow(pvcs, 'data', NS);
  assert.deepEqual([row.Status, row.Volume, row.Capacity, row['Access Modes'], row.StorageClass], ['Bound', pvName, '2Gi', 'RWO', 'local-path']);
  const pvRow = await tableRow(pvs, pvName);
  assert.deepEqual([pvRow.Capacity, pvRow['Access Modes'], pvRow['Reclaim Policy'], pvRow.Status, pvRow.Claim, pvRow.StorageClass], ['2Gi', 'RWO', 'Delete', 'Bound', 'default/data', 'local-path']);

  // What `kubectl describe pvc` lists under Events.
  const ev = await eventually('ProvisioningSucceeded', hasEvent(claim, 'ProvisioningSucceeded'));
  assert.equal(ev.message, `Successfully provisioned volume ${pvName}`);
  const all = await eventsFor(claim);
  const ext = all.find((e) => e.reason === 'ExternalProvisioning');
  assert.match(ext?.message ?? '', /^Waiting for a volume to be created either by the external provisioner 'rancher.io\/local-path' or manually by the system administrator\./);
  assert.equal(ext?.source?.component, 'persistentvolume-controller');
  assert.equal(all.find((e) => e.reason === 'Provisioning')?.message, 'External provisioner is provisioning volume for claim "default/data"');

  // Deleting the claim (reclaim policy Delete) deletes the PV and its directory.
  await writeFile(join(dir, 'file.txt'), 'hello');
  await unconsume('data');
  await pvcs.delete(NS, 'data');
  await eventually('claim gone', async () => (await getOrUndefined(pvcs, 'data', NS)) === undefined);
  await eventually('PV gone', async () => (await getOrUndefined(pvs, pvName)) === undefined);
  assert.equal(await exists(dir), false);
});

test('a claim created with no class at all still gets the default class (retroactive assignment)', async () => {
  await pvcs.create(NS, claimManifest('raw', '1Gi'));
  await consume('raw');
  const claim = await eventually('claim Bound', phaseIs(pvcs, 'raw', 'Bound', NS));
  assert.equal(claim.spec.storageClassName, 'local-path');
  assert.ok(await exists(join(dataDir, 'volumes', `default_raw_pvc-${claim.metadata.uid}`)));
  await unconsume('raw');
  await pvcs.delete(NS, 'raw');
  await eventually('PV gone', async () => (await getOrUndefined(pvs, `pvc-${claim.metadata.uid}`)) === undefined);
});

test('with a Retain class, deleting the claim leaves the PV Released and the data in place', async () => {
  await classes.create(undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-retain' }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Retain' });
  await pvcs.create(NS, claimManifest('keep', '1Gi', { cls: 'local-retain' }));
  const claim = await eventually('claim Bound', phaseIs(pvcs, 'keep', 'Bound', NS));
  const pvName = claim.spec.volumeName;
  const pv = await pvs.get(undefined, pvName);
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  const file = join(pv.spec.hostPath.path, 'db.txt');
  await writeFile(file, 'precious');

  await pvcs.delete(NS, 'keep');
  const released = await eventually('PV Released', phaseIs(pvs, pvName, 'Released'));
  assert.equal(released.spec.claimRef.name, 'keep');
  assert.equal((await tableRow(pvs, pvName)).Status, 'Released');
  assert.equal(await readFile(file, 'utf8'), 'precious');
  // A new claim of the same name is a different claim: it does not get the released volume.
  await pvcs.create(NS, claimManifest('keep', '1Gi', { cls: 'local-retain' }));
  const again = await eventually('new claim Bound', phaseIs(pvcs, 'keep', 'Bound', NS));
  assert.notEqual(again.spec.volumeName, pvName);
  assert.equal((await pvs.get(undefined, pvName)).status.phase, 'Released');
  await pvcs.delete(NS, 'keep');
});

test('a manual PV binds to a matching claim, also one created after the claim', async () => {
  await pvcs.create(NS, claimManifest('manual-claim', '2Gi', { cls: 'manual' }));
  // No StorageClass "manual": nothing can provision it, the claim waits.
  const claim = await pvcs.get(NS, 'manual-claim');
  const failed = await eventually('ProvisioningFailed', hasEvent(claim, 'ProvisioningFailed'));
  assert.equal(failed.message, 'storageclass.storage.k8s.io "manual" not found');
  assert.equal(failed.type, 'Warning');
  assert.equal((await pvcs.get(NS, 'manual-claim')).status.phase, 'Pending');

  await pvs.create(undefined, volumeManifest('pv-small', '1Gi', { cls: 'manual' }));
  await pvs.create(undefined, volumeManifest('pv-other-class', '2Gi', { cls: 'gold' }));
  await pvs.create(undefined, volumeManifest('pv-fit', '3Gi', { cls: 'manual' }));
  const bound = await eventually('claim Bound', phaseIs(pvcs, 'manual-claim', 'Bound', NS));
  assert.equal(bound.spec.volumeName, 'pv-fit');
  assert.deepEqual(bound.status.capacity, { storage: '3Gi' });
  const pv = await eventually('PV Bound', phaseIs(pvs, 'pv-fit', 'Bound'));
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(pv.spec.claimRef.uid, bound.metadata.uid);
  // Manual volumes get the protection finalizer too (and default to Retain).
  assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
  for (const n of ['pv-small', 'pv-other-class']) await eventually(`${n} Available`, phaseIs(pvs, n, 'Available'));

  // With several Available volumes, the smallest that fits wins.
  await pvs.create(undefined, volumeManifest('pv-big', '10Gi', { cls: 'manual' }));
  await pvs.create(undefined, volumeManifest('pv-mid', '4Gi', { cls: 'manual' }));
  for (const n of ['pv-big', 'pv-mid']) await eventually(`${n} Available`, phaseIs(pvs, n, 'Available'));
  await pvcs.create(NS, claimManifest('manual-2', '2Gi', { cls: 'manual' }));
  const second = await eventually('second claim Bound', phaseIs(pvcs, 'manual-2', 'Bound', NS));
  assert.equal(second.spec.volumeName, 'pv-mid');

  await pvcs.delete(NS, 'manual-claim');
  const released = await eventually('pv-fit Released', phaseIs(pvs, 'pv-fit', 'Released'));
  assert.equal(released.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal((await tableRow(pvs, 'pv-fit')).Claim, 'default/manual-claim');
});

test('a too-small PV does not bind; a claim with class "" reports FailedBinding until a volume fits', async () => {
  await pvs.create(undefined, volumeManifest('pv-tiny', '1Gi', { cls: '' }));
  await eventually('pv-tiny Available', phaseIs(pvs, 'pv-tiny', 'Available'));
  await pvcs.create(NS, claimManifest('wants-5', '5Gi', { cls: '' }));
  const claim = await pvcs.get(NS, 'wants-5');
  const ev = await eventually('FailedBinding', hasEvent(claim, 'FailedBinding'));
  assert.equal(ev.message, 'no persistent volumes available for this claim and no storage class is set');
  assert.equal(ev.type, 'Normal');
  assert.equal((await pvcs.get(NS, 'wants-5')).status.phase, 'Pending');
  assert.equal((await pvs.get(undefined, 'pv-tiny')).status.phase, 'Available');
  const row = await tableRow(pvcs, 'wants-5', NS);
  assert.deepEqual([row.Status, row.Volume, row.Capacity, row['Access Modes'], row.StorageClass], ['Pending', '', '', '', '']);

  await pvs.create(undefined, volumeManifest('pv-large', '8Gi', { cls: '' }));
  const bound = await eventually('claim Bound', phaseIs(pvcs, 'wants-5', 'Bound', NS));
  assert.equal(bound.spec.volumeName, 'pv-large');
  assert.equal((await pvs.get(undefined, 'pv-tiny')).status.phase, 'Available');
});

test('a manual hostPath PV with reclaim policy Delete outside /tmp is not deleted: Failed, VolumeFailedDelete', async () => {
  const manifest = volumeManifest('pv-etc', '1Gi', { cls: 'manual-del', reclaim: 'Delete' });
  manifest.spec.hostPath = { path: '/var/k8ts-not-ours' };
  await pvs.create(undefined, manifest);
  await eventually('pv-etc Available', phaseIs(pvs, 'pv-etc', 'Available'));
  await pvcs.create(NS, claimManifest('etc-claim', '1Gi', { cls: 'manual-del' }));
  await eventually('claim Bound', phaseIs(pvcs, 'etc-claim', 'Bound', NS));
  await pvcs.delete(NS, 'etc-claim');
  const failed = await eventually('pv-etc Failed', phaseIs(pvs, 'pv-etc', 'Failed'));
  assert.equal(failed.status.message, 'host_path deleter only supports /tmp/.+ but received provided /var/k8ts-not-ours');
  const ev = await eventually('VolumeFailedDelete', hasEvent(failed, 'VolumeFailedDelete'));
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.involvedObject.kind, 'PersistentVolume');
});

test('pre-bound volumes and claims are honoured', async () => {
  // A PV reserved for a claim name goes to that claim, although a smaller one fits better.
  await pvs.create(undefined, volumeManifest('pv-reserved', '9Gi', { cls: 'manual', claimRef: { namespace: NS, name: 'reserved-claim' } }));
  await pvs.create(undefined, volumeManifest('pv-decoy', '1Gi', { cls: 'manual' }));
  await eventually('pv-decoy Available', phaseIs(pvs, 'pv-decoy', 'Available'));
  await pvcs.create(NS, claimManifest('reserved-claim', '1Gi', { cls: 'manual' }));
  const a = await eventually('reserved claim Bound', phaseIs(pvcs, 'reserved-claim', 'Bound', NS));
  assert.equal(a.spec.volumeName, 'pv-reserved');
  const pvA = await pvs.get(undefined, 'pv-reserved');
  assert.equal(pvA.spec.claimRef.uid, a.metadata.uid);
  assert.equal(pvA.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user bound it');

  // A claim naming its volume gets exactly that one, and no bound-by-controller annotation.
  await pvcs.create(NS, claimManifest('named', '1Gi', { cls: 'manual', volumeName: 'pv-decoy' }));
  const b = await eventually('named claim Bound', phaseIs(pvcs, 'named', 'Bound', NS));
  assert.equal(b.spec.volumeName, 'pv-decoy');
  assert.equal(b.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
  assert.equal(b.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');

  // A claim naming a volume that does not fit: VolumeMismatch, Pending.
  await pvs.create(undefined, volumeManifest('pv-wrong-size', '1Gi', { cls: 'manual' }));
  await eventually('pv-wrong-size Available', phaseIs(pvs, 'pv-wrong-size', 'Available'));
  const c = await pvcs.create(NS, claimManifest('too-big', '4Gi', { cls: 'manual', volumeName: 'pv-wrong-size' }));
  const ev = await eventually('VolumeMismatch', hasEvent(c, 'VolumeMismatch'));
  assert.equal(ev.message, 'Cannot bind to requested volume "pv-wrong-size": requested PV is too small');
  assert.equal((await pvcs.get(NS, 'too-big')).status.phase, 'Pending');
});

test('a claim used by a scheduled pod stays (Terminating) until the pod is gone', async () => {
  await pvcs.create(NS, claimManifest('in-use', '1Gi'));
  await consume('in-use', 'user');
  const claim = await eventually('claim Bound', phaseIs(pvcs, 'in-use', 'Bound', NS));
  await pvcs.delete(NS, 'in-use');
  const terminating = await eventually('claim Terminating', async () => {
    const c = await getOrUndefined(pvcs, 'in-use', NS);
    return c?.metadata.deletionTimestamp ? c : undefined;
  });
  assert.equal((await tableRow(pvcs, 'in-use', NS)).Status, 'Terminating');
  // Let the controller process later work, then check the claim is still held.
  await pvcs.create(NS, claimManifest('later', '1Gi'));
  await consume('later');
  await eventually('later Bound', phaseIs(pvcs, 'later', 'Bound', NS));
  assert.deepEqual((await pvcs.get(NS, 'in-use')).metadata.finalizers, ['kubernetes.io/pvc-protection']);
  assert.equal((await pvs.get(undefined, terminating.spec.volumeName)).status.phase, 'Bound');

  await pods.delete(NS, 'user', { gracePeriodSeconds: 0 });
  await eventually('claim gone', async () => (await getOrUndefined(pvcs, 'in-use', NS)) === undefined);
  await eventually('its PV gone', async () => (await getOrUndefined(pvs, `pvc-${claim.metadata.uid}`)) === undefined);
  await unconsume('later');
  await pvcs.delete(NS, 'later');
});

test('WaitForFirstConsumer: Pending until a pod using it is on a node, then a volume pinned to that node', async () => {
  await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } } });
  await classes.create(undefined, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local-wffc' },
    provisioner: 'rancher.io/local-path',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  const claim = await pvcs.create(NS, claimManifest('wffc', '1Gi', { cls: 'local-wffc' }));
  const ev = await eventually('WaitForFirstConsumer', hasEvent(claim, 'WaitForFirstConsumer'));
  assert.equal(ev.message, 'waiting for first consumer to be created before binding');
  const podSpec = (nodeName?: string) => ({ ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'wffc' } }] });
  await pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'consumer', namespace: NS }, spec: podSpec() });
  const waiting = await eventually('WaitForPodScheduled', hasEvent(claim, 'WaitForPodScheduled'));
  assert.equal(waiting.message, 'waiting for pod consumer to be scheduled');
  assert.equal((await pvcs.get(NS, 'wffc')).status.phase, 'Pending');

  // "Schedule" it: the binding (what the scheduler does upstream) follows.
  await pods.delete(NS, 'consumer', { gracePeriodSeconds: 0 });
  await pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'consumer2', namespace: NS }, spec: podSpec('node-a') });
  const bound = await eventually('claim Bound', phaseIs(pvcs, 'wffc', 'Bound', NS));
  assert.equal(bound.metadata.annotations?.['volume.kubernetes.io/selected-node'], 'node-a');
  const pv = await pvs.get(undefined, bound.spec.volumeName);
  assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }]);
  await pods.delete(NS, 'consumer2', { gracePeriodSeconds: 0 });
  await pvcs.delete(NS, 'wffc');
});

test('after a controller restart the same claim keeps the same volume and directory', async () => {
  await pvcs.create(NS, claimManifest('stable', '1Gi'));
  await consume('stable');
  const claim = await eventually('claim Bound', phaseIs(pvcs, 'stable', 'Bound', NS));
  const pv = await pvs.get(undefined, claim.spec.volumeName);
  await writeFile(join(pv.spec.hostPath.path, 'state'), 'v1');

  manager.stop();
  await startManager();
  // The restarted controller resyncs everything; a new claim shows it is working.
  await pvcs.create(NS, claimManifest('after-restart', '1Gi'));
  await consume('after-restart');
  await eventually('new claim Bound', phaseIs(pvcs, 'after-restart', 'Bound', NS));
  const again = await pvcs.get(NS, 'stable');
  assert.equal(again.spec.volumeName, pv.metadata.name);
  assert.equal(again.metadata.resourceVersion, claim.metadata.resourceVersion, 'nothing rewritten');
  assert.deepEqual(
    (await pvs.list()).items.filter((v) => v.spec.claimRef?.name === 'stable').map((v) => v.metadata.name),
    [pv.metadata.name],
  );
  assert.equal(await readFile(join(pv.spec.hostPath.path, 'state'), 'utf8'), 'v1');
});
