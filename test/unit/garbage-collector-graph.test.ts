// The garbage collector's dependency graph: which uids it queues, for which informer events
// (upstream GraphBuilder.processGraphChanges semantics).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, OwnerReference } from '../../src/api/types.js';
import { alternateOwnerIdentity, DependencyGraph, GraphNode, partitionDependents, type GraphSink } from '../../src/controllers/garbage-collector/graph.js';
import type { Identity } from '../../src/controllers/garbage-collector/references.js';

class Recorder implements GraphSink {
  deletes: string[] = [];
  rateLimited: string[] = [];
  orphans: string[] = [];
  absent: Identity[] = [];
  invalid: { dep: string; owner: string }[] = [];
  attemptToDelete(uid: string, rateLimited?: boolean): void {
    (rateLimited ? this.rateLimited : this.deletes).push(uid);
  }
  attemptToOrphan(uid: string): void {
    this.orphans.push(uid);
  }
  ownerAbsent(id: Identity): void {
    this.absent.push(id);
  }
  invalidNamespaceOwnerRef(dep: GraphNode, ref: OwnerReference): void {
    this.invalid.push({ dep: dep.identity.uid, owner: ref.uid });
  }
  clear(): void {
    this.deletes = [];
    this.rateLimited = [];
    this.orphans = [];
    this.absent = [];
    this.invalid = [];
  }
}

function setup(): { g: DependencyGraph; r: Recorder } {
  const r = new Recorder();
  return { g: new DependencyGraph(r), r };
}

function rs(uid: string, meta: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `rs-${uid}`, namespace: 'ns', uid, ...meta } };
}

function pod(uid: string, owners: OwnerReference[], meta: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${uid}`, namespace: 'ns', uid, ownerReferences: owners, ...meta } };
}

function ref(owner: KObject, block?: boolean): OwnerReference {
  const r: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name!, uid: owner.metadata.uid! };
  if (block !== undefined) r.blockOwnerDeletion = block;
  return r;
}

const addRs = (g: DependencyGraph, o: KObject) => g.observe('add', o, 'apps/v1', 'ReplicaSet');
const addPod = (g: DependencyGraph, o: KObject) => g.observe('add', o, 'v1', 'Pod');

test('a dependent seen before its owner creates a virtual owner, queued for a live check', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addPod(g, pod('p1', [ref(owner)]));
  const v = g.get('o1');
  assert.ok(v?.virtual);
  assert.deepEqual(v.identity, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-o1', uid: 'o1', namespace: 'ns' });
  assert.deepEqual(r.deletes, ['o1']);
  r.clear();
  addRs(g, owner);
  assert.equal(g.get('o1')!.virtual, false, 'observed through an informer');
  assert.deepEqual([...g.get('o1')!.dependents].map((d) => d.identity.uid), ['p1']);
  assert.deepEqual(r.deletes, [], 'coordinates agree: nothing to re-check');
});

test('an owner seen first is linked without any lookup', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  addPod(g, pod('p1', [ref(owner)]));
  assert.deepEqual(r.deletes, []);
  assert.deepEqual([...g.get('o1')!.dependents].map((d) => d.identity.uid), ['p1']);
});

test('deleting an owner queues its dependents and records it absent', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  addPod(g, pod('p1', [ref(owner)]));
  addPod(g, pod('p2', [ref(owner)]));
  g.observe('delete', owner, 'apps/v1', 'ReplicaSet');
  assert.equal(g.get('o1'), undefined);
  assert.deepEqual(r.deletes.sort(), ['p1', 'p2']);
  assert.deepEqual(r.absent, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-o1', uid: 'o1', namespace: 'ns' }]);
});

test('deleting an owner without dependents records nothing absent', () => {
  const { g, r } = setup();
  addRs(g, rs('o1'));
  g.observe('delete', rs('o1'), 'apps/v1', 'ReplicaSet');
  assert.deepEqual(r.absent, []);
  assert.deepEqual(r.deletes, []);
});

test('foreground deletion starting queues the owner and all its dependents, once', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  addPod(g, pod('p1', [ref(owner, true)]));
  addPod(g, pod('p2', [ref(owner, false)]));
  const deleting = rs('o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
  g.observe('update', deleting, 'apps/v1', 'ReplicaSet', owner);
  const n = g.get('o1')!;
  assert.ok(n.deletingDependents);
  assert.ok(n.beingDeleted);
  assert.deepEqual(r.deletes.sort(), ['o1', 'p1', 'p2']);
  r.clear();
  // A resync (same object as old and new) starts nothing again.
  g.observe('update', deleting, 'apps/v1', 'ReplicaSet', deleting);
  assert.deepEqual(r.deletes, []);
  assert.deepEqual(n.blockingDependents().map((d) => d.identity.uid), ['p1']);
});

test('an object first seen already deleting in the foreground is treated as such', () => {
  const { g, r } = setup();
  addRs(g, rs('o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
  assert.ok(g.get('o1')!.deletingDependents);
  assert.deepEqual(r.deletes, ['o1']);
});

test('orphan deletion starting queues the owner for orphaning only', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  addPod(g, pod('p1', [ref(owner)]));
  g.observe('update', rs('o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] }), 'apps/v1', 'ReplicaSet', owner);
  assert.deepEqual(r.orphans, ['o1']);
  assert.deepEqual(r.deletes, []);
  assert.ok(g.get('o1')!.orphaning);
  assert.equal(g.get('o1')!.deletingDependents, false);
});

test('a dependent going away re-queues an owner that waits for its dependents', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  const other = rs('o2');
  addRs(g, owner);
  addRs(g, other);
  const p = pod('p1', [ref(owner, true), ref(other)]);
  addPod(g, p);
  g.observe('update', rs('o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }), 'apps/v1', 'ReplicaSet', owner);
  r.clear();
  g.observe('delete', p, 'v1', 'Pod');
  assert.deepEqual(r.deletes, ['o1'], 'only the owner deleting its dependents');
  assert.equal(g.get('o1')!.dependents.size, 0);
  assert.equal(g.get('o2')!.dependents.size, 0);
});

test('removing a blocking reference, or making it non-blocking, re-queues that owner', () => {
  const { g, r } = setup();
  const a = rs('a');
  const b = rs('b');
  const c = rs('c');
  addRs(g, a);
  addRs(g, b);
  addRs(g, c);
  const p = pod('p', [ref(a, true), ref(b, true), ref(c, false)]);
  addPod(g, p);
  g.observe('update', pod('p', [ref(b, false)]), 'v1', 'Pod', p);
  assert.deepEqual(r.deletes.sort(), ['a', 'b'], 'a removed while blocking, b unblocked; c was never blocking');
  assert.deepEqual([...g.get('a')!.dependents], []);
  assert.deepEqual([...g.get('c')!.dependents], []);
  assert.deepEqual([...g.get('b')!.dependents].map((d) => d.identity.uid), ['p']);
});

test('a namespaced owner observed in another namespace is reported and its dependent checked (owner seen first)', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  addPod(g, pod('p1', [ref(owner)], { namespace: 'other' }));
  assert.deepEqual(r.invalid, [{ dep: 'p1', owner: 'o1' }]);
  assert.deepEqual(r.deletes, ['p1']);
});

test('a namespaced owner observed in another namespace is reported and its dependent checked (dependent seen first)', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addPod(g, pod('p1', [ref(owner)], { namespace: 'other' }));
  r.clear();
  addRs(g, owner);
  assert.deepEqual(r.invalid, [{ dep: 'p1', owner: 'o1' }]);
  assert.deepEqual(r.deletes, ['p1']);
  assert.equal(g.get('o1')!.identity.namespace, 'ns', 'the node takes the observed identity');
});

test('a cluster-scoped owner may own objects of any namespace', () => {
  const { g, r } = setup();
  const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n1' } };
  g.observe('add', node, 'v1', 'Node');
  g.observe('add', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease', uid: 'l1', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'n1' }] } }, 'coordination.k8s.io/v1', 'Lease');
  assert.deepEqual(r.invalid, []);
  assert.deepEqual(r.deletes, []);
});

test('a reference whose coordinates disagree with the observed owner gets the dependent checked', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  addPod(g, pod('p1', [{ ...ref(owner), kind: 'Deployment' }]));
  assert.deepEqual(r.deletes, ['p1']);
  assert.deepEqual(r.invalid, []);
});

test('a virtual delete removes a virtual owner and queues its dependents', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addPod(g, pod('p1', [ref(owner)]));
  r.clear();
  g.virtualDelete(g.get('o1')!.identity);
  assert.equal(g.get('o1'), undefined);
  assert.deepEqual(r.deletes, ['p1']);
  assert.equal(r.absent.length, 1);
});

test('a virtual delete under one set of coordinates keeps a virtual owner other dependents name differently', () => {
  const { g, r } = setup();
  addPod(g, pod('p1', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'o1' }]));
  addPod(g, pod('p2', [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'o1' }]));
  r.clear();
  const first = g.get('o1')!.identity;
  assert.equal(first.kind, 'ReplicaSet');
  g.virtualDelete(first);
  const n = g.get('o1');
  assert.ok(n, 'kept: p2 names it otherwise');
  assert.equal(n.identity.kind, 'Deployment', 'now checked under the other coordinates');
  assert.deepEqual(r.deletes, ['p1']);
  assert.deepEqual(r.rateLimited, ['o1']);
  assert.deepEqual(r.absent, [first]);
});

test('a virtual delete never removes an observed node known under other coordinates', () => {
  const { g, r } = setup();
  const owner = rs('o1');
  addRs(g, owner);
  g.virtualDelete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'rs-o1', uid: 'o1', namespace: 'ns' });
  assert.ok(g.get('o1'));
  assert.deepEqual(r.deletes, []);
});

test('partitionDependents and alternateOwnerIdentity follow upstream', () => {
  const { g } = setup();
  addPod(g, pod('p1', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'o1' }]));
  addPod(g, pod('p2', [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'x', uid: 'o1' }]));
  addPod(g, pod('p3', [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'o1' }]));
  const deps = [...g.get('o1')!.dependents];
  const rsId: Identity = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'o1', namespace: 'ns' };
  const { matching, nonmatching } = partitionDependents(deps, rsId);
  assert.deepEqual(matching.map((d) => d.identity.uid), ['p1']);
  assert.deepEqual(nonmatching.map((d) => d.identity.uid).sort(), ['p2', 'p3']);
  // The first following ReplicaSet in (kind, apiVersion, namespace, name, uid) order is StatefulSet.
  assert.equal(alternateOwnerIdentity(deps, rsId)?.kind, 'StatefulSet');
  // After StatefulSet there is none following: wrap to the first, Deployment.
  assert.equal(alternateOwnerIdentity(deps, { ...rsId, kind: 'StatefulSet' })?.kind, 'Deployment');
  // A dependent in another namespace never matches a namespaced owner.
  assert.deepEqual(partitionDependents(deps, { ...rsId, namespace: 'elsewhere' }).matching, []);
});

test('changing owners moves the dependent between owners', () => {
  const { g, r } = setup();
  const a = rs('a');
  addRs(g, a);
  const p = pod('p', [ref(a)]);
  addPod(g, p);
  const b = rs('b');
  g.observe('update', pod('p', [ref(b)]), 'v1', 'Pod', p);
  assert.equal(g.get('a')!.dependents.size, 0);
  assert.ok(g.get('b')!.virtual);
  assert.deepEqual(r.deletes, ['b']);
});

test('nodes carry the blockOwnerDeletion of the references to them', () => {
  const owner = new GraphNode({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'o', uid: 'o', namespace: 'ns' }, [], false);
  const mk = (uid: string, block?: boolean) => {
    const d = new GraphNode({ apiVersion: 'v1', kind: 'Pod', name: uid, uid, namespace: 'ns' }, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'o', uid: 'o', blockOwnerDeletion: block }], false);
    owner.dependents.add(d);
  };
  mk('blocking', true);
  mk('explicit-false', false);
  mk('unset');
  assert.deepEqual(owner.blockingDependents().map((d) => d.identity.uid), ['blocking']);
});
