import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import { selectorFromLabelSelector } from '../../src/api/labels.js';
import type { KObject, OwnerReference } from '../../src/api/types.js';
import type { ResourceClient } from '../../src/client/resources.js';
import { ControllerRefManager, getControllerOf, newControllerRef, recheckDeletionTimestamp } from '../../src/controllers/shared/controller-ref.js';

const OWNER: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid' } };
const GVK = { group: 'apps', version: 'v1', kind: 'ReplicaSet' };
const OUR_REF = newControllerRef(OWNER, GVK);

function pod(name: string, labels: Record<string, string>, refs?: OwnerReference[], extra: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `${name}-uid`, labels, ownerReferences: refs, ...extra } };
}

interface Patch {
  name: string;
  type: string;
  body: unknown;
}

function fakePods(fail: Record<string, ApiError> = {}): { client: ResourceClient; patches: Patch[] } {
  const patches: Patch[] = [];
  const client = {
    async patch(_ns: string, name: string, type: string, body: unknown) {
      patches.push({ name, type, body });
      if (fail[name]) throw fail[name];
      return { metadata: { name, namespace: 'ns', ownerReferences: [OUR_REF] } };
    },
  } as unknown as ResourceClient;
  return { client, patches };
}

test('newControllerRef and getControllerOf', () => {
  assert.deepEqual(OUR_REF, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true });
  assert.deepEqual(newControllerRef(OWNER, { apiVersion: 'v1', kind: 'ReplicationController' }).apiVersion, 'v1');
  assert.deepEqual(newControllerRef(OWNER, { group: '', version: 'v1', kind: 'ReplicationController' }).apiVersion, 'v1');
  const other = { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' };
  assert.equal(getControllerOf(pod('p', {}, [other])), undefined);
  assert.deepEqual(getControllerOf(pod('p', {}, [other, OUR_REF])), OUR_REF);
});

test('claim: adopt, keep, release, ignore (table)', async () => {
  const theirs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'other-uid', controller: true };
  const nonController = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' };
  // [case, pod, owner being deleted, claimed?, patch expected: adopt/release/none]
  const rows: [string, KObject, boolean, boolean, 'adopt' | 'release' | 'none'][] = [
    ['owned and matching: kept', pod('a', { app: 'web' }, [OUR_REF]), false, true, 'none'],
    ['owned, matching, owner deleting: still kept', pod('a', { app: 'web' }, [OUR_REF]), true, true, 'none'],
    ['owned, not matching: released', pod('a', { app: 'other' }, [OUR_REF]), false, false, 'release'],
    ['owned, not matching, owner deleting: left alone', pod('a', { app: 'other' }, [OUR_REF]), true, false, 'none'],
    ['orphan matching: adopted', pod('a', { app: 'web', extra: 'x' }), false, true, 'adopt'],
    ['orphan with a non-controller ref: adopted', pod('a', { app: 'web' }, [nonController]), false, true, 'adopt'],
    ['orphan not matching: ignored', pod('a', { app: 'db' }), false, false, 'none'],
    ['orphan, owner deleting: not adopted', pod('a', { app: 'web' }), true, false, 'none'],
    ['orphan being deleted: not adopted', pod('a', { app: 'web' }, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }), false, false, 'none'],
    ['orphan in another namespace: not adopted', pod('a', { app: 'web' }, undefined, { namespace: 'elsewhere' }), false, false, 'none'],
    ['controlled by another owner, matching: never touched', pod('a', { app: 'web' }, [theirs]), false, false, 'none'],
    ['controlled by another owner, not matching: never touched', pod('a', { app: 'db' }, [theirs]), false, false, 'none'],
  ];
  for (const [name, p, deleting, wantClaimed, wantPatch] of rows) {
    const { client, patches } = fakePods();
    let rechecks = 0;
    const owner = deleting ? { ...OWNER, metadata: { ...OWNER.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } : OWNER;
    const m = new ControllerRefManager({
      owner,
      gvk: GVK,
      selector: selectorFromLabelSelector({ matchLabels: { app: 'web' } }),
      resource: client,
      canAdopt: async () => void rechecks++,
    });
    const { claimed, errors } = await m.claim([p]);
    assert.deepEqual(errors, [], name);
    assert.equal(claimed.length, wantClaimed ? 1 : 0, name);
    assert.equal(patches.length, wantPatch === 'none' ? 0 : 1, name);
    if (wantPatch === 'adopt') {
      assert.equal(rechecks, 1, name);
      assert.deepEqual(patches[0], { name: 'a', type: 'strategic', body: { metadata: { ownerReferences: [OUR_REF], uid: 'a-uid' } } }, name);
    }
    if (wantPatch === 'release') {
      assert.equal(rechecks, 0, `${name}: releasing needs no recheck`);
      assert.deepEqual(patches[0], { name: 'a', type: 'strategic', body: { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'rs-uid' }], uid: 'a-uid' } } }, name);
    }
  }
});

test('claim: one recheck for many orphans; a failed recheck adopts nothing and reports errors', async () => {
  const orphans = [pod('a', { app: 'web' }), pod('b', { app: 'web' }), pod('c', { app: 'web' })];
  const sel = selectorFromLabelSelector({ matchLabels: { app: 'web' } });
  {
    const { client, patches } = fakePods();
    let rechecks = 0;
    const m = new ControllerRefManager({ owner: OWNER, gvk: GVK, selector: sel, resource: client, canAdopt: async () => void rechecks++ });
    const { claimed } = await m.claim(orphans);
    assert.equal(rechecks, 1);
    assert.equal(claimed.length, 3);
    assert.equal(patches.length, 3);
  }
  {
    const { client, patches } = fakePods();
    const m = new ControllerRefManager({
      owner: OWNER,
      gvk: GVK,
      selector: sel,
      resource: client,
      canAdopt: recheckDeletionTimestamp('ReplicaSet', OWNER, async () => ({ ...OWNER, metadata: { ...OWNER.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })),
    });
    const { claimed, errors } = await m.claim([...orphans, pod('mine', { app: 'web' }, [OUR_REF])]);
    assert.deepEqual(claimed.map((p) => p.metadata.name), ['mine']);
    assert.equal(patches.length, 0);
    assert.equal(errors.length, 3);
    assert.equal(errors[0].message, "can't adopt Pod ns/a (a-uid): ns/web has just been deleted at 2026-01-01T00:00:00Z");
  }
});

test('recheckDeletionTimestamp: replaced owner (uid differs) and failed GET forbid adoption', async () => {
  await assert.rejects(
    recheckDeletionTimestamp('ReplicaSet', OWNER, async () => ({ ...OWNER, metadata: { ...OWNER.metadata, uid: 'new' } }))(),
    { message: "can't recheck DeletionTimestamp: original ReplicaSet ns/web is gone: got uid new, wanted rs-uid" },
  );
  await assert.rejects(
    recheckDeletionTimestamp('ReplicaSet', OWNER, async () => {
      throw new ApiError(404, 'NotFound', 'replicasets.apps "web" not found');
    })(),
    { message: `can't recheck DeletionTimestamp: replicasets.apps "web" not found` },
  );
  await recheckDeletionTimestamp('ReplicaSet', OWNER, async () => OWNER)();
});

test('claim: NotFound on adopt/release and Invalid on release are not errors; others are', async () => {
  const sel = selectorFromLabelSelector({ matchLabels: { app: 'web' } });
  const { client } = fakePods({
    gone: new ApiError(404, 'NotFound', 'pods "gone" not found'),
    released: new ApiError(422, 'Invalid', 'invalid'),
    conflict: new ApiError(409, 'Conflict', 'conflict'),
  });
  const m = new ControllerRefManager({ owner: OWNER, gvk: GVK, selector: sel, resource: client, canAdopt: async () => {} });
  const { claimed, errors } = await m.claim([pod('gone', { app: 'web' }), pod('released', { app: 'x' }, [OUR_REF]), pod('conflict', { app: 'web' })]);
  assert.equal(claimed.length, 0);
  assert.deepEqual(errors.map((e) => e.message), ['conflict']);
});
