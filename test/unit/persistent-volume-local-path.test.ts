// The local-path provisioner's volume shape, directory naming and the safety of deletion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, KObject } from '../../src/api/types.js';
import {
  createVolumeDir,
  isStrictlyInside,
  localPathRefusal,
  localPathVolume,
  localPathVolumeDir,
  provisionedVolumeName,
  removeVolumeDir,
} from '../../src/controllers/persistent-volume/local-path.js';
import { localPathStorageClass } from '../../src/controllers/persistent-volume/default-storage-class.js';

const claim = (spec: JsonObject = {}): KObject => ({
  metadata: { name: 'www-web-0', namespace: 'shop', uid: '1234-abcd', resourceVersion: '7' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } }, storageClassName: 'local-path', ...spec },
});

test('the PV is pvc-<uid>, in <dataDir>/volumes/<namespace>_<claim>_<pv>, pre-bound to the claim', () => {
  const c = claim();
  assert.equal(provisionedVolumeName(c), 'pvc-1234-abcd');
  const dir = localPathVolumeDir('/var/k8ts', c, 'pvc-1234-abcd');
  assert.equal(dir, '/var/k8ts/volumes/shop_www-web-0_pvc-1234-abcd');
  const pv = localPathVolume(c, localPathStorageClass(), dir);
  assert.equal(pv.metadata.name, 'pvc-1234-abcd');
  assert.deepEqual(pv.metadata.annotations, { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });
  assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
  assert.deepEqual(pv.spec, {
    accessModes: ['ReadWriteOnce'],
    capacity: { storage: '3Gi' },
    claimRef: { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'www-web-0', uid: '1234-abcd', apiVersion: 'v1', resourceVersion: '7' },
    hostPath: { path: dir, type: 'DirectoryOrCreate' },
    persistentVolumeReclaimPolicy: 'Delete',
    storageClassName: 'local-path',
    volumeMode: 'Filesystem',
  });
});

test('the class decides the reclaim policy; a selected node gives the PV node affinity', () => {
  const retain = { ...localPathStorageClass(), metadata: { name: 'keep' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' };
  const pv = localPathVolume(claim({ storageClassName: 'keep' }), retain, '/d', { name: 'node-2', labels: { 'kubernetes.io/hostname': 'node-2' } });
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.storageClassName, 'keep');
  assert.equal(pv.metadata.annotations?.['local.path.provisioner/selected-node'], 'node-2');
  assert.deepEqual(pv.spec.nodeAffinity, {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-2'] }] }] },
  });
});

test('claims the provisioner cannot serve are refused with a reason', () => {
  assert.equal(localPathRefusal(claim()), undefined);
  assert.equal(localPathRefusal(claim({ selector: { matchLabels: { a: 'b' } } })), 'claim.Spec.Selector is not supported');
  assert.equal(localPathRefusal(claim({ volumeMode: 'Block' })), 'volumeMode Block is not supported');
});

test('the directory is created world-writable, and only directories under <dataDir>/volumes are removed', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'k8ts-lp-'));
  try {
    const dir = localPathVolumeDir(dataDir, claim(), 'pvc-1234-abcd');
    await createVolumeDir(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o777);
    await writeFile(join(dir, 'data.txt'), 'keep me?');
    await createVolumeDir(dir); // idempotent, content kept
    assert.ok((await stat(join(dir, 'data.txt'))).isFile());

    const outside = join(dataDir, 'precious');
    await mkdir(outside);
    await assert.rejects(removeVolumeDir(dataDir, outside), /refusing to delete/);
    await assert.rejects(removeVolumeDir(dataDir, join(dataDir, 'volumes')), /refusing to delete/);
    await assert.rejects(removeVolumeDir(dataDir, join(dataDir, 'volumes', '..', 'precious')), /refusing to delete/);
    assert.ok((await stat(outside)).isDirectory());

    await removeVolumeDir(dataDir, dir);
    await assert.rejects(stat(dir), { code: 'ENOENT' });
    await removeVolumeDir(dataDir, dir); // already gone: fine
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('isStrictlyInside', () => {
  assert.equal(isStrictlyInside('/a/b', '/a/b/c'), true);
  assert.equal(isStrictlyInside('/a/b', '/a/b'), false);
  assert.equal(isStrictlyInside('/a/b', '/a/bc'), false);
  assert.equal(isStrictlyInside('/a/b', '/a/b/../c'), false);
  assert.equal(isStrictlyInside('/a/b', '/a/b/..data'), true);
});
