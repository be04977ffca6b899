import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaNode } from '../../src/api/schema.js';
import type { KObject, ManagedFieldsEntry } from '../../src/api/types.js';
import { ApiError } from '../../src/api/errors.js';
import { decodeManagedFields, encodeManagedFields, managerFromRequest, trackUpdate } from '../../src/api/patch/managed-fields.js';

const S: SchemaNode = { type: 'string' };
const I: SchemaNode = { type: 'integer' };
const strMap: SchemaNode = { type: 'object', additionalProperties: { type: 'string' } };
const meta: SchemaNode = {
  type: 'object',
  properties: { name: S, namespace: S, uid: S, resourceVersion: S, generation: I, creationTimestamp: S, labels: strMap, annotations: strMap },
};
const container: SchemaNode = { type: 'object', properties: { name: S, image: S } };
const deployment: SchemaNode = {
  type: 'object',
  properties: {
    apiVersion: S,
    kind: S,
    metadata: meta,
    spec: {
      type: 'object',
      properties: {
        replicas: I,
        paused: { type: 'boolean' },
        template: {
          type: 'object',
          properties: {
            metadata: meta,
            spec: {
              type: 'object',
              properties: {
                containers: { type: 'array', items: container, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
              },
            },
          },
        },
      },
    },
    status: { type: 'object', properties: { replicas: I, readyReplicas: I } },
  },
};

const T0 = new Date('2026-11-29T20:31:22.456Z');
const T1 = new Date('2026-11-29T20:40:00Z');

function newDeployment(): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 1, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
  };
}

/** What the store would hold after a create by `manager`. */
function created(manager = 'kubectl-create'): KObject {
  const obj = trackUpdate({ oldObj: undefined, newObj: newDeployment(), manager, schema: deployment, apiVersion: 'apps/v1', now: T0 });
  return { ...obj, metadata: { ...obj.metadata, uid: 'u-1', resourceVersion: '1', generation: 1, creationTimestamp: '2026-11-29T20:31:22Z' } };
}

function entries(o: KObject): ManagedFieldsEntry[] {
  return o.metadata.managedFields ?? [];
}

test('create: the creator owns every field it set, with "." on new nodes, metadata bookkeeping excluded', () => {
  const obj = created();
  assert.deepEqual(entries(obj), [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-11-29T20:31:22Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          '.': {},
          'f:replicas': {},
          'f:template': {
            '.': {},
            'f:metadata': { '.': {}, 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': { '.': {}, 'f:containers': { '.': {}, 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
});

test('an update silently takes changed fields; removed fields leave every manager; unchanged entries keep their time', () => {
  const obj = created();
  const next = structuredClone(obj);
  next.spec.replicas = 3; // modified
  next.metadata.labels = { app: 'web', tier: 'front' }; // added
  next.spec.template.spec.containers[0].image = 'nginx:1.26';
  const out = trackUpdate({ oldObj: obj, newObj: next, manager: 'kube-controller', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  const [creator, controller] = entries(out);
  assert.equal(creator.manager, 'kubectl-create');
  assert.equal(creator.time, '2026-11-29T20:31:22Z');
  assert.deepEqual(controller, {
    manager: 'kube-controller',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: '2026-11-29T20:40:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:tier': {} } },
      'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } } } },
    },
  });
  const creatorSet = JSON.stringify(creator.fieldsV1);
  assert.ok(!creatorSet.includes('f:replicas') && !creatorSet.includes('f:image') && creatorSet.includes('f:app'));

  // Dropping the container removes its fields from both managers; a manager left with nothing disappears.
  const after = structuredClone(out);
  after.spec.template.spec.containers = [];
  after.spec.replicas = 1;
  after.metadata.labels = { app: 'web' };
  const out2 = trackUpdate({ oldObj: out, newObj: after, manager: 'kubectl-create', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.deepEqual(entries(out2).map((e) => e.manager), ['kubectl-create']);
  assert.ok(!JSON.stringify(entries(out2)).includes('nginx'));
});

test('writes by the same manager merge into one entry per apiVersion and subresource', () => {
  const obj = created('kubectl');
  const next = structuredClone(obj);
  next.spec.paused = true;
  const a = trackUpdate({ oldObj: obj, newObj: next, manager: 'kubectl', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.equal(entries(a).length, 1);
  assert.equal(entries(a)[0].time, '2026-11-29T20:40:00Z');
  assert.ok(JSON.stringify(entries(a)[0].fieldsV1).includes('f:paused'));

  const st = structuredClone(a);
  st.status = { replicas: 1 };
  // The request's managedFields are ignored on a subresource; the live ones are used.
  st.metadata.managedFields = [];
  const b = trackUpdate({ oldObj: a, newObj: st, manager: 'kubectl', subresource: 'status', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.deepEqual(
    entries(b).map((e) => [e.manager, e.subresource, e.fieldsV1]),
    [
      ['kubectl', undefined, entries(a)[0].fieldsV1],
      ['kubectl', 'status', { 'f:status': { '.': {}, 'f:replicas': {} } }],
    ],
  );
  const other = trackUpdate({ oldObj: a, newObj: { ...a, spec: { ...a.spec, replicas: 4 } }, manager: 'kubectl', schema: deployment, apiVersion: 'apps/v1beta2', now: T1 });
  assert.deepEqual(entries(other).map((e) => e.apiVersion), ['apps/v1', 'apps/v1beta2']);
});

test('a no-op write changes nothing; resetting or losing managedFields follows upstream', () => {
  const obj = created();
  const same = trackUpdate({ oldObj: obj, newObj: structuredClone(obj), manager: 'other', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.deepEqual(entries(same), entries(obj));

  // managedFields: [] clears ownership, and an existing untracked object stays untracked.
  const next = structuredClone(obj);
  next.metadata.managedFields = [];
  next.spec.replicas = 2;
  const reset = trackUpdate({ oldObj: obj, newObj: next, manager: 'other', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.equal(reset.metadata.managedFields, undefined);
  const later = trackUpdate({ oldObj: reset, newObj: { ...reset, spec: { ...reset.spec, replicas: 5 } }, manager: 'x', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.equal(later.metadata.managedFields, undefined);

  // A client that leaves managedFields out keeps the stored ones.
  const client = structuredClone(obj);
  delete client.metadata.managedFields;
  client.spec.replicas = 9;
  const kept = trackUpdate({ oldObj: obj, newObj: client, manager: 'editor', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.deepEqual(entries(kept).map((e) => e.manager), ['kubectl-create', 'editor']);
  // The inputs are not modified.
  assert.equal(client.metadata.managedFields, undefined);
});

test('reset fields (status on the main resource) are never owned by the writer', () => {
  const obj = created();
  const next = structuredClone(obj);
  next.status = { replicas: 1 };
  next.spec.replicas = 2;
  const out = trackUpdate({ oldObj: obj, newObj: next, manager: 'm', schema: deployment, apiVersion: 'apps/v1', now: T1, resetFields: [['status']] });
  assert.deepEqual(entries(out)[1].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
});

test('more than 10 Update managers: the oldest are merged into ancient-changes', () => {
  let obj = created('m0');
  for (let i = 1; i <= 11; i++) {
    const next = structuredClone(obj);
    next.metadata.labels = { ...next.metadata.labels, [`l${i}`]: 'x' };
    obj = trackUpdate({ oldObj: obj, newObj: next, manager: `m${i}`, schema: deployment, apiVersion: 'apps/v1', now: new Date(T1.getTime() + i * 1000) });
  }
  const names = entries(obj).map((e) => e.manager);
  assert.equal(names.length, 10);
  assert.equal(names[0], 'ancient-changes');
  assert.deepEqual(names.slice(1), ['m4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm3'].sort((a, b) => {
    const t = (n: string) => entries(obj).find((e) => e.manager === n)!.time!;
    return t(a) < t(b) ? -1 : t(a) > t(b) ? 1 : 0;
  }));
  const ancient = JSON.stringify(entries(obj)[0].fieldsV1);
  assert.ok(ancient.includes('f:l1') && ancient.includes('f:l2') && ancient.includes('f:replicas'));
});

test('entries encode in upstream order: Apply first, then oldest first', () => {
  const m = decodeManagedFields([
    { manager: 'b', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:02Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:b': {} } },
    { manager: 'c', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:01Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:c': {} } },
    { manager: 'z', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:z': {} } },
  ]);
  assert.deepEqual(encodeManagedFields(m)!.map((e) => e.manager), ['z', 'c', 'b']);
  assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Bogus' as 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1' }]), /operation must be `Apply` or `Update`/);
  assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Apply', apiVersion: 'v1' }]), /missing fieldsType in managed fields entry 0/);
});

test('managerFromRequest: explicit name, else the user-agent prefix; validated as upstream', () => {
  assert.equal(managerFromRequest('kubectl-client-side-apply', 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl-client-side-apply');
  assert.equal(managerFromRequest(undefined, 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  assert.equal(managerFromRequest('', 'Go-http-client/1.1'), 'Go-http-client');
  assert.equal(managerFromRequest(undefined, undefined), 'unknown');
  assert.equal(managerFromRequest(undefined, 'x'.repeat(300)), 'x'.repeat(128));

  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ApiError);
      return e;
    }
    assert.fail('expected an error');
  };
  const tooLong = err(() => managerFromRequest('m'.repeat(129), 'kubectl/v1.32.0', { kind: 'CreateOptions' }));
  assert.equal(tooLong.code, 422);
  assert.equal(tooLong.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
  const required = err(() => managerFromRequest(undefined, 'kubectl/v1.32.0', { apply: true }));
  assert.equal(required.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const bad = err(() => managerFromRequest('a\u0007b', undefined, { kind: 'UpdateOptions' }));
  assert.equal(bad.message, 'UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\ab": invalid character U+0007 (at position 1)');
});

test('many writes by alternating managers: the last writer owns the field, an emptied entry goes, nothing grows', () => {
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', labels: { app: 'x', 'pod-template-hash': 'abc' } },
    spec: { template: { spec: { containers: Array.from({ length: 3 }, (_, i) => ({ name: `c${i}`, image: 'img' })) } } },
    status: { replicas: 0 },
  };
  let obj = trackUpdate({ oldObj: undefined, newObj: pod, manager: 'kubelet', schema: deployment, apiVersion: 'v1', now: T0 });
  obj = { ...obj, metadata: { ...obj.metadata, uid: 'u' } };
  const n = 10_000;
  let sizeAfterFirstRound = 0;
  for (let i = 0; i < n; i++) {
    const next = { ...obj, status: { replicas: i % 3 } };
    obj = trackUpdate({ oldObj: obj, newObj: next, manager: i % 2 ? 'kubelet' : 'controller', schema: deployment, apiVersion: 'v1', now: T1 });
    // i odd: the kubelet wrote last, as at the end.
    if (i === 11) sizeAfterFirstRound = JSON.stringify(obj.metadata.managedFields).length;
  }
  const managers = (obj.metadata.managedFields ?? []).map((e) => e.manager).sort();
  // The controller owned only status.replicas; the kubelet's last write took it, so its entry is gone.
  assert.deepEqual(managers, ['kubelet']);
  assert.equal(JSON.stringify(obj.metadata.managedFields).length, sizeAfterFirstRound);
});
