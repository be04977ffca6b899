import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaNode } from '../../src/api/schema.js';
import type { KObject, ManagedFieldsEntry } from '../../src/api/types.js';
import { ApiError } from '../../src/api/errors.js';
import { LAST_APPLIED_ANNOTATION, serverSideApply, type ServerSideApplyArgs } from '../../src/api/patch/server-side-apply.js';
import { trackUpdate } from '../../src/api/patch/managed-fields.js';

const S: SchemaNode = { type: 'string' };
const I: SchemaNode = { type: 'integer' };
const strMap: SchemaNode = { type: 'object', additionalProperties: { type: 'string' } };
const meta: SchemaNode = {
  type: 'object',
  properties: { name: S, namespace: S, uid: S, resourceVersion: S, generation: I, creationTimestamp: S, labels: strMap, annotations: strMap },
};
const port: SchemaNode = { type: 'object', properties: { containerPort: I, protocol: { type: 'string', default: 'TCP' } as SchemaNode, name: S } };
const container: SchemaNode = {
  type: 'object',
  properties: {
    name: S,
    image: S,
    args: { type: 'array', items: S },
    ports: { type: 'array', items: port, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
  },
};
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
        selector: { type: 'object', properties: { matchLabels: strMap }, 'x-kubernetes-map-type': 'atomic' },
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
    status: { type: 'object', properties: { replicas: I } },
  },
};

const T0 = new Date('2026-11-29T20:31:22.789Z');
const T1 = new Date('2026-11-29T21:00:00Z');

type Container = { name: string; image: string; [k: string]: unknown };

function config(spec: { replicas?: number; containers?: Container[]; labels?: Record<string, string>; paused?: boolean } = {}): KObject {
  const s: Record<string, unknown> = {};
  if (spec.replicas !== undefined) s.replicas = spec.replicas;
  if (spec.paused !== undefined) s.paused = spec.paused;
  s.selector = { matchLabels: { app: 'web' } };
  s.template = { metadata: { labels: { app: 'web' } }, spec: { containers: spec.containers ?? [{ name: 'nginx', image: 'nginx:1.25' }] } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...(spec.labels ? { labels: spec.labels } : {}) },
    spec: s,
  };
}

function apply(live: KObject | undefined, applied: KObject, manager: string, more: Partial<ServerSideApplyArgs> = {}): KObject {
  return serverSideApply({ live, applied, manager, force: false, schema: deployment, apiVersion: 'apps/v1', now: T0, ...more });
}

/** What the store adds on create. */
function stored(o: KObject): KObject {
  return { ...o, metadata: { ...o.metadata, uid: 'u-1', resourceVersion: '1', creationTimestamp: '2026-11-29T20:31:22Z' } };
}

function entry(o: KObject, manager: string, operation = 'Apply'): ManagedFieldsEntry | undefined {
  return o.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation);
}

function conflictOf(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  assert.fail('expected a conflict');
}

test('apply creates an object from nothing and records one Apply entry', () => {
  const obj = apply(undefined, config({ replicas: 2, labels: { app: 'web' } }), 'kubectl');
  const { managedFields, ...metadata } = obj.metadata;
  assert.deepEqual(metadata, { name: 'web', namespace: 'default', labels: { app: 'web' } });
  assert.deepEqual(obj.spec, config({ replicas: 2 }).spec);
  assert.deepEqual(managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2026-11-29T20:31:22Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
});

test('two managers applying disjoint fields both keep them', () => {
  const a = stored(apply(undefined, config({ replicas: 2 }), 'team-a'));
  const partial: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: { owner: 'b' } }, spec: { paused: true } };
  const b = apply(a, partial, 'team-b', { now: T1 });
  assert.equal(b.spec.replicas, 2);
  assert.equal(b.spec.paused, true);
  assert.deepEqual(b.metadata.labels, { owner: 'b' });
  assert.deepEqual(entry(b, 'team-b')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:owner': {} } }, 'f:spec': { 'f:paused': {} } });
  assert.equal(entry(b, 'team-a')!.time, '2026-11-29T20:31:22Z');
  assert.equal(entry(b, 'team-b')!.time, '2026-11-29T21:00:00Z');
  // team-a re-applies its own config: team-b's fields stay.
  const again = apply(stored(b), config({ replicas: 2 }), 'team-a', { now: T1 });
  assert.equal(again.spec.paused, true);
  assert.deepEqual(again.metadata.labels, { owner: 'b' });
});

test('a field the applier stops declaring is removed, unless another manager owns it', () => {
  const first = stored(apply(undefined, config({ replicas: 2, paused: true, labels: { app: 'web', tier: 'x' } }), 'kubectl'));
  const second = apply(first, config({ replicas: 2, labels: { app: 'web' } }), 'kubectl', { now: T1 });
  assert.equal('paused' in second.spec, false);
  assert.deepEqual(second.metadata.labels, { app: 'web' });
  const fields = JSON.stringify(entry(second, 'kubectl')!.fieldsV1);
  assert.ok(!fields.includes('f:paused') && !fields.includes('f:tier'));

  // Shared ownership: another applier set paused to the same value, so it survives.
  const shared = stored(apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { paused: true } }, 'other'));
  const third = apply(shared, config({ replicas: 2, labels: { app: 'web', tier: 'x' } }), 'kubectl', { now: T1 });
  assert.equal(third.spec.paused, true);
  assert.deepEqual(entry(third, 'other')!.fieldsV1, { 'f:spec': { 'f:paused': {} } });

  // An applier dropping its whole config loses its entry; the fields it alone owned go too.
  const gone = apply(stored(third), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } }, 'kubectl', { now: T1 });
  assert.equal(entry(gone, 'kubectl'), undefined);
  assert.deepEqual(Object.keys(gone.spec), ['paused']);
});

test('conflict on .spec.replicas with a client-side-apply updater: exact 409, then force takes ownership', () => {
  const created = trackUpdate({ oldObj: undefined, newObj: config({ replicas: 2 }), manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1', now: T0 });
  const live = stored(created);
  const err = conflictOf(() => apply(live, config({ replicas: 3 }), 'kubectl'));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  assert.deepEqual(err.toStatus().details, {
    causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }],
  });

  // The same value is shared ownership, not a conflict.
  const sharedObj = apply(live, config({ replicas: 2 }), 'kubectl');
  assert.ok(JSON.stringify(entry(sharedObj, 'kubectl-client-side-apply', 'Update')!.fieldsV1).includes('f:replicas'));

  const forced = apply(live, config({ replicas: 3 }), 'kubectl', { force: true });
  assert.equal(forced.spec.replicas, 3);
  assert.ok(!JSON.stringify(entry(forced, 'kubectl-client-side-apply', 'Update')!.fieldsV1).includes('f:replicas'));
  assert.ok(JSON.stringify(entry(forced, 'kubectl')!.fieldsV1).includes('f:replicas'));
  // Other fields of the updater are untouched.
  assert.ok(JSON.stringify(entry(forced, 'kubectl-client-side-apply', 'Update')!.fieldsV1).includes('f:image'));
});

test('several conflicts are grouped by manager as upstream prints them', () => {
  let live = stored(trackUpdate({ oldObj: undefined, newObj: config({ replicas: 2 }), manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1', now: T0 }));
  const next = structuredClone(live);
  next.spec.paused = false;
  live = trackUpdate({ oldObj: live, newObj: next, manager: 'kubectl-edit', schema: deployment, apiVersion: 'apps/v1', now: T0 });
  const err = conflictOf(() => apply(live, config({ replicas: 5, paused: true, containers: [{ name: 'nginx', image: 'nginx:2' }] }), 'ci'));
  assert.equal(
    err.message,
    'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
      '- .spec.replicas\n' +
      '- .spec.template.spec.containers[name="nginx"].image\n' +
      'conflicts with "kubectl-edit" using apps/v1:\n' +
      '- .spec.paused',
  );
  assert.deepEqual(
    err.details!.causes!.map((c) => c.field),
    ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image', '.spec.paused'],
  );
});

test('list-map items merge by key: two appliers own different containers', () => {
  const a = stored(apply(undefined, config({ replicas: 1, containers: [{ name: 'app', image: 'app:1' }] }), 'team-a'));
  const sidecar: KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { template: { spec: { containers: [{ name: 'proxy', image: 'envoy:1' }] } } },
  };
  const b = stored(apply(a, sidecar, 'team-b'));
  assert.deepEqual(b.spec.template.spec.containers, [
    { name: 'app', image: 'app:1' },
    { name: 'proxy', image: 'envoy:1' },
  ]);
  // team-a updates its container: the sidecar stays, and no conflict arises.
  const a2 = stored(apply(b, config({ replicas: 1, containers: [{ name: 'app', image: 'app:2' }] }), 'team-a', { now: T1 }));
  assert.deepEqual(a2.spec.template.spec.containers.map((c: Container) => `${c.name}=${c.image}`), ['app=app:2', 'proxy=envoy:1']);
  // team-b drops its sidecar: only that container goes.
  const b2 = apply(a2, { ...sidecar, spec: { template: { spec: { containers: [] } } } }, 'team-b', { now: T1 });
  assert.deepEqual(b2.spec.template.spec.containers, [{ name: 'app', image: 'app:2' }]);
  // team-b trying to change team-a's image conflicts at the item path.
  const err = conflictOf(() => apply(a2, { ...sidecar, spec: { template: { spec: { containers: [{ name: 'app', image: 'evil' }] } } } }, 'team-b'));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "team-a": .spec.template.spec.containers[name="app"].image');
});

test('merged list order: shared items follow the configuration, others keep their live place', () => {
  const names = (o: KObject) => o.spec.template.spec.containers.map((c: Container) => c.name);
  const a = stored(apply(undefined, config({ containers: [{ name: 'a', image: 'x' }, { name: 'c', image: 'x' }] }), 'kubectl'));
  const withB: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'b', image: 'y' }] } } } };
  const live = stored(apply(a, withB, 'other'));
  live.spec.template.spec.containers = [live.spec.template.spec.containers[0], live.spec.template.spec.containers[2], live.spec.template.spec.containers[1]];
  assert.deepEqual(names(live), ['a', 'b', 'c']);
  const out = apply(live, config({ containers: [{ name: 'c', image: 'x' }, { name: 'a', image: 'x' }, { name: 'd', image: 'x' }] }), 'kubectl');
  assert.deepEqual(names(out), ['b', 'c', 'a', 'd']);
});

test('ports merge by (containerPort, protocol) with protocol defaulted in the key', () => {
  const c = (ports: object[]) => config({ containers: [{ name: 'nginx', image: 'nginx', ports }] });
  const live = stored(apply(undefined, c([{ containerPort: 80 }]), 'kubectl'));
  live.spec.template.spec.containers[0].ports[0].protocol = 'TCP'; // defaulting by the server
  const out = apply(live, c([{ containerPort: 80, name: 'http' }, { containerPort: 53, protocol: 'UDP' }]), 'kubectl');
  assert.deepEqual(out.spec.template.spec.containers[0].ports, [
    { containerPort: 80, protocol: 'TCP', name: 'http' },
    { containerPort: 53, protocol: 'UDP' },
  ]);
  const ports = entry(out, 'kubectl')!.fieldsV1!['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:ports'];
  assert.deepEqual(Object.keys(ports), ['k:{"containerPort":53,"protocol":"UDP"}', 'k:{"containerPort":80,"protocol":"TCP"}']);
});

test('kubectl scale (Update on the scale subresource) then an apply of another replicas value conflicts', () => {
  const live = stored(apply(undefined, config({ replicas: 2 }), 'kubectl'));
  const scaledObj = structuredClone(live);
  scaledObj.spec.replicas = 5;
  const scaled = trackUpdate({ oldObj: live, newObj: scaledObj, manager: 'kubectl', subresource: 'scale', schema: deployment, apiVersion: 'apps/v1', now: T1 });
  assert.deepEqual(
    scaled.metadata.managedFields!.map((e) => [e.manager, e.operation, e.subresource, JSON.stringify(e.fieldsV1).includes('f:replicas')]),
    [
      ['kubectl', 'Apply', undefined, false],
      ['kubectl', 'Update', 'scale', true],
    ],
  );
  const err = conflictOf(() => apply(scaled, config({ replicas: 3 }), 'kubectl', { now: T1 }));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  // Re-applying without replicas is fine and leaves the scaled value alone.
  const ok = apply(scaled, config({}), 'kubectl', { now: T1 });
  assert.equal(ok.spec.replicas, 5);
});

test('kubectl upgrading from client-side apply: conflicts on last-applied values are forced, the annotation kept in sync', () => {
  const cfg = config({ replicas: 2 });
  const withAnnotation = structuredClone(cfg);
  withAnnotation.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(cfg) + '\n' };
  const live = stored(trackUpdate({ oldObj: undefined, newObj: withAnnotation, manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1', now: T0 }));

  const upgraded = apply(live, config({ replicas: 3 }), 'kubectl', { now: T1 });
  assert.equal(upgraded.spec.replicas, 3);
  const annotation = upgraded.metadata.annotations![LAST_APPLIED_ANNOTATION];
  assert.ok(annotation.endsWith('\n'));
  assert.equal(JSON.parse(annotation).spec.replicas, 3);
  assert.ok(annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":'), 'keys sorted like Go');

  // Another manager name gets no such help.
  const err = conflictOf(() => apply(live, config({ replicas: 3 }), 'ci'));
  assert.equal(err.code, 409);
  // Nor does kubectl when the live value was changed since the last client-side apply.
  const drifted = structuredClone(live);
  drifted.spec.replicas = 7;
  const driftedLive = trackUpdate({ oldObj: live, newObj: drifted, manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1', now: T0 });
  assert.equal(conflictOf(() => apply(driftedLive, config({ replicas: 3 }), 'kubectl')).code, 409);
});

test('a no-op apply keeps the previous time; an untracked object is attributed to before-first-apply', () => {
  const first = stored(apply(undefined, config({ replicas: 2 }), 'kubectl'));
  const again = apply(first, config({ replicas: 2 }), 'kubectl', { now: T1 });
  assert.deepEqual(again.metadata.managedFields, first.metadata.managedFields);

  const untracked = structuredClone(first);
  delete untracked.metadata.managedFields;
  const out = apply(untracked, config({ replicas: 2 }), 'kubectl', { now: T1 });
  assert.deepEqual(out.metadata.managedFields!.map((e) => [e.manager, e.operation, e.time]), [
    ['kubectl', 'Apply', undefined],
    ['before-first-apply', 'Update', '2026-11-29T21:00:00Z'],
  ]);
});

test('reset fields: applied status is not owned', () => {
  const cfg = { ...config({ replicas: 1 }), status: { replicas: 9 } };
  const out = apply(undefined, cfg, 'kubectl', { resetFields: [['status']] });
  assert.ok(!JSON.stringify(entry(out, 'kubectl')!.fieldsV1).includes('f:status'));
});

test('bad configurations: managedFields, wrong type, missing list key', () => {
  const withMF = config({});
  withMF.metadata.managedFields = [];
  const e1 = conflictOf(() => apply(undefined, withMF, 'kubectl'));
  assert.deepEqual([e1.code, e1.message], [400, 'metadata.managedFields must be nil']);

  const e2 = conflictOf(() => apply(undefined, { ...config({}), apiVersion: 'apps/v1beta1' }, 'kubectl', { kind: 'Deployment' }));
  assert.deepEqual([e2.code, e2.message], [400, 'invalid object type: apps/v1beta1, Kind=Deployment']);

  const e3 = conflictOf(() => apply(undefined, config({ containers: [{ image: 'x' } as Container] }), 'kubectl'));
  assert.equal(e3.code, 500);
  assert.equal(
    e3.message,
    'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: ' +
      'associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  );
});

test('a "__proto__" key in a free-form configuration stays plain data', () => {
  const cfg = JSON.parse('{"apiVersion":"example.com/v1","kind":"Thing","metadata":{"name":"t"},"spec":{"__proto__":{"polluted":true},"a":1}}');
  const live = serverSideApply({ live: undefined, applied: cfg, manager: 'm', force: false, schema: undefined, apiVersion: 'example.com/v1', now: T0 });
  const again = serverSideApply({ live: stored(live), applied: cfg, manager: 'other', force: false, schema: undefined, apiVersion: 'example.com/v1', now: T0 });
  for (const o of [live, again]) {
    assert.deepEqual(Object.keys(o.spec), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(o.spec), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
  assert.ok(JSON.stringify(entry(again, 'other')!.fieldsV1).includes('"f:__proto__"'));
});

test('null in a configuration unsets a leaf; the inputs are never modified', () => {
  const live = stored(apply(undefined, config({ replicas: 2, paused: true }), 'kubectl'));
  const before = structuredClone(live);
  const cfg = config({ replicas: 2 });
  cfg.spec.paused = null;
  const cfgBefore = structuredClone(cfg);
  const out = apply(live, cfg, 'kubectl', { now: T1 });
  assert.equal('paused' in out.spec, false);
  assert.deepEqual(live, before);
  assert.deepEqual(cfg, cfgBefore);
  out.spec.template.spec.containers[0].image = 'mutated';
  assert.equal(live.spec.template.spec.containers[0].image, 'nginx:1.25');
});
