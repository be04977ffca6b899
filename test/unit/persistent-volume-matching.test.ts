// Which volume a claim binds to: the PV controller's matching rules (FindMatchingVolume and the
// access-mode index), checked on plain objects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import {
  claimClass,
  findBestMatchForClaim,
  findMatchingVolume,
  isVolumeBoundToClaim,
  volumeUnsatisfiedReason,
} from '../../src/controllers/persistent-volume/volume-matching.js';

function pv(name: string, size: string, o: { modes?: string[]; cls?: string; phase?: string; labels?: Record<string, string>; claimRef?: JsonObject; mode?: string; extra?: JsonObject; deleting?: boolean } = {}): KObject {
  return {
    metadata: { name, labels: o.labels, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      capacity: { storage: size },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      storageClassName: o.cls,
      claimRef: o.claimRef,
      volumeMode: o.mode ?? 'Filesystem',
      hostPath: { path: `/tmp/${name}` },
      ...(o.extra ?? {}),
    },
    status: { phase: o.phase ?? 'Available' },
  };
}

function pvc(size: string, o: { modes?: string[]; cls?: string | null; selector?: JsonObject; mode?: string; name?: string; uid?: string; annotations?: Record<string, string> } = {}): KObject {
  const spec: JsonObject = { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: size } } };
  if (o.cls !== undefined && o.cls !== null) spec.storageClassName = o.cls;
  if (o.selector) spec.selector = o.selector;
  if (o.mode) spec.volumeMode = o.mode;
  return { metadata: { name: o.name ?? 'data', namespace: 'default', uid: o.uid ?? 'uid-1', annotations: o.annotations }, spec };
}

const names = (v: KObject | undefined) => v?.metadata.name;

test('the smallest Available volume that is big enough wins; a too-small one never binds', () => {
  const vols = [pv('big', '10Gi', { cls: 'manual' }), pv('small', '1Gi', { cls: 'manual' }), pv('mid', '5Gi', { cls: 'manual' })];
  assert.equal(names(findBestMatchForClaim(pvc('2Gi', { cls: 'manual' }), vols)), 'mid');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { cls: 'manual' }), vols)), 'small');
  assert.equal(findBestMatchForClaim(pvc('11Gi', { cls: 'manual' }), vols), undefined);
  // Capacity is compared as quantities, not strings: 1Gi < 1100Mi < 2G.
  assert.equal(names(findBestMatchForClaim(pvc('1100Mi', { cls: 'manual' }), [pv('a', '2G', { cls: 'manual' }), pv('b', '1Gi', { cls: 'manual' })])), 'a');
});

test('storage class must match exactly; a claim without class only takes volumes without class', () => {
  const vols = [pv('fast', '1Gi', { cls: 'fast' }), pv('none', '1Gi')];
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { cls: 'fast' }), vols)), 'fast');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { cls: '' }), vols)), 'none');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi'), vols)), 'none');
  assert.equal(findBestMatchForClaim(pvc('1Gi', { cls: 'slow' }), vols), undefined);
  // The beta annotation wins over the field.
  const annotated = pvc('1Gi', { cls: 'slow', annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } });
  assert.equal(claimClass(annotated), 'fast');
  assert.equal(names(findBestMatchForClaim(annotated, vols)), 'fast');
});

test('the volume must offer every access mode the claim asks for; fewer-mode volumes are preferred', () => {
  const rwo = pv('rwo', '5Gi', { modes: ['ReadWriteOnce'] });
  const multi = pv('multi', '1Gi', { modes: ['ReadWriteOnce', 'ReadOnlyMany'] });
  const rwx = pv('rwx', '1Gi', { modes: ['ReadWriteMany'] });
  // Upstream searches the access-mode sets with the fewest modes first: the exact RWO set wins
  // although the RWO+ROX volume is smaller.
  assert.equal(names(findBestMatchForClaim(pvc('1Gi'), [rwo, multi, rwx])), 'rwo');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { modes: ['ReadOnlyMany'] }), [rwo, multi, rwx])), 'multi');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { modes: ['ReadWriteMany'] }), [rwo, multi, rwx])), 'rwx');
  assert.equal(findBestMatchForClaim(pvc('1Gi', { modes: ['ReadWriteOnce', 'ReadWriteMany'] }), [rwo, multi, rwx]), undefined);
});

test('volumeMode must match (unset means Filesystem); the selector filters on volume labels', () => {
  const fsVol = pv('fs', '1Gi');
  const block = pv('block', '1Gi', { mode: 'Block' });
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { mode: 'Block' }), [fsVol, block])), 'block');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi'), [block, fsVol])), 'fs');
  const a = pv('a', '1Gi', { labels: { tier: 'gold' } });
  const b = pv('b', '1Gi', { labels: { tier: 'silver' } });
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { selector: { matchLabels: { tier: 'silver' } } }), [a, b])), 'b');
  assert.equal(names(findBestMatchForClaim(pvc('1Gi', { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] } }), [a, b])), 'a');
  assert.equal(findBestMatchForClaim(pvc('1Gi', { selector: { matchLabels: { tier: 'bronze' } } }), [a, b]), undefined);
});

test('only Available volumes not being deleted are candidates', () => {
  for (const phase of ['Pending', 'Released', 'Failed', 'Bound']) {
    assert.equal(findBestMatchForClaim(pvc('1Gi'), [pv('v', '1Gi', { phase })]), undefined, phase);
  }
  assert.equal(findBestMatchForClaim(pvc('1Gi'), [pv('v', '1Gi', { deleting: true })]), undefined);
});

test('a volume pre-bound to the claim wins over better fits; volumes claimed by others are skipped', () => {
  const claim = pvc('1Gi', { name: 'data', uid: 'u1' });
  const reservedForUs = pv('reserved', '50Gi', { claimRef: { namespace: 'default', name: 'data' }, phase: 'Available' });
  const fit = pv('fit', '1Gi');
  assert.equal(names(findMatchingVolume(claim, [fit, reservedForUs])), 'reserved');
  // Pre-bound with our uid, even in phase Pending/Bound.
  const ours = pv('ours', '2Gi', { claimRef: { namespace: 'default', name: 'data', uid: 'u1' }, phase: 'Pending' });
  assert.equal(names(findMatchingVolume(claim, [fit, ours])), 'ours');
  // Reserved for another claim, or for an earlier claim of the same name (other uid).
  const other = pv('other', '1Gi', { claimRef: { namespace: 'default', name: 'logs' } });
  const stale = pv('stale', '1Gi', { claimRef: { namespace: 'default', name: 'data', uid: 'u0' } });
  const otherNs = pv('other-ns', '1Gi', { claimRef: { namespace: 'prod', name: 'data' } });
  assert.equal(findMatchingVolume(claim, [other, stale, otherNs]), undefined);
  assert.equal(isVolumeBoundToClaim(stale, claim), false);
  assert.equal(isVolumeBoundToClaim(reservedForUs, claim), true);
  // But a pre-bound volume that is too small is not taken either.
  assert.equal(findMatchingVolume(pvc('100Gi', { uid: 'u1' }), [reservedForUs]), undefined);
});

test('WaitForFirstConsumer: without a node only pre-bound volumes; with a node, node affinity decides', () => {
  const free = pv('free', '1Gi');
  const claim = pvc('1Gi');
  assert.equal(findBestMatchForClaim(claim, [free], { delayBinding: true }), undefined);
  const pre = pv('pre', '1Gi', { claimRef: { namespace: 'default', name: 'data' } });
  assert.equal(names(findBestMatchForClaim(claim, [free, pre], { delayBinding: true })), 'pre');
  const affinity = (host: string) => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } } });
  const onA = pv('on-a', '1Gi', { extra: affinity('node-a') });
  const onB = pv('on-b', '2Gi', { extra: affinity('node-b') });
  const nodeB = { name: 'node-b', labels: { 'kubernetes.io/hostname': 'node-b' } };
  assert.equal(names(findBestMatchForClaim(claim, [onA, onB], { delayBinding: true, node: nodeB })), 'on-b');
  assert.equal(names(findBestMatchForClaim(claim, [onA, onB, free], { delayBinding: true, node: nodeB })), 'free');
});

test('a claim naming its volume: upstream reasons why the volume does not satisfy it', () => {
  const claim = pvc('2Gi', { cls: 'manual' });
  assert.equal(volumeUnsatisfiedReason(pv('v', '5Gi', { cls: 'manual' }), claim), undefined);
  assert.equal(volumeUnsatisfiedReason(pv('v', '1Gi', { cls: 'manual' }), claim), 'requested PV is too small');
  assert.equal(volumeUnsatisfiedReason(pv('v', '5Gi', { cls: 'other' }), claim), 'storageClassName does not match');
  assert.equal(volumeUnsatisfiedReason(pv('v', '5Gi', { cls: 'manual', mode: 'Block' }), claim), 'incompatible volumeMode');
  assert.equal(volumeUnsatisfiedReason(pv('v', '5Gi', { cls: 'manual', modes: ['ReadOnlyMany'] }), claim), 'incompatible accessMode');
  assert.equal(volumeUnsatisfiedReason(pv('v', '5Gi', { cls: 'manual', deleting: true }), claim), 'the volume is marked for deletion "v"');
});
