// Fence posts and the new/old ReplicaSet arithmetic of the Deployment controller
// (deployment_util.go v1.32): maxSurge rounds up, maxUnavailable rounds down, both-zero becomes
// unavailable 1; how far the new ReplicaSet may grow; which ReplicaSet is new.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  isSaturated,
  isScalingEvent,
  maxSurge,
  maxUnavailable,
  minAvailable,
  newRSNewReplicas,
  resolveFenceposts,
} from '../../src/controllers/deployment/util.js';
import type { IntOrString } from '../../src/api/intstr.js';
import type { PodTemplate } from '../../src/controllers/deployment/types.js';
import { deployment, replicaSet } from './deployment-fake.js';

test('resolveFenceposts: surge rounds up, unavailable rounds down, both zero gives unavailable 1', () => {
  const cases: [IntOrString | undefined, IntOrString | undefined, number, number, number][] = [
    // maxSurge, maxUnavailable, desired => surge, unavailable
    ['25%', '25%', 10, 3, 2], // the documented 13 pods at most, 8 available at least
    ['25%', '25%', 1, 1, 0],
    ['25%', '25%', 3, 1, 0],
    ['25%', '25%', 4, 1, 1],
    ['50%', '50%', 5, 3, 2],
    ['39%', '39%', 10, 4, 3],
    ['0%', '0%', 0, 0, 1],
    [undefined, '39%', 10, 0, 3],
    ['39%', undefined, 10, 4, 0],
    [undefined, undefined, 10, 0, 1],
    [0, '10%', 5, 0, 1], // 10% of 5 rounds down to 0
    ['100%', '0%', 3, 3, 0],
    [2, 3, 0, 2, 3], // ints are not scaled
    [1, 0, 5, 1, 0],
  ];
  for (const [ms, mu, desired, surge, unavailable] of cases) {
    assert.deepEqual(resolveFenceposts(ms, mu, desired), { surge, unavailable }, `maxSurge=${ms} maxUnavailable=${mu} replicas=${desired}`);
  }
});

test('MaxSurge/MaxUnavailable/MinAvailable of a Deployment', () => {
  const cases: { replicas: number; type?: 'Recreate'; ms?: IntOrString; mu?: IntOrString; surge: number; unavailable: number; min: number }[] = [
    { replicas: 10, ms: '25%', mu: '25%', surge: 3, unavailable: 2, min: 8 },
    { replicas: 3, ms: '25%', mu: '25%', surge: 1, unavailable: 0, min: 3 },
    { replicas: 3, ms: 0, mu: 5, surge: 0, unavailable: 3, min: 0 }, // capped at replicas
    { replicas: 0, ms: 1, mu: 1, surge: 1, unavailable: 0, min: 0 }, // no replicas, nothing unavailable
    { replicas: 5, type: 'Recreate', surge: 0, unavailable: 0, min: 0 },
  ];
  for (const c of cases) {
    const d = deployment('web', {
      replicas: c.replicas,
      strategy: c.type ? { type: c.type } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: c.ms, maxUnavailable: c.mu } },
    });
    const what = JSON.stringify(c);
    assert.equal(maxSurge(d), c.surge, what);
    assert.equal(maxUnavailable(d), c.unavailable, what);
    assert.equal(minAvailable(d), c.min, what);
  }
});

test('NewRSNewReplicas: grow by what the surge leaves, never past replicas; Recreate jumps to replicas', () => {
  const cases: { name: string; type?: 'Recreate'; replicas: number; ms: IntOrString; newRS: number; old: number; want: number }[] = [
    { name: 'cannot scale up: total already at the surge limit', replicas: 1, ms: 1, newRS: 5, old: 5, want: 5 },
    { name: 'scale up to replicas', replicas: 6, ms: 10, newRS: 2, old: 5, want: 6 },
    { name: 'recreate goes to replicas', type: 'Recreate', replicas: 3, ms: 1, newRS: 1, old: 5, want: 3 },
    { name: 'first step of a 10-replica rollout at 25%', replicas: 10, ms: '25%', newRS: 0, old: 10, want: 3 },
    { name: 'second step after old went to 5', replicas: 10, ms: '25%', newRS: 3, old: 5, want: 8 },
    { name: 'surge room smaller than what is missing', replicas: 10, ms: '25%', newRS: 3, old: 8, want: 5 },
    { name: 'fresh deployment', replicas: 3, ms: '25%', newRS: 0, old: 0, want: 3 },
  ];
  for (const c of cases) {
    const d = deployment('web', { replicas: c.replicas, strategy: c.type ? { type: c.type } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: c.ms, maxUnavailable: 0 } } });
    const newRS = replicaSet('new', { replicas: c.newRS });
    const old = replicaSet('old', { replicas: c.old });
    assert.equal(newRSNewReplicas(d, [old, newRS], newRS), c.want, c.name);
  }
});

const tpl = (labels: Record<string, string>, image = 'nginx'): PodTemplate => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image }] } });

test('EqualIgnoreHash: only the pod-template-hash label is ignored', () => {
  const cases: [string, PodTemplate, PodTemplate, boolean][] = [
    ['same spec, same labels', tpl({ a: 'b', 'pod-template-hash': '1' }), tpl({ a: 'b', 'pod-template-hash': '1' }), true],
    ['same spec, only the hash differs', tpl({ a: 'b', 'pod-template-hash': '1' }), tpl({ a: 'b', 'pod-template-hash': '2' }), true],
    ['same spec, one has no hash', tpl({ a: 'b' }), tpl({ a: 'b', 'pod-template-hash': '2' }), true],
    ['same spec, other labels differ, same count', tpl({ something: 'else' }), tpl({ 'pod-template-hash': '2' }), false],
    ['same spec, other labels differ, the latter has no hash', tpl({ 'pod-template-hash': '1' }), tpl({ something: 'else' }), false],
    ['same spec, same hash, other label differs', tpl({ a: 'b', 'pod-template-hash': '1' }), tpl({ a: 'c', 'pod-template-hash': '1' }), false],
    ['different spec, same labels', tpl({ a: 'b' }, 'x'), tpl({ a: 'b' }, 'y'), false],
    ['different spec, different hash', tpl({ 'pod-template-hash': '1' }, 'x'), tpl({ 'pod-template-hash': '2' }, 'y'), false],
    ['only label was the hash: empty and absent labels are equal', tpl({ 'pod-template-hash': '1' }), { spec: { containers: [{ name: 'c', image: 'nginx' }] } }, true],
    ['null and absent fields are equal', { metadata: { labels: { a: 'b' }, creationTimestamp: null } as PodTemplate['metadata'], spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [] } }, tpl({ a: 'b' }), true],
    ['key order does not matter', { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { a: 'b' } } }, tpl({ a: 'b' }), true],
  ];
  for (const [name, a, b, want] of cases) {
    assert.equal(equalIgnoreHash(a, b), want, name);
    assert.equal(equalIgnoreHash(b, a), want, `${name} (swapped)`);
  }
});

test('FindNewReplicaSet: the oldest ReplicaSet whose template matches; the others are old', () => {
  const d = deployment('web', { template: tpl({ app: 'web' }, 'v2') });
  const v1 = replicaSet('web-v1', { replicas: 2, image: 'v1', app: 'web', created: '2026-01-01T00:00:01Z' });
  const v2a = replicaSet('web-v2a', { replicas: 1, image: 'v2', app: 'web', created: '2026-01-01T00:00:03Z' });
  const v2b = replicaSet('web-v2b', { replicas: 0, image: 'v2', app: 'web', created: '2026-01-01T00:00:02Z' });
  assert.equal(findNewReplicaSet(d, [v1, v2a, v2b])?.metadata.name, 'web-v2b');
  const old = findOldReplicaSets(d, [v1, v2a, v2b]);
  assert.deepEqual(old.all.map((r) => r.metadata.name), ['web-v1', 'web-v2a']);
  assert.deepEqual(old.required.map((r) => r.metadata.name), ['web-v1', 'web-v2a']);
  assert.equal(findNewReplicaSet(deployment('web', { template: tpl({ app: 'web' }, 'v3') }), [v1, v2a]), undefined);
  // Same creation second: the name decides.
  const x = replicaSet('web-x', { image: 'v2', app: 'web' });
  const y = replicaSet('web-y', { image: 'v2', app: 'web' });
  assert.equal(findNewReplicaSet(d, [y, x])?.metadata.name, 'web-x');
});

test('FindActiveOrLatest: the only active one, the newest when none is active, none when several are', () => {
  const a = replicaSet('a', { replicas: 0, created: '2026-01-01T00:00:01Z' });
  const b = replicaSet('b', { replicas: 0, created: '2026-01-01T00:00:02Z' });
  const c = replicaSet('c', { replicas: 3, created: '2026-01-01T00:00:03Z' });
  const n = replicaSet('n', { replicas: 0, created: '2026-01-01T00:00:04Z' });
  assert.equal(findActiveOrLatest(n, [a, b])?.metadata.name, 'n');
  assert.equal(findActiveOrLatest(undefined, [a, b])?.metadata.name, 'b');
  assert.equal(findActiveOrLatest(n, [a, c])?.metadata.name, 'c');
  assert.equal(findActiveOrLatest(replicaSet('m', { replicas: 1 }), [c]), undefined);
  assert.equal(findActiveOrLatest(undefined, []), undefined);
});

test('IsSaturated and isScalingEvent read the desired-replicas annotation', () => {
  const d = deployment('web', { replicas: 3 });
  const ann = (desired: number) => ({ 'deployment.kubernetes.io/desired-replicas': String(desired) });
  assert.equal(isSaturated(d, replicaSet('n', { replicas: 3, available: 3, annotations: ann(3) })), true);
  assert.equal(isSaturated(d, replicaSet('n', { replicas: 3, available: 2, annotations: ann(3) })), false);
  assert.equal(isSaturated(d, replicaSet('n', { replicas: 3, available: 3, annotations: ann(2) })), false);
  assert.equal(isSaturated(d, replicaSet('n', { replicas: 3, available: 3 })), false);
  assert.equal(isSaturated(d, undefined), false);

  assert.equal(isScalingEvent(d, replicaSet('n', { replicas: 3, annotations: ann(3) }), []), false);
  assert.equal(isScalingEvent(d, replicaSet('n', { replicas: 3, annotations: ann(5) }), []), true);
  // Inactive ReplicaSets and ones without the annotation do not count.
  assert.equal(isScalingEvent(d, replicaSet('n', { replicas: 3, annotations: ann(3) }), [replicaSet('o', { replicas: 0, annotations: ann(9) })]), false);
  assert.equal(isScalingEvent(d, replicaSet('n', { replicas: 3 }), []), false);
  assert.equal(isScalingEvent(d, undefined, [replicaSet('o', { replicas: 2, annotations: ann(9) })]), false);
});
