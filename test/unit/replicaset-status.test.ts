import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { REPLICA_SET, REPLICATION_CONTROLLER } from '../../src/controllers/replicaset/kinds.js';
import { availabilityRequeueMs, calculateStatus, planReplicas, statusNeedsUpdate, withObservedGeneration, type ReplicaStatus } from '../../src/controllers/replicaset/replica-status.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function rs(replicas: number, o: { mrs?: number; status?: ReplicaStatus; generation?: number } = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'u', generation: o.generation ?? 1 },
    spec: { replicas, minReadySeconds: o.mrs ?? 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: {} } },
    status: o.status ?? { replicas: 0 },
  };
}

function pod(name: string, o: { labels?: Record<string, string>; readySince?: number; node?: string } = {}): KObject {
  const p: KObject = {
    metadata: { name, namespace: 'ns', uid: name, labels: o.labels ?? { app: 'web', tier: 'fe' }, creationTimestamp: ago(100) },
    spec: { nodeName: o.node ?? 'n1' },
    status: { phase: 'Running', conditions: [] },
  };
  if (o.readySince !== undefined) p.status.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: ago(o.readySince) }];
  return p;
}

test('planReplicas: create the missing (≤ burst), delete the surplus (≤ burst), or nothing', () => {
  const pods = (n: number) => Array.from({ length: n }, (_, i) => pod(`p${i}`, { readySince: 1000 + i }));
  const rows: [string, number, number, number | undefined, string][] = [
    ['3 of 3', 3, 3, undefined, 'none'],
    ['0 of 3', 0, 3, undefined, 'create 3'],
    ['1 of 3', 1, 3, undefined, 'create 2'],
    ['0 of 1000: burst', 0, 1000, undefined, 'create 500'],
    ['0 of 10, burst 4', 0, 10, 4, 'create 4'],
    ['5 of 2', 5, 2, undefined, 'delete 3'],
    ['5 of 0', 5, 0, undefined, 'delete 5'],
    ['700 of 0: burst', 700, 0, undefined, 'delete 500'],
  ];
  for (const [name, have, want, burst, expect] of rows) {
    const owned = pods(have);
    const plan = planReplicas(owned, want, owned, NOW, burst);
    const got = plan.action === 'none' ? 'none' : plan.action === 'create' ? `create ${plan.count}` : `delete ${plan.pods.length}`;
    assert.equal(got, expect, name);
  }
});

test('planReplicas: deletes the lowest-ranked pods', () => {
  const owned = [pod('ready-old', { readySince: 5000 }), pod('not-ready'), pod('unscheduled', { node: '' }), pod('ready-new', { readySince: 5 })];
  const plan = planReplicas(owned, 2, owned, NOW);
  assert.equal(plan.action, 'delete');
  assert.deepEqual(plan.action === 'delete' && plan.pods.map((p) => p.metadata.name), ['unscheduled', 'not-ready']);
});

test('calculateStatus: counts (table)', () => {
  // [case, rs, pods, expected status]
  const rows: [string, KObject, KObject[], ReplicaStatus][] = [
    ['no pods', rs(3), [], { replicas: 0 }],
    ['three ready, mrs 0', rs(3), [pod('a', { readySince: 1 }), pod('b', { readySince: 1 }), pod('c', { readySince: 1 })], { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3 }],
    ['not ready pods', rs(3), [pod('a'), pod('b', { readySince: 1 })], { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1 }],
    ['minReadySeconds 30: ready 10 s is not available', rs(2, { mrs: 30 }), [pod('a', { readySince: 10 }), pod('b', { readySince: 60 })], { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 }],
    ['partially labeled pod', rs(2), [pod('a', { labels: { app: 'web' }, readySince: 1 }), pod('b', { labels: { app: 'web', tier: 'fe', x: 'y' } })], { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 }],
    ['observedGeneration kept from the old status', rs(1, { status: { replicas: 1, observedGeneration: 4 } }), [pod('a')], { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 4 }],
  ];
  for (const [name, obj, pods, want] of rows) assert.deepEqual(calculateStatus(obj, pods, undefined, NOW), want, name);
});

test('calculateStatus: ReplicaFailure condition added on error, kept while failing, removed after success', () => {
  const err = new Error('pods "web-abcde" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
  const failing = calculateStatus(rs(3), [pod('a')], err, NOW);
  assert.deepEqual(failing.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z', reason: 'FailedCreate', message: err.message }]);
  const del = calculateStatus(rs(0), [pod('a')], new Error('boom'), NOW);
  assert.equal(del.conditions?.[0].reason, 'FailedDelete');
  // Still failing later: the first condition stays as it was (no churn).
  const later = new Date(NOW.getTime() + 60_000);
  const again = calculateStatus(rs(3, { status: failing }), [pod('a')], new Error('other'), later);
  assert.deepEqual(again.conditions, failing.conditions);
  // Recovered: the condition goes.
  const ok = calculateStatus(rs(3, { status: failing }), [pod('a'), pod('b'), pod('c')], undefined, later);
  assert.equal(ok.conditions, undefined);
  // Other conditions survive.
  const other = { type: 'Custom', status: 'True' };
  assert.deepEqual(calculateStatus(rs(1, { status: { replicas: 0, conditions: [other] } }), [], undefined, NOW).conditions, [other]);
});

test('statusNeedsUpdate: only on change or an unobserved generation', () => {
  const s: ReplicaStatus = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 3 };
  const rows: [string, KObject, ReplicaStatus, boolean][] = [
    ['steady', rs(2, { status: s, generation: 3 }), s, false],
    ['generation moved', rs(2, { status: s, generation: 4 }), s, true],
    ['ready changed', rs(2, { status: s, generation: 3 }), { ...s, readyReplicas: 1 }, true],
    ['replicas changed', rs(2, { status: s, generation: 3 }), { ...s, replicas: 3 }, true],
    ['condition added', rs(2, { status: s, generation: 3 }), { ...s, conditions: [{ type: 'ReplicaFailure', status: 'True' }] }, true],
    ['absent equals zero', rs(0, { status: { replicas: 0, observedGeneration: 1 }, generation: 1 }), { replicas: 0, readyReplicas: 0 } as ReplicaStatus, false],
  ];
  for (const [name, obj, next, want] of rows) assert.equal(statusNeedsUpdate(obj, { ...next, observedGeneration: obj.status.observedGeneration }), want, name);
  assert.deepEqual(withObservedGeneration(rs(1, { generation: 7 }), { replicas: 1 }), { replicas: 1, observedGeneration: 7 });
});

test('availabilityRequeueMs: the soonest Ready pod to pass minReadySeconds', () => {
  assert.equal(availabilityRequeueMs(rs(2), [pod('a', { readySince: 1 })], NOW), undefined, 'mrs 0');
  assert.equal(availabilityRequeueMs(rs(2, { mrs: 30 }), [pod('a', { readySince: 10 }), pod('b', { readySince: 25 }), pod('c')], NOW), 5_001);
  assert.equal(availabilityRequeueMs(rs(2, { mrs: 30 }), [pod('a', { readySince: 60 })], NOW), undefined, 'already available');
});

test('selectors: LabelSelector for ReplicaSets, label map for ReplicationControllers', () => {
  const s = REPLICA_SET.selector({ metadata: {}, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] } } });
  assert.equal(s.matches({ app: 'b' }), true);
  assert.equal(s.matches({ app: 'c' }), false);
  const rc = REPLICATION_CONTROLLER.selector({ metadata: {}, spec: { selector: { app: 'a', tier: 'x' } } });
  assert.equal(rc.matches({ app: 'a', tier: 'x', more: '1' }), true);
  assert.equal(rc.matches({ app: 'a' }), false);
  assert.equal(REPLICATION_CONTROLLER.selector({ metadata: {}, spec: {} }).matches({ app: 'a' }), false, 'absent selector matches nothing');
  assert.equal(REPLICA_SET.selector({ metadata: {}, spec: {} }).matches({ app: 'a' }), false, 'absent selector matches nothing');
  assert.throws(() => REPLICA_SET.selector({ metadata: {}, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } } }));
});
