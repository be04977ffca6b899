import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable, newPodFromTemplate, podKey, podNamePrefix } from '../../src/controllers/shared/pod-utils.js';

function pod(o: { phase?: string; ready?: string; since?: string; deleting?: boolean } = {}): KObject {
  const p: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: {}, status: {} };
  if (o.phase) p.status.phase = o.phase;
  if (o.ready) p.status.conditions = [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: o.ready, lastTransitionTime: o.since ?? null }];
  if (o.deleting) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  return p;
}

test('isPodActive: every phase but Succeeded/Failed, not being deleted', () => {
  const rows: [string, KObject, boolean][] = [
    ['no phase yet', pod(), true],
    ['Pending', pod({ phase: 'Pending' }), true],
    ['Running', pod({ phase: 'Running' }), true],
    ['Unknown', pod({ phase: 'Unknown' }), true],
    ['Succeeded', pod({ phase: 'Succeeded' }), false],
    ['Failed', pod({ phase: 'Failed' }), false],
    ['Running but terminating', pod({ phase: 'Running', deleting: true }), false],
  ];
  for (const [name, p, want] of rows) assert.equal(isPodActive(p), want, name);
});

test('isPodReady: the Ready condition is True', () => {
  const rows: [string, KObject, boolean][] = [
    ['no conditions', pod({ phase: 'Running' }), false],
    ['Ready True', pod({ ready: 'True' }), true],
    ['Ready False', pod({ ready: 'False' }), false],
    ['Ready Unknown', pod({ ready: 'Unknown' }), false],
  ];
  for (const [name, p, want] of rows) assert.equal(isPodReady(p), want, name);
});

test('isPodAvailable: ready for more than minReadySeconds (strictly), zero time never counts', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const rows: [string, KObject, number, boolean][] = [
    ['not ready', pod({ ready: 'False', since: '2026-01-01T00:00:00Z' }), 0, false],
    ['ready, minReadySeconds 0', pod({ ready: 'True', since: '2026-01-01T00:00:59Z' }), 0, true],
    ['ready, no transition time, mrs 0', pod({ ready: 'True' }), 0, true],
    ['ready, no transition time, mrs 5', pod({ ready: 'True' }), 5, false],
    ['ready 60 s, mrs 30', pod({ ready: 'True', since: '2026-01-01T00:00:00Z' }), 30, true],
    ['ready 60 s, mrs 60 (not strictly before)', pod({ ready: 'True', since: '2026-01-01T00:00:00Z' }), 60, false],
    ['ready 60 s, mrs 59', pod({ ready: 'True', since: '2026-01-01T00:00:00Z' }), 59, true],
    ['ready 10 s, mrs 30', pod({ ready: 'True', since: '2026-01-01T00:00:50Z' }), 30, false],
  ];
  for (const [name, p, mrs, want] of rows) assert.equal(isPodAvailable(p, mrs, now), want, name);
});

test('msUntilAvailable: time left before a Ready pod counts as available', () => {
  const now = new Date('2026-01-01T00:00:10Z');
  assert.equal(msUntilAvailable(pod({ ready: 'True', since: '2026-01-01T00:00:00Z' }), 30, now), 20_001);
  assert.equal(msUntilAvailable(pod({ ready: 'True', since: '2026-01-01T00:00:00Z' }), 5, now), undefined);
  assert.equal(msUntilAvailable(pod({ ready: 'False', since: '2026-01-01T00:00:00Z' }), 30, now), undefined);
  assert.equal(msUntilAvailable(pod({ ready: 'True', since: '2026-01-01T00:00:00Z' }), 0, now), undefined);
});

test('newPodFromTemplate: labels, annotations, finalizers, owner ref, generateName, spec copied', () => {
  const owner: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'prod', uid: 'u1' } };
  const template = {
    metadata: { name: 'ignored', labels: { app: 'web' }, annotations: { a: 'b' }, creationTimestamp: null },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
  const p = newPodFromTemplate(template, owner, ref);
  assert.deepEqual(p, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'prod', labels: { app: 'web' }, annotations: { a: 'b' }, ownerReferences: [ref] },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  // Deep copies: mutating the pod leaves the template alone.
  p.spec.containers[0].image = 'x';
  p.metadata.labels!.app = 'y';
  assert.equal(template.spec.containers[0].image, 'nginx');
  assert.equal(template.metadata.labels.app, 'web');
  assert.deepEqual(newPodFromTemplate({ metadata: { finalizers: ['f'] } }, owner).metadata, { generateName: 'web-', namespace: 'prod', finalizers: ['f'] });
});

test('podKey and podNamePrefix', () => {
  assert.equal(podKey({ metadata: { namespace: 'a', name: 'b' } }), 'a/b');
  assert.equal(podNamePrefix('web'), 'web-');
  assert.equal(podNamePrefix('x'.repeat(253)), 'x'.repeat(253));
});
