// Pure rules of the node lifecycle and taint eviction controllers: toleration matching,
// eviction deadlines, silent-node conditions, controller taints, zone disruption, health probes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { VirtualClock } from '../../src/util/clock.js';
import { evictionDeadline, taintStart, taintTimeAdded } from '../../src/controllers/node-lifecycle/eviction-deadline.js';
import { planNodeTaints, silentNodeConditions } from '../../src/controllers/node-lifecycle/node-health.js';
import { NodeHealthTracker } from '../../src/controllers/node-lifecycle/node-health-tracker.js';
import { updatePodCondition } from '../../src/controllers/node-lifecycle/pod-conditions.js';
import { matchingTolerations, toleratesTaint, type Taint, type Toleration } from '../../src/controllers/node-lifecycle/taints.js';
import { computeZoneState, DisruptionGuard, TokenBucket, zoneKeyOf } from '../../src/controllers/node-lifecycle/zone-disruption.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function node(name: string, ready: string | undefined, extra: Partial<KObject> = {}): KObject {
  const conditions = ready
    ? [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0) },
        { type: 'Ready', status: ready, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0) },
      ]
    : [];
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, creationTimestamp: iso(T0), resourceVersion: '1' }, spec: {}, status: { conditions }, ...extra };
}

function pod(tolerations: Toleration[], created = T0): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', creationTimestamp: iso(created) }, spec: { tolerations } };
}

const unreachable = (added = T0): Taint => ({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(added) });

test('toleratesTaint follows the upstream operator, key and effect rules', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  const cases: [Toleration, boolean][] = [
    [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, true],
    [{ key: 'k', value: 'v' }, true], // empty operator is Equal, empty effect matches all
    [{ key: 'k', operator: 'Equal', value: 'other' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true], // empty key with Exists tolerates everything
    [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ key: 'k', operator: 'Gt', value: 'v' }, false],
  ];
  for (const [tol, want] of cases) assert.equal(toleratesTaint(tol, taint), want, JSON.stringify(tol));
});

test('matchingTolerations returns the first match per taint, or undefined if one is not tolerated', () => {
  const a: Taint = { key: 'a', effect: 'NoExecute' };
  const b: Taint = { key: 'b', effect: 'NoExecute' };
  const ta: Toleration = { key: 'a', operator: 'Exists', tolerationSeconds: 5 };
  const all: Toleration = { operator: 'Exists' };
  assert.deepEqual(matchingTolerations([a, b], [ta, all]), [ta, all]);
  assert.equal(matchingTolerations([a, b], [ta]), undefined);
  assert.deepEqual(matchingTolerations([], []), []);
});

test('evictionDeadline: untolerated now, unbounded never, else the smallest tolerationSeconds after timeAdded', () => {
  const since = (t: Taint) => taintTimeAdded(t) ?? 0;
  assert.deepEqual(evictionDeadline(pod([]), [unreachable()], since), { kind: 'now' });
  assert.deepEqual(evictionDeadline(pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]), [unreachable()], since), { kind: 'never' });
  assert.deepEqual(
    evictionDeadline(pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), [unreachable(T0 + 5000)], since),
    { kind: 'at', ms: T0 + 5000 + 300_000 },
  );
  assert.deepEqual(evictionDeadline(pod([{ operator: 'Exists', tolerationSeconds: 0 }]), [unreachable()], since), { kind: 'now' });
  assert.deepEqual(evictionDeadline(pod([{ operator: 'Exists', tolerationSeconds: -5 }]), [unreachable()], since), { kind: 'now' });
  // Two taints: the earliest deadline wins; an unbounded toleration of one does not protect from the other.
  const other: Taint = { key: 'x', effect: 'NoExecute', timeAdded: iso(T0) };
  const tols: Toleration[] = [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    { key: 'x', operator: 'Exists', tolerationSeconds: 60 },
  ];
  assert.deepEqual(evictionDeadline(pod(tols), [unreachable(), other], since), { kind: 'at', ms: T0 + 60_000 });
  // A pod created after the taint counts from its creation.
  assert.deepEqual(evictionDeadline(pod([tols[0]], T0 + 100_000), [unreachable()], since), { kind: 'at', ms: T0 + 400_000 });
  // No timeAdded: the caller's first-seen time is used.
  assert.deepEqual(evictionDeadline(pod([tols[0]]), [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], () => T0 + 7000), { kind: 'at', ms: T0 + 307_000 });
});

test('taintStart refines the whole-second timeAdded by the first sighting within that second', () => {
  assert.equal(taintStart(T0, T0 + 400), T0 + 400);
  assert.equal(taintStart(T0, T0 + 1000), T0, 'seen later (e.g. after a restart): timeAdded counts');
  assert.equal(taintStart(T0, T0 - 5), T0);
  assert.equal(taintStart(undefined, T0 + 7), T0 + 7);
});

test('silentNodeConditions: owned conditions become Unknown with the upstream reason and message', () => {
  const now = new Date(T0 + 60_000);
  const n = node('n1', 'True');
  n.status.conditions.push({ type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', message: 'ok', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0) });
  const out = silentNodeConditions(n, now);
  const by = Object.fromEntries(out.map((c) => [c.type, c]));
  assert.deepEqual(by.Ready, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0 + 60_000) });
  assert.equal(by.MemoryPressure.status, 'Unknown');
  assert.equal(by.MemoryPressure.lastHeartbeatTime, iso(T0));
  // Missing ones are added as never updated, with the node's creation as heartbeat.
  assert.deepEqual(by.DiskPressure, { type: 'DiskPressure', status: 'Unknown', lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0 + 60_000), reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  assert.equal(by.PIDPressure.reason, 'NodeStatusNeverUpdated');
  // NetworkUnavailable belongs to the network plugin.
  assert.equal(by.NetworkUnavailable.status, 'False');
  // The input is untouched; an already Unknown condition keeps its transition time.
  assert.equal(n.status.conditions[1].status, 'True');
  const again = silentNodeConditions({ ...n, status: { conditions: out } }, new Date(T0 + 120_000));
  assert.equal(again.find((c) => c.type === 'Ready')!.lastTransitionTime, iso(T0 + 60_000));
});

test('planNodeTaints: Unknown gets unreachable NoSchedule and NoExecute; Ready removes only managed taints', () => {
  const now = new Date(T0 + 1000);
  const allow = { suppressNoExecute: false, mayAddNoExecute: () => true };
  const silent = node('n1', 'Unknown', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } });
  const p = planNodeTaints(silent, now, allow);
  assert.equal(p.changed, true);
  assert.deepEqual(p.taints, [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: iso(T0 + 1000) },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(T0 + 1000) },
  ]);
  // Stable: planning again on the result changes nothing.
  assert.equal(planNodeTaints({ ...silent, spec: { taints: p.taints } }, new Date(T0 + 9000), allow).changed, false);
  // Back to Ready: the user's taint stays, the controller's go.
  const back = planNodeTaints(node('n1', 'True', { spec: { taints: p.taints } }), now, allow);
  assert.deepEqual(back.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
});

test('planNodeTaints: Ready False swaps unreachable for not-ready at once, even when adding is not allowed', () => {
  const deny = { suppressNoExecute: false, mayAddNoExecute: () => false };
  const tainted = node('n1', 'False', {
    spec: {
      taints: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: iso(T0) },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(T0) },
      ],
    },
  });
  const p = planNodeTaints(tainted, new Date(T0 + 5000), deny);
  assert.deepEqual(
    p.taints.map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute'],
  );
  assert.equal(p.deferredNoExecute, false);
  // A first NoExecute taint waits for permission; the NoSchedule one does not.
  const first = planNodeTaints(node('n2', 'False'), new Date(T0), deny);
  assert.deepEqual(first.taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/not-ready:NoSchedule']);
  assert.equal(first.deferredNoExecute, true);
  // Cluster-wide disruption removes NoExecute taints.
  const sup = planNodeTaints(tainted, new Date(T0), { suppressNoExecute: true, mayAddNoExecute: () => true });
  assert.deepEqual(sup.taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/not-ready:NoSchedule']);
});

test('planNodeTaints: cordon and pressure conditions map to NoSchedule taints', () => {
  const n = node('n1', 'True', { spec: { unschedulable: true } });
  n.status.conditions[0].status = 'True'; // MemoryPressure
  const p = planNodeTaints(n, new Date(T0), { suppressNoExecute: false, mayAddNoExecute: () => true });
  assert.deepEqual(p.taints.map((t) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
});

test('zone state: full when none ready, partial when more than 2 and at least 55% are not', () => {
  assert.equal(computeZoneState(['Unknown'], 0.55).state, 'FullDisruption');
  assert.equal(computeZoneState(['True', 'Unknown'], 0.55).state, 'Normal');
  assert.equal(computeZoneState(['True', 'False', 'Unknown'], 0.55).state, 'Normal');
  assert.equal(computeZoneState(['True', 'False', 'Unknown', undefined], 0.55).state, 'PartialDisruption');
  assert.equal(zoneKeyOf(node('a', 'True')), '');
  assert.equal(zoneKeyOf({ metadata: { name: 'a', labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' } } }), 'r:\u0000:z');
});

test('DisruptionGuard: a lone failed node is full disruption (no NoExecute); a healthy peer lifts it', () => {
  const clock = new VirtualClock(T0);
  const g = new DisruptionGuard({ clock, evictionLimiterQps: 0.1, secondaryEvictionLimiterQps: 0.01, largeClusterThreshold: 50, unhealthyZoneThreshold: 0.55 });
  const a = node('a', 'Unknown');
  const b = node('b', 'True');
  assert.equal(g.update([{ node: a, readyStatus: 'Unknown' }]), 'entered');
  assert.equal(g.fullyDisrupted, true);
  assert.deepEqual(g.tryAddNoExecute(''), { ok: false, retryMs: Infinity });
  assert.equal(g.update([{ node: a, readyStatus: 'Unknown' }, { node: b, readyStatus: 'True' }]), 'exited');
  assert.equal(g.fullyDisrupted, false);
  // The limiter swapped in on leaving starts drained (as SwapLimiter from a never-limiter),
  // then allows one taint per 10 s (0.1 per second, burst 1).
  assert.deepEqual(g.tryAddNoExecute(''), { ok: false, retryMs: 10_000 });
  clock.advance(10_000);
  assert.deepEqual(g.tryAddNoExecute(''), { ok: true });
  assert.deepEqual(g.tryAddNoExecute(''), { ok: false, retryMs: 10_000 });
});

test('DisruptionGuard: a healthy zone allows one NoExecute taint at once, then one per 10 s', () => {
  const clock = new VirtualClock(T0);
  const g = new DisruptionGuard({ clock, evictionLimiterQps: 0.1, secondaryEvictionLimiterQps: 0.01, largeClusterThreshold: 50, unhealthyZoneThreshold: 0.55 });
  assert.equal(g.update([{ node: node('a', 'Unknown'), readyStatus: 'Unknown' }, { node: node('b', 'True'), readyStatus: 'True' }]), undefined);
  assert.equal(g.zoneState(''), 'Normal');
  assert.deepEqual(g.tryAddNoExecute(''), { ok: true });
  clock.advance(4_000);
  assert.deepEqual(g.tryAddNoExecute(''), { ok: false, retryMs: 6_000 });
});

test('DisruptionGuard: a partially disrupted small zone stops tainting', () => {
  const clock = new VirtualClock(T0);
  const g = new DisruptionGuard({ clock, evictionLimiterQps: 0.1, secondaryEvictionLimiterQps: 0.01, largeClusterThreshold: 50, unhealthyZoneThreshold: 0.55 });
  const statuses = ['True', 'Unknown', 'Unknown', 'Unknown'];
  g.update(statuses.map((s, i) => ({ node: node(`n${i}`, s), readyStatus: s })));
  assert.equal(g.zoneState(''), 'PartialDisruption');
  assert.equal(g.tryAddNoExecute('').ok, false);
  const bucket = new TokenBucket(clock, 0);
  assert.equal(bucket.tryAccept(), false);
  assert.equal(bucket.msUntilToken(), Infinity);
});

test('NodeHealthTracker: silence counts from the last lease renewal or heartbeat the controller saw', () => {
  const t = new NodeHealthTracker({ monitorGraceMs: 40_000, startupGraceMs: 60_000 });
  const n = node('n1', 'True');
  const lease = (renew: number): KObject => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime: new Date(renew).toISOString().replace('Z', '000Z') } });
  // First sight: probe is "now", whatever the timestamps say (no judging on stale data after a restart).
  assert.deepEqual(t.observe(n, lease(T0 - 3_600_000), T0 + 100_000), { graceMs: 40_000, probeMs: T0 + 100_000, silent: false });
  assert.equal(t.observe(n, lease(T0 - 3_600_000), T0 + 140_000).silent, false);
  assert.equal(t.observe(n, lease(T0 - 3_600_000), T0 + 140_001).silent, true);
  // A renewal seen later moves the probe to when it was seen.
  assert.deepEqual(t.observe(n, lease(T0 + 150_000), T0 + 150_500), { graceMs: 40_000, probeMs: T0 + 150_500, silent: false });
  // A new Ready heartbeat does too.
  const beat = structuredClone(n);
  beat.status.conditions[1].lastHeartbeatTime = iso(T0 + 160_000);
  assert.equal(t.observe(beat, lease(T0 + 150_000), T0 + 170_000).probeMs, T0 + 170_000);
  // Never posted a Ready condition: the startup grace from creation.
  const fresh = node('n2', undefined);
  assert.deepEqual(t.observe(fresh, undefined, T0 + 60_000), { graceMs: 60_000, probeMs: T0, silent: false });
  assert.equal(t.observe(fresh, undefined, T0 + 60_001).silent, true);
});

test('updatePodCondition keeps the transition time unless the status changes', () => {
  const conds = [{ type: 'Ready', status: 'True', reason: 'r', lastTransitionTime: iso(T0) }];
  const same = updatePodCondition(conds, { type: 'Ready', status: 'True', reason: 'r' }, iso(T0 + 1000));
  assert.equal(same.changed, false);
  assert.equal(same.condition.lastTransitionTime, iso(T0));
  const flip = updatePodCondition(conds, { type: 'Ready', status: 'False', reason: 'r' }, iso(T0 + 1000));
  assert.equal(flip.changed, true);
  assert.equal(flip.condition.lastTransitionTime, iso(T0 + 1000));
  const added = updatePodCondition(conds, { type: 'DisruptionTarget', status: 'True' }, iso(T0 + 2000));
  assert.deepEqual(added.conditions.map((c) => c.type), ['Ready', 'DisruptionTarget']);
  assert.equal(conds.length, 1);
});
