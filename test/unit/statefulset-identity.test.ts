import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { claimOwnerRefsForPolicy, isClaimOwnerUpToDate, podClaimIsStale, retentionPolicy } from '../../src/controllers/statefulset/claim-retention.js';
import {
  claimsForPod,
  identityMatches,
  newStatefulSetPod,
  newVersionedStatefulSetPod,
  parentNameAndOrdinal,
  podInOrdinalRange,
  storageMatches,
  updateStorage,
} from '../../src/controllers/statefulset/identity.js';
import { completeRollingUpdate, computeReplicaCounts, inconsistentStatus, serializeStatus, type StatefulSetStatus } from '../../src/controllers/statefulset/status.js';

function set(o: JsonObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid' },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' }, annotations: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'i:1' }], volumes: [{ name: 'www', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }] } },
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www', labels: { tier: 's' } }, spec: { accessModes: ['ReadWriteOnce'] }, status: { phase: 'Pending' } }],
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...o,
    },
  };
}

test('parentNameAndOrdinal', () => {
  assert.deepEqual(parentNameAndOrdinal('web-0'), { parent: 'web', ordinal: 0 });
  assert.deepEqual(parentNameAndOrdinal('my-app-12'), { parent: 'my-app', ordinal: 12 });
  assert.deepEqual(parentNameAndOrdinal('web'), { parent: '', ordinal: -1 });
  assert.deepEqual(parentNameAndOrdinal('web-x'), { parent: '', ordinal: -1 });
  assert.equal(parentNameAndOrdinal('web-99999999999').ordinal, -1, 'beyond int32');
  assert.deepEqual(parentNameAndOrdinal('-7'), { parent: '', ordinal: 7 });
  assert.deepEqual(parentNameAndOrdinal('web-1-x'), { parent: '', ordinal: -1 });
  assert.deepEqual(parentNameAndOrdinal('web--2'), { parent: 'web-', ordinal: 2 });
});

test('newStatefulSetPod: name, labels, hostname/subdomain, claim volumes first (overriding a template volume of that name), controller ref', () => {
  const pod = newStatefulSetPod(set(), 2);
  assert.deepEqual(pod.metadata, {
    generateName: 'web-',
    namespace: 'ns',
    name: 'web-2',
    labels: { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' },
    annotations: { a: '1' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }],
  });
  assert.equal(pod.spec.hostname, 'web-2');
  assert.equal(pod.spec.subdomain, 'nginx');
  assert.deepEqual(pod.spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }, { name: 'cfg', configMap: { name: 'x' } }]);
  assert.ok(identityMatches(set(), pod) && storageMatches(set(), pod));
  assert.ok(!identityMatches(set(), { ...pod, metadata: { ...pod.metadata, labels: { app: 'web' } } }), 'pod-name label missing');
  const noSubdomain = newStatefulSetPod(set({ serviceName: '' }), 0);
  assert.equal(noSubdomain.spec.subdomain, undefined);

  const bare = { metadata: { name: 'web-1' }, spec: { volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'other' } }] } } as KObject;
  assert.ok(!storageMatches(set(), bare));
  updateStorage(set(), bare);
  assert.ok(storageMatches(set(), bare));
});

test('claimsForPod: the template renamed per ordinal, labelled with the selector, without status', () => {
  const claims = claimsForPod(set(), { metadata: { name: 'web-4' } } as KObject);
  assert.deepEqual([...claims.keys()], ['www']);
  assert.deepEqual(claims.get('www'), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'www-web-4', namespace: 'ns', labels: { tier: 's', app: 'web' } },
    spec: { accessModes: ['ReadWriteOnce'] },
  });
});

test('newVersionedStatefulSetPod: below the partition from the current revision, else the update revision; ordinals.start counts', () => {
  const cur = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, ordinals: { start: 10 } });
  const upd = { ...cur, spec: { ...cur.spec, template: { ...cur.spec.template, spec: { containers: [{ name: 'c', image: 'i:2' }] } } } };
  const p11 = newVersionedStatefulSetPod(cur, upd, 'web-r1', 'web-r2', 11);
  const p12 = newVersionedStatefulSetPod(cur, upd, 'web-r1', 'web-r2', 12);
  assert.equal(p11.metadata.labels?.['controller-revision-hash'], 'web-r1');
  assert.equal(p11.spec.containers[0].image, 'i:1');
  assert.equal(p12.metadata.labels?.['controller-revision-hash'], 'web-r2');
  assert.equal(p12.spec.containers[0].image, 'i:2');
  assert.equal(p12.metadata.labels?.['apps.kubernetes.io/pod-index'], '12');
  const onDelete = set({ updateStrategy: { type: 'OnDelete' } });
  assert.equal(newVersionedStatefulSetPod(onDelete, onDelete, 'a', 'b', 0).metadata.labels?.['controller-revision-hash'], 'b', 'OnDelete: always the update revision');
  assert.ok(podInOrdinalRange({ metadata: { name: 'web-12' } } as KObject, cur));
  assert.ok(!podInOrdinalRange({ metadata: { name: 'web-9' } } as KObject, cur));
  assert.ok(!podInOrdinalRange({ metadata: { name: 'web-13' } } as KObject, cur), 'start 10 + 3 replicas ends at 12');
});

const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true };
const podRef = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'Pod', name, uid, controller: true, blockOwnerDeletion: true });

test('claim retention: references each policy wants, for a pod in range and one scaled away (table)', () => {
  const inRange = { metadata: { name: 'web-1', uid: 'p1' } } as KObject;
  const scaledAway = { metadata: { name: 'web-5', uid: 'p5' } } as KObject;
  const claim = (refs: JsonObject[] = []) => ({ metadata: { name: 'www-web-x', ownerReferences: refs } }) as KObject;
  const rows: [string, string, KObject, JsonObject[]][] = [
    ['Retain', 'Retain', inRange, []],
    ['Retain', 'Retain', scaledAway, []],
    ['Delete', 'Retain', inRange, [setRef]],
    ['Delete', 'Retain', scaledAway, [setRef]],
    ['Retain', 'Delete', inRange, []],
    ['Retain', 'Delete', scaledAway, [podRef('web-5', 'p5')]],
    ['Delete', 'Delete', inRange, [setRef]],
    ['Delete', 'Delete', scaledAway, [podRef('web-5', 'p5')]],
  ];
  for (const [whenDeleted, whenScaled, pod, want] of rows) {
    const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
    const label = `${whenDeleted}/${whenScaled} ${pod.metadata.name}`;
    assert.deepEqual(retentionPolicy(s), { whenDeleted, whenScaled });
    assert.deepEqual(claimOwnerRefsForPolicy(claim(), s, pod), want, label);
    assert.ok(isClaimOwnerUpToDate(claim(want), s, pod), `${label}: up to date with its own refs`);
    assert.equal(isClaimOwnerUpToDate(claim(), s, pod), want.length === 0, `${label}: bare claim`);
  }
  // A foreign owner survives the rewrite; a non-controller reference of ours is fixed.
  const foreign = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' };
  const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
  assert.deepEqual(claimOwnerRefsForPolicy(claim([foreign]), s, inRange), [foreign, setRef]);
  assert.ok(!isClaimOwnerUpToDate(claim([{ ...setRef, controller: false }]), s, inRange));
  // Another controller: left alone (no refs of ours added).
  const other = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', controller: true };
  assert.ok(isClaimOwnerUpToDate(claim([other]), s, inRange));
  assert.deepEqual(claimOwnerRefsForPolicy(claim([other, setRef]), s, inRange), [other]);
  // A reference to an earlier set of the same name (stale uid): not touched.
  assert.ok(isClaimOwnerUpToDate(claim([{ ...setRef, uid: 'old-set' }]), s, inRange));
});

test('podClaimIsStale: with whenScaled Delete, a claim still owned by an earlier pod of that name blocks the create', () => {
  const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
  const fresh = newStatefulSetPod(s, 1);
  const claims = new Map<string, KObject>([['ns/www-web-1', { metadata: { name: 'www-web-1', ownerReferences: [podRef('web-1', 'old-pod')] } }]]);
  const get = (ns: string, name: string) => claims.get(`${ns}/${name}`);
  assert.ok(podClaimIsStale(s, fresh, get));
  assert.ok(!podClaimIsStale(set(), fresh, get), 'Retain never blocks');
  assert.ok(!podClaimIsStale(s, newStatefulSetPod(s, 2), get), 'no claim yet');
});

test('status: counts, rollout completion, when to write, serialization', () => {
  const NOW = new Date('2026-03-01T12:00:00Z');
  const pod = (name: string, rev: string, phase: string, ready: boolean, extra: JsonObject = {}): KObject => ({
    metadata: { name, labels: { 'controller-revision-hash': rev }, ...extra },
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-03-01T11:59:55Z' }] },
  });
  const pods = [pod('web-0', 'r1', 'Running', true), pod('web-1', 'r2', 'Running', true), pod('web-2', 'r2', 'Pending', false), pod('web-3', 'r1', 'Running', true, { deletionTimestamp: 'x' }), { metadata: { name: 'web-4' } }];
  assert.deepEqual(computeReplicaCounts([pods], 0, 'r1', 'r2', NOW), { replicas: 4, readyReplicas: 3, availableReplicas: 3, currentReplicas: 1, updatedReplicas: 2 });
  assert.equal(computeReplicaCounts([pods], 10, 'r1', 'r2', NOW).availableReplicas, 0, 'ready 5 s < minReadySeconds 10');

  const s = set({ replicas: 2 });
  const status: StatefulSetStatus = { observedGeneration: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 0, updatedReplicas: 2, currentRevision: 'r1', updateRevision: 'r2', collisionCount: 0 };
  completeRollingUpdate(s, status);
  assert.equal(status.currentRevision, 'r2');
  assert.equal(status.currentReplicas, 2);
  const partial = { ...status, updatedReplicas: 1, currentRevision: 'r1', currentReplicas: 1 };
  completeRollingUpdate(s, partial);
  assert.equal(partial.currentRevision, 'r1');

  const written = { ...s, metadata: { ...s.metadata, generation: 2 }, status: serializeStatus(s, status) };
  assert.deepEqual(written.status, { observedGeneration: 2, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: 'r2', updateRevision: 'r2', collisionCount: 0, availableReplicas: 2 });
  assert.ok(!inconsistentStatus(written, status));
  assert.ok(!inconsistentStatus(written, { ...status, collisionCount: 3 }), 'collisionCount alone is not written (as upstream)');
  assert.ok(inconsistentStatus(written, { ...status, readyReplicas: 1 }));
  assert.deepEqual(serializeStatus(set(), { ...status, replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0, availableReplicas: 0, currentRevision: '', updateRevision: '', observedGeneration: 0 }), { replicas: 0, collisionCount: 0, availableReplicas: 0 });
});
