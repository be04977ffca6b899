// The scheduler cache: assumed pods, confirmation by the informer, forgetting, orphan nodes,
// and the incremental per-zone counts used for spreading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { QuantityParser } from '../../src/scheduler/pod-resources.js';

const mkNode = (name: string, labels: Record<string, string> = {}): KObject => ({
  metadata: { name, labels },
  spec: {},
  status: { allocatable: { cpu: '4', memory: '8Gi' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', controller: true }] };
const mkPod = (name: string, spec: JsonObject = {}, meta: JsonObject = owner): KObject => ({
  metadata: { name, namespace: 'default', ...meta },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }], ...spec },
});

test('assume, confirm, forget', () => {
  const c = new SchedulerCache(new QuantityParser());
  c.setNode(mkNode('n1'));
  c.setNode(mkNode('n2'));
  const p = mkPod('a');
  c.assume(c.usageOf(p), 'n1');
  assert.equal(c.node('n1')!.requested.milliCpu, 500);
  assert.ok(c.isAssumed('default/a'));
  // The informer reports the binding: no longer an assumption, counted once.
  c.setBoundPod({ ...p, spec: { ...p.spec, nodeName: 'n1' } });
  assert.equal(c.isAssumed('default/a'), false);
  assert.equal(c.node('n1')!.requested.milliCpu, 500);
  c.forget('default/a');
  assert.equal(c.node('n1')!.requested.milliCpu, 500, 'a confirmed pod is not forgotten');
  // Someone else bound a pod we assumed elsewhere: it moves.
  const b = mkPod('b');
  c.assume(c.usageOf(b), 'n1');
  c.setBoundPod({ ...b, spec: { ...b.spec, nodeName: 'n2' } });
  assert.equal(c.node('n1')!.requested.milliCpu, 500);
  assert.equal(c.node('n2')!.requested.milliCpu, 500);
  // A failed binding drops the assumption.
  const d = mkPod('d');
  c.assume(c.usageOf(d), 'n2');
  c.forget('default/d');
  assert.equal(c.node('n2')!.requested.milliCpu, 500);
  assert.equal(c.node('n2')!.podCount, 1);
});

test('pods on a node not (yet) known are kept and show up when it appears', () => {
  const c = new SchedulerCache(new QuantityParser());
  c.setBoundPod(mkPod('a', { nodeName: 'late' }));
  assert.equal(c.node('late'), undefined);
  assert.equal(c.nodeCount, 0);
  c.setNode(mkNode('late'));
  assert.equal(c.node('late')!.podCount, 1);
  c.removeNode('late');
  assert.equal(c.nodeCount, 0);
  c.removePod('default/a');
  c.setNode(mkNode('late'));
  assert.equal(c.node('late')!.podCount, 0);
});

test('zone counts follow pods, labels and node removal', () => {
  const c = new SchedulerCache(new QuantityParser());
  c.setNode(mkNode('a1', { 'topology.kubernetes.io/zone': 'a' }));
  c.setNode(mkNode('b1', { 'topology.kubernetes.io/zone': 'b' }));
  c.setNode(mkNode('x'));
  c.setBoundPod(mkPod('p1', { nodeName: 'a1' }));
  c.assume(c.usageOf(mkPod('p2')), 'a1');
  c.setBoundPod(mkPod('p3', { nodeName: 'x' }));
  c.setBoundPod(mkPod('other', { nodeName: 'b1' }, {}));
  assert.equal(c.zoneCount('rs', 'a'), 2);
  assert.equal(c.zoneCount('rs', 'b'), 0);
  // Terminating pods stop counting for spreading.
  c.setBoundPod(mkPod('p1', { nodeName: 'a1' }, { ...owner, deletionTimestamp: '2026-01-01T00:00:00Z' }));
  assert.equal(c.zoneCount('rs', 'a'), 1);
  // The node moves to zone b.
  c.setNode(mkNode('a1', { 'topology.kubernetes.io/zone': 'b' }));
  assert.equal(c.zoneCount('rs', 'a'), 0);
  assert.equal(c.zoneCount('rs', 'b'), 1);
  // x gets a zone: its pod counts there.
  c.setNode(mkNode('x', { 'topology.kubernetes.io/zone': 'b' }));
  assert.equal(c.zoneCount('rs', 'b'), 2);
  c.removeNode('x');
  assert.equal(c.zoneCount('rs', 'b'), 1);
  c.forget('default/p2');
  assert.equal(c.zoneCount('rs', 'b'), 0);
});
