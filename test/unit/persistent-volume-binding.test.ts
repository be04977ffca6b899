// The object edits of a bind, the default StorageClass decision (admission and retroactive), and
// the protection-finalizer rules, on plain objects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { bindClaimToVolume, bindVolumeToClaim, claimRefFor, claimStatusEdit, unbindVolumeEdit, volumePhaseEdit } from '../../src/controllers/persistent-volume/binding.js';
import {
  admitDefaultStorageClass,
  defaultStorageClass,
  defaultStorageClassName,
  localPathStorageClass,
} from '../../src/controllers/persistent-volume/default-storage-class.js';
import { admitProtectionFinalizer, claimNamesOfPod, podUsesClaim, withFinalizer } from '../../src/controllers/persistent-volume/protection.js';

const claim = (o: Partial<KObject['metadata']> = {}, spec: JsonObject = {}): KObject => ({
  metadata: { name: 'data', namespace: 'default', uid: 'c-uid', resourceVersion: '42', ...o },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  status: { phase: 'Pending' },
});
const volume = (spec: JsonObject = {}, annotations?: Record<string, string>): KObject => ({
  metadata: { name: 'pv1', annotations },
  spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], hostPath: { path: '/tmp/x' }, ...spec },
  status: { phase: 'Available' },
});

test('binding a volume the controller chose: full claimRef and bound-by-controller', () => {
  const v = volume();
  const c = claim();
  const e = bindVolumeToClaim(v, c);
  assert.equal(e.dirty, true);
  assert.deepEqual(e.obj.spec.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'c-uid', apiVersion: 'v1', resourceVersion: '42' });
  assert.deepEqual(Object.keys(e.obj.spec.claimRef), ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion']);
  assert.equal(e.obj.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(v.spec.claimRef, undefined, 'input untouched');
  // Doing it again changes nothing.
  assert.equal(bindVolumeToClaim(e.obj, c).dirty, false);
});

test('binding a volume the user pre-bound: the uid is filled in, no bound-by-controller', () => {
  const v = volume({ claimRef: { namespace: 'default', name: 'data' } });
  const e = bindVolumeToClaim(v, claim());
  assert.equal(e.dirty, true);
  assert.equal(e.obj.spec.claimRef.uid, 'c-uid');
  assert.equal(e.obj.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
});

test('binding the claim: volumeName, bind-completed, and bound-by-controller only when the controller chose', () => {
  const e = bindClaimToVolume(claim(), volume());
  assert.equal(e.obj.spec.volumeName, 'pv1');
  assert.deepEqual(e.obj.metadata.annotations, { 'pv.kubernetes.io/bound-by-controller': 'yes', 'pv.kubernetes.io/bind-completed': 'yes' });
  const userChosen = bindClaimToVolume(claim({}, { volumeName: 'pv1' }), volume());
  assert.deepEqual(userChosen.obj.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes' });
  assert.equal(bindClaimToVolume(e.obj, volume()).dirty, false);
});

test('claim status: Bound copies the volume access modes and capacity; Pending clears them', () => {
  const bound = claimStatusEdit(claim(), 'Bound', volume());
  assert.equal(bound.dirty, true);
  assert.deepEqual(bound.obj.status, { phase: 'Bound', accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], capacity: { storage: '2Gi' } });
  assert.equal(claimStatusEdit(bound.obj, 'Bound', volume()).dirty, false);
  // Already Bound: a different capacity is not clobbered (may be a resize in progress).
  const resized = { ...bound.obj, status: { ...bound.obj.status, capacity: { storage: '3Gi' } } };
  assert.equal(claimStatusEdit(resized, 'Bound', volume()).dirty, false);
  // Equal quantities in another spelling are equal.
  const spelled = { ...claim(), status: { phase: 'Pending', capacity: { storage: '2048Mi' } } };
  assert.equal(claimStatusEdit(spelled, 'Bound', volume()).obj.status.capacity.storage, '2048Mi');
  assert.deepEqual(claimStatusEdit(bound.obj, 'Lost').obj.status, { phase: 'Lost' });
  assert.equal(claimStatusEdit(claim(), 'Pending').dirty, false);
});

test('volume phase edits and unbinding', () => {
  assert.equal(volumePhaseEdit(volume(), 'Available').dirty, false);
  assert.deepEqual(volumePhaseEdit(volume(), 'Failed', 'boom').obj.status, { phase: 'Failed', message: 'boom' });
  const controllerBound = volume({ claimRef: claimRefFor(claim()) }, { 'pv.kubernetes.io/bound-by-controller': 'yes' });
  const u = unbindVolumeEdit(controllerBound);
  assert.equal(u.spec.claimRef, undefined);
  assert.equal(u.metadata.annotations, undefined);
  const userBound = volume({ claimRef: claimRefFor(claim()) });
  assert.deepEqual(unbindVolumeEdit(userBound).spec.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', apiVersion: 'v1', resourceVersion: '42' });
});

const sc = (name: string, created: string, annotations?: Record<string, string>): KObject => ({ metadata: { name, creationTimestamp: created, annotations }, provisioner: 'x' });

test('default StorageClass: the newest class marked default, ties by name; only "true" counts', () => {
  const a = sc('a', '2026-01-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'true' });
  const b = sc('b', '2026-01-02T00:00:00Z', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' });
  const c = sc('c', '2026-01-03T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'True' });
  const d = sc('aa', '2026-01-02T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'true' });
  assert.equal(defaultStorageClass([a])?.metadata.name, 'a');
  assert.equal(defaultStorageClass([a, b, c])?.metadata.name, 'b');
  assert.equal(defaultStorageClass([a, b, d])?.metadata.name, 'aa');
  assert.equal(defaultStorageClass([c, sc('plain', '2026-01-05T00:00:00Z')]), undefined);
});

test('DefaultStorageClass admission: only claims that say nothing about their class get the default', () => {
  const classes = [localPathStorageClass(), sc('other', '2025-01-01T00:00:00Z')];
  classes[0].metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  assert.equal(defaultStorageClassName(claim(), classes), 'local-path');
  assert.equal(defaultStorageClassName(claim({}, { storageClassName: '' }), classes), undefined, 'explicit "" means no class');
  assert.equal(defaultStorageClassName(claim({}, { storageClassName: 'other' }), classes), undefined);
  assert.equal(defaultStorageClassName(claim({ annotations: { 'volume.beta.kubernetes.io/storage-class': 'other' } }), classes), undefined);
  assert.equal(defaultStorageClassName(claim(), [sc('other', '2025-01-01T00:00:00Z')]), undefined, 'no default class');
  const c = claim();
  assert.equal(admitDefaultStorageClass(c, classes), true);
  assert.equal(c.spec.storageClassName, 'local-path');
  assert.equal(admitDefaultStorageClass(c, classes), false);
});

test('the built-in class is local-path, rancher.io/local-path, Delete, WaitForFirstConsumer, default unless told', () => {
  const s = localPathStorageClass();
  assert.equal(s.metadata.name, 'local-path');
  assert.equal(s.provisioner, 'rancher.io/local-path');
  assert.equal(s.reclaimPolicy, 'Delete');
  assert.equal(s.volumeBindingMode, 'WaitForFirstConsumer');
  assert.equal(s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(localPathStorageClass(false).metadata.annotations, undefined);
});

const pod = (o: { nodeName?: string; phase?: string; volumes?: JsonObject[]; deleting?: boolean; grace?: number; ns?: string } = {}): KObject => ({
  metadata: {
    name: 'web-0',
    namespace: o.ns ?? 'default',
    uid: 'pod-uid',
    ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: o.grace ?? 30 } : {}),
  },
  spec: { nodeName: o.nodeName, volumes: o.volumes ?? [{ name: 'www', persistentVolumeClaim: { claimName: 'data' } }] },
  status: { phase: o.phase ?? 'Running' },
});

test('pvc-protection: only scheduled pods in the namespace hold a claim, whatever their phase', () => {
  const c = claim();
  assert.equal(podUsesClaim(pod({ nodeName: 'n1' }), c), true);
  assert.equal(podUsesClaim(pod(), c), false, 'not scheduled');
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', phase: 'Succeeded' }), c), true, 'upstream keeps finished pods as users');
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', ns: 'other' }), c), false);
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', volumes: [{ name: 'x', emptyDir: {} }] }), c), false);
});

test('pvc-protection: an ephemeral claim is held by its own pod until the pod is shut down', () => {
  const eph = { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } };
  const owned = claim({ name: 'web-0-scratch', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'pod-uid', controller: true }] });
  assert.deepEqual(claimNamesOfPod(pod({ volumes: [eph, { name: 'www', persistentVolumeClaim: { claimName: 'data' } }] })), ['web-0-scratch', 'data']);
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', volumes: [eph] }), owned), true);
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', volumes: [eph], deleting: true, grace: 30 }), owned), true, 'still terminating');
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', volumes: [eph], deleting: true, grace: 0 }), owned), false, 'shut down');
  assert.equal(podUsesClaim(pod({ nodeName: 'n1', volumes: [eph] }), claim({ name: 'web-0-scratch' })), false, 'not the pod\'s own claim');
});

test('protection finalizers: admission adds them once; withFinalizer adds and removes', () => {
  const c = claim();
  assert.equal(admitProtectionFinalizer('persistentvolumeclaims', c), true);
  assert.deepEqual(c.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  assert.equal(admitProtectionFinalizer('persistentvolumeclaims', c), false);
  const v = volume();
  assert.equal(admitProtectionFinalizer('persistentvolumes', v), true);
  assert.deepEqual(v.metadata.finalizers, ['kubernetes.io/pv-protection']);
  assert.equal(admitProtectionFinalizer('pods', pod()), false);
  const removed = withFinalizer(c, 'kubernetes.io/pvc-protection', false);
  assert.equal(removed.metadata.finalizers, undefined);
  assert.deepEqual(c.metadata.finalizers, ['kubernetes.io/pvc-protection'], 'input untouched');
});
