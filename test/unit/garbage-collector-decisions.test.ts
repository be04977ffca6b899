// The garbage collector's decisions for one dependent, the reference helpers and the absent-owner
// cache (upstream attemptToDeleteItem / classifyReferences / patch.go semantics).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, OwnerReference } from '../../src/api/types.js';
import { AbsentOwnerCache } from '../../src/controllers/garbage-collector/absent-owner-cache.js';
import { classifyOwner, decide, type ClassifiedRef, type Decision, type OwnerClass } from '../../src/controllers/garbage-collector/decisions.js';
import {
  deleteOwnerRefsPatch,
  deletionStartsWithFinalizer,
  formatIdentity,
  referencesDiffs,
  unblockOwnerRefsPatch,
} from '../../src/controllers/garbage-collector/references.js';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, ...extra });

function item(finalizers?: string[]): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'p', finalizers } };
}

const refs = (...classes: OwnerClass[]): ClassifiedRef[] => classes.map((cls, i) => ({ ref: ref(`o${i}`), cls }));
const noDeps = { count: 0, anyDeletingDependents: false };

test('decide: table of upstream outcomes', () => {
  const cases: { name: string; latest: KObject; refs: ClassifiedRef[]; deps: { count: number; anyDeletingDependents: boolean }; want: Decision }[] = [
    { name: 'no owners', latest: item(), refs: [], deps: noDeps, want: { action: 'none' } },
    { name: 'live owner', latest: item(), refs: refs('solid'), deps: noDeps, want: { action: 'none' } },
    { name: 'all owners live', latest: item(), refs: refs('solid', 'solid'), deps: noDeps, want: { action: 'none' } },
    { name: 'live + dead: drop the dead reference', latest: item(), refs: refs('solid', 'dangling'), deps: noDeps, want: { action: 'removeRefs', ownerUids: ['o1'] } },
    {
      name: 'live + dead + waiting: drop both',
      latest: item(),
      refs: refs('dangling', 'solid', 'waiting'),
      deps: noDeps,
      want: { action: 'removeRefs', ownerUids: ['o0', 'o2'] },
    },
    { name: 'only dead owners: background delete', latest: item(), refs: refs('dangling', 'dangling'), deps: { count: 3, anyDeletingDependents: false }, want: { action: 'delete', policy: 'Background', unblockFirst: false } },
    { name: 'dead owner, item asks for orphan', latest: item(['orphan']), refs: refs('dangling'), deps: noDeps, want: { action: 'delete', policy: 'Orphan', unblockFirst: false } },
    { name: 'dead owner, item asks for foreground', latest: item(['foregroundDeletion']), refs: refs('dangling'), deps: noDeps, want: { action: 'delete', policy: 'Foreground', unblockFirst: false } },
    { name: 'waiting owner, no dependents: background', latest: item(), refs: refs('waiting'), deps: noDeps, want: { action: 'delete', policy: 'Background', unblockFirst: false } },
    { name: 'waiting owner, dependents: foreground', latest: item(), refs: refs('waiting', 'dangling'), deps: { count: 2, anyDeletingDependents: false }, want: { action: 'delete', policy: 'Foreground', unblockFirst: false } },
    {
      name: 'waiting owner, a dependent deleting its own dependents: unblock first (cycle guard)',
      latest: item(),
      refs: refs('waiting'),
      deps: { count: 1, anyDeletingDependents: true },
      want: { action: 'delete', policy: 'Foreground', unblockFirst: true },
    },
    { name: 'waiting owner, dependents, item asks for orphan: still foreground', latest: item(['orphan']), refs: refs('waiting'), deps: { count: 1, anyDeletingDependents: false }, want: { action: 'delete', policy: 'Foreground', unblockFirst: false } },
  ];
  for (const c of cases) assert.deepEqual(decide(c.latest, c.refs, c.deps), c.want, c.name);
});

test('classifyOwner: dangling, waiting or solid from the live owner', () => {
  const r = ref('u1');
  const owner = (meta: Partial<KObject['metadata']> = {}): KObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs-u1', namespace: 'ns', uid: 'u1', ...meta } });
  assert.equal(classifyOwner(r, undefined), 'dangling');
  assert.equal(classifyOwner(r, owner({ uid: 'someone-else' })), 'dangling', 'same name, other uid');
  assert.equal(classifyOwner(r, owner()), 'solid');
  assert.equal(classifyOwner(r, owner({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] })), 'waiting');
  assert.equal(classifyOwner(r, owner({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] })), 'solid', 'an orphaning owner keeps its dependents');
  assert.equal(classifyOwner(r, owner({ finalizers: ['foregroundDeletion'] })), 'solid', 'the finalizer alone is not a deletion');
});

test('referencesDiffs: added, removed and changed by uid', () => {
  const a = ref('a');
  const b = ref('b', { blockOwnerDeletion: true });
  const c = ref('c');
  const bUnblocked = { ...b, blockOwnerDeletion: false };
  const d = referencesDiffs([a, b], [bUnblocked, c]);
  assert.deepEqual(d.added, [c]);
  assert.deepEqual(d.removed, [a]);
  assert.deepEqual(d.changed, [{ oldRef: b, newRef: bUnblocked }]);
  const same = referencesDiffs([a, b], [b, a]);
  assert.deepEqual(same, { added: [], removed: [], changed: [] }, 'order does not matter');
});

test('patches: strategic merge delete by uid, unblock only the blocking references', () => {
  assert.deepEqual(deleteOwnerRefsPatch('dep', ['o1', 'o2']), {
    metadata: { ownerReferences: [{ $patch: 'delete', uid: 'o1' }, { $patch: 'delete', uid: 'o2' }], uid: 'dep' },
  });
  const blocking = ref('o1', { controller: true, blockOwnerDeletion: true });
  assert.deepEqual(unblockOwnerRefsPatch('dep', [blocking, ref('o2')]), {
    metadata: { ownerReferences: [{ ...blocking, blockOwnerDeletion: false }], uid: 'dep' },
  });
});

test('deletionStartsWithFinalizer: only the transition counts', () => {
  const live: KObject = { metadata: { name: 'x', finalizers: ['foregroundDeletion'] } };
  const deleting: KObject = { metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] } };
  const deletingOther: KObject = { metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['example.com/x'] } };
  assert.equal(deletionStartsWithFinalizer(undefined, deleting, 'foregroundDeletion'), true, 'first sighting');
  assert.equal(deletionStartsWithFinalizer(live, deleting, 'foregroundDeletion'), true);
  assert.equal(deletionStartsWithFinalizer(deletingOther, deleting, 'foregroundDeletion'), true, 'finalizer added later');
  assert.equal(deletionStartsWithFinalizer(deleting, deleting, 'foregroundDeletion'), false, 'resync');
  assert.equal(deletionStartsWithFinalizer(undefined, live, 'foregroundDeletion'), false, 'not being deleted');
  assert.equal(deletionStartsWithFinalizer(undefined, deletingOther, 'foregroundDeletion'), false, 'other finalizer');
});

test('formatIdentity prints objectReference.String()', () => {
  assert.equal(
    formatIdentity({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u-1', namespace: 'team' }),
    '[apps/v1/ReplicaSet, namespace: team, name: web, uid: u-1]',
  );
});

test('AbsentOwnerCache: full identities, least recently used evicted first', () => {
  const id = (uid: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, namespace: 'ns' });
  const c = new AbsentOwnerCache(2);
  c.add(id('a'));
  c.add(id('b'));
  assert.ok(c.has(id('a')), 'a used: b is now the oldest');
  c.add(id('c'));
  assert.ok(c.has(id('a')));
  assert.ok(!c.has(id('b')));
  assert.ok(c.has(id('c')));
  assert.ok(!c.has({ ...id('a'), namespace: 'other' }), 'the namespace is part of the identity');
  assert.equal(c.size, 2);
});
