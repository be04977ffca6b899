// policy/v1 PodDisruptionBudget: validation messages and field paths as upstream's, the table row,
// and the disruption controller's arithmetic (expected count, healthy pods, disruptedPods expiry,
// the status and condition it writes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { buildDisruptedPodMap, countHealthyPods, expectedPodCount, failSafeStatus, goLabelSelectorString, nextPdbStatus } from '../../src/controllers/disruption/status.js';
import { conditionsAreUpToDate, pdbsMatchingPod } from '../../src/kinds/policy/pdb-helpers.js';
import { podDisruptionBudgetKind as kind, validatePdbStatus } from '../../src/kinds/policy/pod-disruption-budget.js';
import { NOW, create, update } from './kinds-core-helpers.js';

const pdb = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'web' }, spec, ...extra });

test('PodDisruptionBudget: create clears status to the always-served zero counts; no spec defaults', () => {
  const { obj, errors } = create(kind, pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, { status: { disruptionsAllowed: 5 } }));
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  assert.equal(obj.spec.unhealthyPodEvictionPolicy, undefined);
});

test('PodDisruptionBudget validation: messages and field paths as upstream', () => {
  const both = create(kind, pdb({ minAvailable: 1, maxUnavailable: '10%', selector: { matchLabels: { app: 'web' } } }));
  assert.deepEqual(both.errors, [
    'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000010000), Selector:(*v1.LabelSelector)(0xc000010008), MaxUnavailable:(*intstr.IntOrString)(0xc000010010), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
  ]);
  assert.deepEqual(create(kind, pdb({ minAvailable: -1 })).errors, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(create(kind, pdb({ maxUnavailable: '150%' })).errors, ['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
  assert.deepEqual(create(kind, pdb({ minAvailable: 'abc' })).errors, [
    `spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
  ]);
  assert.deepEqual(create(kind, pdb({ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } })).errors, [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Bogus": not a valid selector operator',
  ]);
  assert.deepEqual(create(kind, pdb({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' })).errors, [
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
  ]);
  assert.deepEqual(create(kind, pdb({ maxUnavailable: 0, unhealthyPodEvictionPolicy: 'AlwaysAllow' })).errors, []);
  // Neither set is valid (no budget to keep).
  assert.deepEqual(create(kind, pdb({ selector: {} })).errors, []);
});

test('PodDisruptionBudget update: spec validated again (an invalid stored selector value may stay)', () => {
  const old = create(kind, pdb({ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['not valid!'] }] } })).obj;
  assert.deepEqual(update(kind, old, { ...old, spec: { ...old.spec, minAvailable: 2 } }).errors, []);
  const fresh = create(kind, pdb({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } })).obj;
  assert.deepEqual(update(kind, fresh, { ...fresh, spec: { ...fresh.spec, minAvailable: 1, maxUnavailable: 1 } }).errors.length, 1);
});

test('PodDisruptionBudget status validation', () => {
  assert.deepEqual(validatePdbStatus({ disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }).map(String), [
    'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(
    validatePdbStatus({ conditions: [{ type: 'DisruptionAllowed', status: 'Maybe', lastTransitionTime: '', reason: 'no good' }] }).map(String),
    [
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].lastTransitionTime: Required value: must be set',
      `status.conditions[0].reason: Invalid value: "no good": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')`,
    ],
  );
});

test('PodDisruptionBudget table: MIN AVAILABLE, MAX UNAVAILABLE (N/A when unset), ALLOWED DISRUPTIONS, AGE', () => {
  const t = kind.table!;
  assert.deepEqual(t.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  const o = create(kind, pdb({ minAvailable: 2 })).obj;
  o.status.disruptionsAllowed = 1;
  assert.deepEqual(t.row(o, NOW), ['web', '2', 'N/A', 1, '5m']);
  const p = create(kind, pdb({ maxUnavailable: '25%' })).obj;
  assert.deepEqual(t.row(p, NOW).slice(1, 3), ['N/A', '25%']);
});

// ---- the controller's arithmetic ----

const ts = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(name: string, o: { ready?: boolean; deleting?: boolean; owner?: string; labels?: Record<string, string> } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: o.labels ?? { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: ts(0) } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] } : {}),
    },
    spec: {},
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

const budget = (spec: Record<string, unknown>, status: Record<string, unknown> = {}, generation = 1): KObject =>
  ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status }) as KObject;

const scales: Record<string, number> = { 'uid-a': 3, 'uid-b': 2 };
const finder = async (ref: { uid: string }) => (ref.uid in scales ? { uid: ref.uid, scale: scales[ref.uid] } : undefined);

test('expected pod count: integer minAvailable counts pods; percentages and maxUnavailable use controller scale (rounded up)', async () => {
  const pods = [pod('a1', { owner: 'a' }), pod('a2', { owner: 'a' }), pod('b1', { owner: 'b' })];
  assert.deepEqual(await expectedPodCount(budget({ minAvailable: 2 }), pods, finder), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: [] });
  assert.deepEqual(await expectedPodCount(budget({ minAvailable: '50%' }), pods, finder), { expectedCount: 5, desiredHealthy: 3, unmanagedPods: [] });
  assert.deepEqual(await expectedPodCount(budget({ maxUnavailable: '30%' }), pods, finder), { expectedCount: 5, desiredHealthy: 3, unmanagedPods: [] });
  assert.deepEqual(await expectedPodCount(budget({ maxUnavailable: 9 }), pods, finder), { expectedCount: 5, desiredHealthy: 0, unmanagedPods: [] });
  assert.deepEqual(await expectedPodCount(budget({ maxUnavailable: 1 }), [...pods, pod('lonely')], finder), { expectedCount: 5, desiredHealthy: 4, unmanagedPods: ['lonely'] });
  await assert.rejects(expectedPodCount(budget({ minAvailable: '50%' }), [pod('x', { owner: 'gone' })], finder), /^Error: found no controllers for pod "x"$/);
});

test('healthy pods: Ready, not being deleted, not recently evicted; disruptedPods expire after two minutes', () => {
  const pods = [pod('p1'), pod('p2'), pod('p3', { ready: false }), pod('p4', { deleting: true }), pod('p5')];
  const pdb = budget({ minAvailable: 1 }, { disruptedPods: { p2: ts(30_000), p5: ts(3 * 60_000), p4: ts(1000), gone: ts(1000) } });
  const { disruptedPods, recheckAtMs, notDeleted } = buildDisruptedPodMap(pods, pdb, NOW);
  assert.deepEqual(disruptedPods, { p2: ts(30_000) });
  assert.equal(recheckAtMs, NOW.getTime() - 30_000 + 120_000);
  assert.deepEqual(notDeleted.map((p) => p.metadata.name), ['p5']);
  assert.equal(countHealthyPods(pods, disruptedPods, NOW), 2); // p1, p5
});

test('status: disruptionsAllowed, the DisruptionAllowed condition and when nothing is written', () => {
  const nowTs = ts(0);
  const fresh = budget({ minAvailable: 2 });
  const st = nextPdbStatus(fresh, 3, 2, 3, {}, nowTs)!;
  assert.deepEqual(st, {
    observedGeneration: 1,
    disruptionsAllowed: 1,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 3,
    conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: nowTs, reason: 'SufficientPods', message: '' }],
  });
  // Unchanged: nothing to write.
  const stored = budget({ minAvailable: 2 }, st as unknown as Record<string, unknown>);
  assert.ok(conditionsAreUpToDate(stored));
  assert.equal(nextPdbStatus(stored, 3, 2, 3, {}, ts(-5000)), undefined);
  // Fewer healthy: InsufficientPods, and the transition time moves.
  const down = nextPdbStatus(stored, 2, 2, 3, {}, ts(-5000))!;
  assert.equal(down.disruptionsAllowed, 0);
  assert.deepEqual(down.conditions, [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: ts(-5000), reason: 'InsufficientPods', message: '' }]);
  // No expected pods: no disruptions, however many are healthy.
  assert.equal(nextPdbStatus(fresh, 3, 0, 0, {}, nowTs)!.disruptionsAllowed, 0);
  // The fail-safe.
  const failed = failSafeStatus(stored, 'found no controllers for pod "x"', ts(-1000));
  assert.equal(failed.disruptionsAllowed, 0);
  assert.deepEqual(failed.conditions, [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: ts(-1000), reason: 'SyncFailed', message: 'found no controllers for pod "x"' }]);
});

test('which budgets cover a pod: v1 empty selector matches all (not for eviction), null none', () => {
  const p = pod('p');
  const all = { ...budget({}), spec: { selector: {} } } as KObject;
  const none = { ...budget({}), spec: {} } as KObject;
  const other = { ...budget({}), metadata: { name: 'o', namespace: 'other' } } as KObject;
  assert.equal(pdbsMatchingPod([all, none, other, budget({})], p).length, 2);
  assert.equal(pdbsMatchingPod([all, none, other, budget({})], p, true).length, 1);
  assert.equal(goLabelSelectorString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] }),
    '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}');
});
