import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { podDeletionCost, podLessForDeletion, podsToDelete, ranksByRelatedPodsOnSameNode, sortPodsForDeletion } from '../../src/controllers/shared/pod-ranking.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface P {
  name?: string;
  uid?: string;
  node?: string;
  phase?: string;
  readySince?: number; // seconds ago; undefined = not ready
  restarts?: number;
  sidecarRestarts?: number;
  createdAgo?: number;
  cost?: string;
}

function pod(p: P): KObject {
  const o: KObject = {
    metadata: { name: p.name ?? 'p', namespace: 'ns', uid: p.uid ?? p.name ?? 'u', creationTimestamp: p.createdAgo === undefined ? ago(1000) : p.createdAgo < 0 ? null : ago(p.createdAgo) },
    spec: { nodeName: p.node ?? 'n1', containers: [{ name: 'c' }] },
    status: { phase: p.phase ?? 'Running', containerStatuses: [{ name: 'c', restartCount: p.restarts ?? 0 }] },
  };
  if (p.node === '') delete o.spec.nodeName;
  if (p.readySince !== undefined) o.status.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: ago(p.readySince) }];
  else o.status.conditions = [{ type: 'Ready', status: 'False', lastTransitionTime: ago(5) }];
  if (p.cost !== undefined) o.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': p.cost };
  if (p.sidecarRestarts !== undefined) {
    o.spec.initContainers = [{ name: 'side', restartPolicy: 'Always' }, { name: 'init' }];
    o.status.initContainerStatuses = [{ name: 'side', restartCount: p.sidecarRestarts }, { name: 'init', restartCount: 99 }];
  }
  return o;
}

test('podLessForDeletion: each rule decides in upstream order (a deleted before b)', () => {
  const rows: [string, P, P, number, number, boolean][] = [
    ['1. unassigned before assigned', { node: '' }, { node: 'n1' }, 0, 0, true],
    ['1. assigned after unassigned', { node: 'n1' }, { node: '' }, 0, 0, false],
    ['1. different nodes do not decide', { node: 'n1', phase: 'Pending' }, { node: 'n2' }, 0, 0, true],
    ['2. Pending before Running', { phase: 'Pending' }, { phase: 'Running' }, 0, 0, true],
    ['2. Pending before Unknown', { phase: 'Pending' }, { phase: 'Unknown' }, 0, 0, true],
    ['2. Unknown before Running', { phase: 'Unknown' }, { phase: 'Running' }, 0, 0, true],
    ['2. Running after Unknown', { phase: 'Running' }, { phase: 'Unknown' }, 0, 0, false],
    ['2. unassigned Running beats assigned Pending (rule 1 first)', { node: '', phase: 'Running' }, { phase: 'Pending' }, 0, 0, true],
    ['3. not ready before ready', {}, { readySince: 100 }, 0, 0, true],
    ['3. ready after not ready', { readySince: 100 }, {}, 0, 0, false],
    ['4. lower deletion cost first', { readySince: 100, cost: '-5' }, { readySince: 100 }, 0, 0, true],
    ['4. higher deletion cost last', { readySince: 100, cost: '10' }, { readySince: 100, cost: '3' }, 0, 0, false],
    ['4. cost beats rank', { readySince: 100, cost: '-1' }, { readySince: 100 }, 1, 5, true],
    ['4. invalid cost counts as 0', { readySince: 100, cost: 'abc', restarts: 1 }, { readySince: 100 }, 0, 0, true],
    ['5. more pods on the node first', { readySince: 100 }, { readySince: 100 }, 3, 1, true],
    ['5. fewer pods on the node last', { readySince: 100 }, { readySince: 100 }, 1, 3, false],
    ['6. ready more recently first (different log2 buckets)', { readySince: 10 }, { readySince: 1000 }, 0, 0, true],
    ['6. ready longer last', { readySince: 1000 }, { readySince: 10 }, 0, 0, false],
    ['6. same bucket: lower uid first', { uid: 'a', readySince: 1000 }, { uid: 'b', readySince: 1001, restarts: 5 }, 0, 0, true],
    ['6. same bucket: higher uid last', { uid: 'b', readySince: 1001 }, { uid: 'a', readySince: 1000 }, 0, 0, false],
    ['7. more restarts first', { restarts: 3 }, { restarts: 1 }, 0, 0, true],
    ['7. fewer restarts last', { restarts: 0 }, { restarts: 1 }, 0, 0, false],
    ['7. sidecar restarts break a tie', { sidecarRestarts: 2 }, { sidecarRestarts: 1 }, 0, 0, true],
    ['7. non-sidecar init restarts ignored', { sidecarRestarts: 0 }, { sidecarRestarts: 0, uid: 'zz' }, 0, 0, false],
    ['8. newer first', { createdAgo: 10 }, { createdAgo: 100000 }, 0, 0, true],
    ['8. older last', { createdAgo: 100000 }, { createdAgo: 10 }, 0, 0, false],
    ['8. zero creation time first', { createdAgo: -1 }, { createdAgo: 10 }, 0, 0, true],
    ['8. same bucket: lower uid first', { uid: 'a', createdAgo: 1000 }, { uid: 'b', createdAgo: 1001 }, 0, 0, true],
    ['identical pods: neither first', { uid: 'a' }, { uid: 'a' }, 0, 0, false],
  ];
  for (const [name, a, b, ra, rb, want] of rows) {
    assert.equal(podLessForDeletion(pod({ name: 'a', ...a }), pod({ name: 'b', ...b }), ra, rb, NOW), want, name);
  }
});

test('podDeletionCost parses an int32, 0 otherwise', () => {
  const rows: [string | undefined, number][] = [[undefined, 0], ['7', 7], ['-7', -7], ['2147483647', 2147483647], ['2147483648', 0], ['1.5', 0], ['', 0]];
  for (const [v, want] of rows) assert.equal(podDeletionCost(pod({ cost: v })), want, String(v));
});

test('ranks count active related pods on the same node', () => {
  const a = pod({ name: 'a', node: 'n1' });
  const b = pod({ name: 'b', node: 'n1' });
  const c = pod({ name: 'c', node: 'n2' });
  const done = { ...pod({ name: 'd', node: 'n2' }), status: { phase: 'Succeeded' } };
  assert.deepEqual(ranksByRelatedPodsOnSameNode([a, b, c], [a, b, c, done]), [2, 2, 1]);
  assert.deepEqual(ranksByRelatedPodsOnSameNode([a, c], []), [0, 0]);
});

test('sortPodsForDeletion and podsToDelete pick the worst pods first', () => {
  const pods = [
    pod({ name: 'old-ready', readySince: 5000, createdAgo: 6000 }),
    pod({ name: 'pending', phase: 'Pending', createdAgo: 5 }),
    pod({ name: 'unscheduled', node: '', phase: 'Pending', createdAgo: 4 }),
    pod({ name: 'new-ready', readySince: 10, createdAgo: 20 }),
    pod({ name: 'not-ready', createdAgo: 30 }),
  ];
  const names = (ps: KObject[]) => ps.map((p) => p.metadata.name);
  const now = new Date(NOW);
  assert.deepEqual(names(sortPodsForDeletion(pods, pods, now)), ['unscheduled', 'pending', 'not-ready', 'new-ready', 'old-ready']);
  assert.deepEqual(names(podsToDelete(pods, pods, 2, now)), ['unscheduled', 'pending']);
  assert.deepEqual(names(podsToDelete(pods, pods, 5, now)), names(pods), 'deleting all: no sort needed');
});
