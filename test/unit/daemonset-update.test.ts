import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { FailedPodBackoff } from '../../src/controllers/daemonset/failed-pod-backoff.js';
import { planNode, unscheduledPodsWithoutNode } from '../../src/controllers/daemonset/manage.js';
import type { NodeVerdict } from '../../src/controllers/daemonset/node-placement.js';
import { historiesToClean, matchesDaemonSet, newDaemonSetRevision, pickCurrent, splitHistories } from '../../src/controllers/daemonset/revisions.js';
import { allowsSurge, planRollingUpdate, surgeCount, unavailableCount } from '../../src/controllers/daemonset/rolling-update.js';
import { calculateDaemonSetCounts, daemonSetStatus, daemonSetStatusUpToDate } from '../../src/controllers/daemonset/status.js';
import type { ControllerRevision } from '../../src/controllers/history/index.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const RUN: NodeVerdict = { shouldRun: true, shouldContinueRunning: true };
const KEEP: NodeVerdict = { shouldRun: false, shouldContinueRunning: true };
const NONE: NodeVerdict = { shouldRun: false, shouldContinueRunning: false };

let seq = 0;
/** A daemon pod on `node` at revision `hash`; ready `readyFor` seconds ago (undefined: not ready). */
function pod(node: string, hash: string, readyFor?: number, extra: JsonObject = {}): KObject {
  const conditions = readyFor === undefined ? [{ type: 'Ready', status: 'False' }] : [{ type: 'Ready', status: 'True', lastTransitionTime: ago(readyFor) }];
  return {
    metadata: { name: `p${++seq}-${node}-${hash}`, creationTimestamp: ago(1000 - seq), labels: { 'controller-revision-hash': hash }, ...(extra.metadata ?? {}) },
    spec: { nodeName: node },
    status: { phase: 'Running', conditions, ...(extra.status ?? {}) },
  };
}

function ds(strategy: JsonObject, minReadySeconds = 0): KObject {
  return { metadata: { name: 'ds', namespace: 'ns', uid: 'u' }, spec: { updateStrategy: strategy, minReadySeconds, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } };
}
const rolling = (maxUnavailable: number | string, maxSurge: number | string = 0) => ({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } });

function verdicts(nodes: string[], v: NodeVerdict = RUN): Map<string, NodeVerdict> {
  return new Map(nodes.map((n) => [n, v]));
}
function byNode(pods: KObject[]): Map<string, KObject[]> {
  const m = new Map<string, KObject[]>();
  for (const p of pods) m.set(p.spec.nodeName, [...(m.get(p.spec.nodeName) ?? []), p]);
  return m;
}
const nodesOf = (ps: KObject[]) => ps.map((p) => p.spec.nodeName).sort();

test('surge and unavailable counts round up against the desired count', () => {
  assert.equal(unavailableCount(ds(rolling('10%')), 11), 2);
  assert.equal(unavailableCount(ds(rolling('10%')), 10), 1);
  assert.equal(surgeCount(ds(rolling(0, '25%')), 5), 2);
  assert.equal(surgeCount(ds({ type: 'OnDelete' }), 5), 0);
  assert.equal(unavailableCount(ds({ type: 'OnDelete' }), 5), 0);
  assert.ok(allowsSurge(ds(rolling(0, 1))));
  assert.ok(!allowsSurge(ds(rolling(1, 0))));
  assert.ok(allowsSurge(ds(rolling(0, '1%'))), '1% of 1 rounds up to 1');
});

test('rolling update without surge: old available pods go while fewer than maxUnavailable nodes lack an available pod', () => {
  const nodes = ['a', 'b', 'c', 'd'];
  const old = nodes.map((n) => pod(n, 'old', 100));
  const plan = planRollingUpdate({ ds: ds(rolling(2)), verdicts: verdicts(nodes), nodeToPods: byNode(old), hash: 'new', generation: undefined, now: NOW });
  assert.equal(plan.podsToDelete.length, 2);
  assert.deepEqual(plan.nodesToCreate, []);

  // One node is already updating (new pod not ready yet): one more old pod may go.
  const mid = [pod('a', 'new'), ...['b', 'c', 'd'].map((n) => pod(n, 'old', 100))];
  assert.equal(planRollingUpdate({ ds: ds(rolling(2)), verdicts: verdicts(nodes), nodeToPods: byNode(mid), hash: 'new', generation: undefined, now: NOW }).podsToDelete.length, 1);
  // A node without any pod counts as unavailable too.
  const gap = ['b', 'c', 'd'].map((n) => pod(n, 'old', 100));
  assert.equal(planRollingUpdate({ ds: ds(rolling(1)), verdicts: verdicts(nodes), nodeToPods: byNode(gap), hash: 'new', generation: undefined, now: NOW }).podsToDelete.length, 0);
  // Old pods that are not available are replaced at once, whatever the budget.
  const broken = [pod('a', 'old'), pod('b', 'old'), pod('c', 'old', 100), pod('d', 'old', 100)];
  assert.deepEqual(nodesOf(planRollingUpdate({ ds: ds(rolling(1)), verdicts: verdicts(nodes), nodeToPods: byNode(broken), hash: 'new', generation: undefined, now: NOW }).podsToDelete), ['a', 'b']);
  // minReadySeconds: ready for 5 s of the 10 required is not available.
  const young = [pod('a', 'new', 5), ...['b', 'c', 'd'].map((n) => pod(n, 'old', 100))];
  assert.equal(planRollingUpdate({ ds: ds(rolling(1), 10), verdicts: verdicts(nodes), nodeToPods: byNode(young), hash: 'new', generation: undefined, now: NOW }).podsToDelete.length, 0);
  assert.equal(planRollingUpdate({ ds: ds(rolling(1), 3), verdicts: verdicts(nodes), nodeToPods: byNode(young), hash: 'new', generation: undefined, now: NOW }).podsToDelete.length, 1);
  // Both budgets zero (only via a misbehaving API): one unavailable node is accepted.
  const zero = planRollingUpdate({ ds: ds(rolling(0, 0)), verdicts: verdicts(nodes), nodeToPods: byNode(old), hash: 'new', generation: undefined, now: NOW });
  assert.equal(zero.maxUnavailable, 1);
  assert.equal(zero.podsToDelete.length, 1);
  // Terminating pods are not candidates, and everything updated means nothing to do.
  assert.deepEqual(planRollingUpdate({ ds: ds(rolling(4)), verdicts: verdicts(nodes), nodeToPods: byNode(nodes.map((n) => pod(n, 'new', 100))), hash: 'new', generation: undefined, now: NOW }).podsToDelete, []);
});

test('rolling update with surge: new pods start next to old ones up to maxSurge; old ones go once the new one is available', () => {
  const nodes = ['a', 'b', 'c', 'd'];
  const old = nodes.map((n) => pod(n, 'old', 100));
  const start = planRollingUpdate({ ds: ds(rolling(0, 2)), verdicts: verdicts(nodes), nodeToPods: byNode(old), hash: 'new', generation: undefined, now: NOW });
  assert.equal(start.nodesToCreate.length, 2);
  assert.deepEqual(start.podsToDelete, []);

  const surging = [pod('a', 'old', 100), pod('a', 'new', 100), pod('b', 'old', 100), pod('b', 'new'), pod('c', 'old', 100), pod('d', 'old')];
  const plan = planRollingUpdate({ ds: ds(rolling(0, 2)), verdicts: verdicts(nodes), nodeToPods: byNode(surging), hash: 'new', generation: undefined, now: NOW });
  assert.deepEqual(nodesOf(plan.podsToDelete), ['a'], 'a: the new pod is available, the old one goes');
  // b is still surging (1 of 2); d's old pod is unavailable so d gets a new pod outside the budget; c fits the remaining budget.
  assert.deepEqual([...plan.nodesToCreate].sort(), ['c', 'd']);

  // A node that no longer qualifies keeps its available old pod until enough pods elsewhere are available.
  const moving = [pod('a', 'old', 100), pod('b', 'new', 100)];
  const v = new Map<string, NodeVerdict>([['a', NONE], ['b', RUN]]);
  assert.deepEqual(planRollingUpdate({ ds: ds(rolling(0, 1)), verdicts: v, nodeToPods: byNode(moving), hash: 'new', generation: undefined, now: NOW }).podsToDelete.length, 1);
  const notYet = [pod('a', 'old', 100), pod('b', 'new')];
  assert.deepEqual(planRollingUpdate({ ds: ds(rolling(0, 1)), verdicts: v, nodeToPods: byNode(notYet), hash: 'new', generation: undefined, now: NOW }).podsToDelete, []);
});

test('planNode: create, keep the oldest, delete misscheduled, report failed pods, surge pairs', () => {
  const base = { hash: 'new', allowsSurge: false, minReadySeconds: 0, now: NOW };
  assert.deepEqual(planNode({ ...base, verdict: RUN, pods: undefined }), { create: true, deletes: [], failed: [] });
  assert.deepEqual(planNode({ ...base, verdict: KEEP, pods: undefined }), { create: false, deletes: [], failed: [] }, 'NoSchedule taint: no new pod');
  const older = pod('a', 'new', 100);
  const newer = pod('a', 'new', 100);
  assert.deepEqual(planNode({ ...base, verdict: RUN, pods: [newer, older] }).deletes, [newer], 'one pod per node: the oldest stays');
  const failed = pod('a', 'new', undefined, { status: { phase: 'Failed' } });
  const r = planNode({ ...base, verdict: RUN, pods: [failed] });
  assert.deepEqual(r.failed, [failed]);
  assert.equal(r.create, false, 'recreated after the failed pod is gone');
  assert.deepEqual(planNode({ ...base, verdict: NONE, pods: [older] }).deletes, [older], 'misscheduled');
  const terminating = pod('a', 'new', 100, { metadata: { deletionTimestamp: ago(1) } });
  assert.deepEqual(planNode({ ...base, verdict: NONE, pods: [terminating] }).deletes, [], 'already going');

  const surge = { ...base, allowsSurge: true };
  const o = pod('a', 'old', 100);
  const n = pod('a', 'new');
  assert.deepEqual(planNode({ ...surge, verdict: RUN, pods: [o, n] }).deletes, [], 'old ready, new not yet: both stay');
  assert.deepEqual(planNode({ ...surge, verdict: RUN, pods: [o, pod('a', 'new', 100)] }).deletes, [o], 'new available: old goes');
  const oldNotReady = pod('a', 'old');
  assert.deepEqual(planNode({ ...surge, verdict: RUN, pods: [oldNotReady, n] }).deletes, [oldNotReady]);
  const extra = pod('a', 'old', 100);
  assert.deepEqual(planNode({ ...surge, verdict: RUN, pods: [o, extra, n] }).deletes, [extra], 'a second old pod goes');
  assert.deepEqual(planNode({ ...surge, verdict: RUN, pods: [terminating] }), { create: true, deletes: [], failed: [] }, 'surging: a node needs a live pod');
});

test('unscheduledPodsWithoutNode: unbound pods pinned to a node that is gone', () => {
  const unbound: KObject = { metadata: { name: 'u' }, spec: {} };
  const bound: KObject = { metadata: { name: 'b' }, spec: { nodeName: 'gone' } };
  assert.deepEqual(unscheduledPodsWithoutNode(new Set(['a']), new Map([['gone', [unbound, bound]], ['a', [unbound]]])), [unbound]);
});

test('status counts: desired, current, misscheduled, ready, available, updated (oldest pod per node)', () => {
  const v = new Map<string, NodeVerdict>([['a', RUN], ['b', RUN], ['c', RUN], ['d', NONE], ['e', KEEP]]);
  const pods = [pod('a', 'new', 100), pod('b', 'old', 5), pod('d', 'old', 100), pod('e', 'new', 100)];
  const counts = calculateDaemonSetCounts({ verdicts: v, nodeToPods: byNode(pods), hash: 'new', generation: undefined, minReadySeconds: 10, now: NOW });
  assert.deepEqual(counts, { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 2, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 1, numberUnavailable: 2 });
  const set = { metadata: { name: 'ds', generation: 3 }, status: { observedGeneration: 2, ...counts } };
  assert.ok(!daemonSetStatusUpToDate(set, counts), 'generation not observed yet');
  assert.ok(daemonSetStatusUpToDate({ ...set, status: { ...set.status, observedGeneration: 3 } }, counts));
  assert.deepEqual(daemonSetStatus({ ...set, status: { collisionCount: 1 } }, counts, true), {
    currentNumberScheduled: 2,
    numberMisscheduled: 2,
    desiredNumberScheduled: 3,
    numberReady: 2,
    observedGeneration: 3,
    updatedNumberScheduled: 1,
    numberAvailable: 1,
    numberUnavailable: 2,
    collisionCount: 1,
  });
  const zero = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  assert.deepEqual(daemonSetStatus(set, zero, false), { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, observedGeneration: 2 });
});

test('DaemonSet revisions: snapshot shape, matching, keeper among duplicates, clean-up skips live hashes', () => {
  const d: KObject = { ...ds(rolling(1)), metadata: { name: 'ds', namespace: 'ns', uid: 'u', annotations: { a: 'b' } }, status: {} };
  const r = newDaemonSetRevision(d, 4);
  const hash = r.metadata.labels!['controller-revision-hash'];
  assert.equal(r.metadata.name, `ds-${hash}`);
  assert.deepEqual(r.metadata.labels, { app: 'd', 'controller-revision-hash': hash });
  assert.deepEqual(r.metadata.annotations, { a: 'b' });
  assert.equal(r.revision, 4);
  assert.ok(matchesDaemonSet(d, r));
  const changed = { ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [{ name: 'c', image: 'i:2' }] } } } };
  assert.ok(!matchesDaemonSet(changed, r));
  assert.notEqual(newDaemonSetRevision(changed, 5).metadata.name, r.metadata.name);
  assert.notEqual(newDaemonSetRevision({ ...d, status: { collisionCount: 1 } }, 4).metadata.name, r.metadata.name, 'collisionCount changes the name');
  const split = splitHistories(d, [r, newDaemonSetRevision(changed, 5)]);
  assert.deepEqual([split.current.length, split.old.length], [1, 1]);

  const rev = (name: string, revision: number, h: string): ControllerRevision => ({ metadata: { name, labels: { 'controller-revision-hash': h } }, revision });
  assert.equal(pickCurrent([rev('x', 3, 'x'), rev('y', 5, 'y'), rev('z', 5, 'z')]).metadata.name, 'z');
  const old = [rev('r3', 3, 'h3'), rev('r1', 1, 'h1'), rev('r2', 2, 'h2'), rev('r4', 4, 'h4')];
  assert.deepEqual(historiesToClean(old, 2, new Set(['h1'])).map((h) => h.metadata.name), ['r2', 'r3']);
  assert.deepEqual(historiesToClean(old, 4, new Set()), []);
});

test('FailedPodBackoff: 1 s doubling to the maximum, reset after twice the maximum idle', () => {
  const b = new FailedPodBackoff(1000, 8000);
  const t0 = 1_000_000;
  assert.ok(!b.inBackoffSinceUpdate('k', t0));
  b.next('k', t0);
  assert.equal(b.get('k'), 1000);
  assert.ok(b.inBackoffSinceUpdate('k', t0 + 999));
  assert.ok(!b.inBackoffSinceUpdate('k', t0 + 1000));
  for (let i = 0; i < 5; i++) b.next('k', t0 + 1000);
  assert.equal(b.get('k'), 8000, 'capped');
  b.next('k', t0 + 1000 + 16_001);
  assert.equal(b.get('k'), 1000, 'expired entries start over');
  b.gc(t0 + 1000 + 16_001 + 16_001);
  assert.equal(b.get('k'), 0);
});
