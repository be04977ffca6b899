import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaNode } from '../../src/api/schema.js';
import {
  comparePathElements,
  FieldSet,
  keyPE,
  normalizePathElement,
  pathToString,
  toFieldSet,
  typeOf,
} from '../../src/api/patch/field-set.js';
import { compare } from '../../src/api/patch/managed-fields.js';
import { ensureNamedFieldsAreMembers } from '../../src/api/patch/server-side-apply.js';

const S: SchemaNode = { type: 'string' };
const I: SchemaNode = { type: 'integer' };
const strMap: SchemaNode = { type: 'object', additionalProperties: { type: 'string' } };
const meta: SchemaNode = {
  type: 'object',
  properties: {
    name: S,
    labels: strMap,
    finalizers: { type: 'array', items: S, 'x-kubernetes-patch-strategy': 'merge' },
  },
};
const port: SchemaNode = { type: 'object', properties: { containerPort: I, protocol: { type: 'string', default: 'TCP' } as SchemaNode } };
const container: SchemaNode = {
  type: 'object',
  properties: {
    name: S,
    image: S,
    args: { type: 'array', items: S },
    ports: { type: 'array', items: port, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
    resources: { type: 'object', properties: { limits: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true } } } },
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
  },
};

test('fieldsV1 encoding: "." first, then fields, keys, values, indexes; keys and values in value order', () => {
  const s = FieldSet.fromPaths([
    ['f:spec', 'f:ports', 'k:{"containerPort":443,"protocol":"TCP"}'],
    ['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'],
    ['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:containerPort'],
    ['f:spec', 'f:list', 'i:10'],
    ['f:spec', 'f:list', 'i:2'],
    ['f:spec', 'f:list', 'v:"b"'],
    ['f:spec', 'f:list', 'v:3'],
    ['f:spec', 'f:list', 'f:z'],
    ['f:a'],
  ]);
  const json = JSON.stringify(s.toFieldsV1());
  assert.equal(
    json,
    '{"f:a":{},"f:spec":{"f:list":{"f:z":{},"v:3":{},"v:\\"b\\"":{},"i:2":{},"i:10":{}},' +
      '"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}},' +
      '"k:{\\"containerPort\\":443,\\"protocol\\":\\"TCP\\"}":{}}}}',
  );
  assert.ok(FieldSet.fromFieldsV1(JSON.parse(json)).equals(s));
});

test('fieldsV1 decoding: keys are canonicalised, unknown element types dropped, malformed ones rejected', () => {
  const s = FieldSet.fromFieldsV1({
    'f:spec': { 'f:ports': { 'k:{"protocol": "TCP", "containerPort": 80}': { '.': {}, 'f:name': {} } } },
    'x:future': {},
  });
  assert.deepEqual(s.paths(), [
    ['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'],
    ['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:name'],
  ]);
  assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }));
  assert.throws(() => FieldSet.fromFieldsV1({ 'k:{notjson': {} }));
  assert.throws(() => FieldSet.fromFieldsV1({ 'fx': {} }), /missing colon/);
  assert.equal(normalizePathElement('i:007'), 'i:7');
  assert.equal(normalizePathElement('q:x'), undefined);
  assert.ok(FieldSet.fromFieldsV1({}).isEmpty());
});

test('set operations follow structured-merge-diff: parent minus child stays, recursive difference prunes subtrees', () => {
  const a = FieldSet.fromPaths([['f:spec'], ['f:spec', 'f:replicas'], ['f:spec', 'f:paused'], ['f:status', 'f:x']]);
  const b = FieldSet.fromPaths([['f:spec', 'f:replicas'], ['f:status']]);
  assert.deepEqual(a.difference(b).paths(), [['f:spec'], ['f:spec', 'f:paused'], ['f:status', 'f:x']]);
  assert.deepEqual(a.recursiveDifference(b).paths(), [['f:spec'], ['f:spec', 'f:paused']]);
  assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
  assert.deepEqual(b.union(a).paths(), a.union(b).paths());
  assert.deepEqual(a.union(b).paths(), [['f:spec'], ['f:status'], ['f:spec', 'f:paused'], ['f:spec', 'f:replicas'], ['f:status', 'f:x']]);
  assert.ok(a.has(['f:spec']) && a.has(['f:spec', 'f:paused']) && !a.has(['f:status']) && !a.has([]));
  assert.ok(a.difference(a).isEmpty());
  // Unchanged operands are returned as is (no copying on the hot path).
  assert.equal(a.difference(FieldSet.fromPaths([['f:other']])), a);
});

test('path display matches upstream fieldpath.Path.String()', () => {
  assert.equal(
    pathToString(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']),
    '.spec.template.spec.containers[name="nginx"].image',
  );
  assert.equal(pathToString(['f:spec', 'f:ports', keyPE([['protocol', 'TCP'], ['containerPort', 80]])]), '.spec.ports[containerPort=80,protocol="TCP"]');
  assert.equal(pathToString(['f:metadata', 'f:finalizers', 'v:"a/b"']), '.metadata.finalizers[=\"a/b\"]');
  assert.equal(pathToString(['f:x', 'i:3']), '.x[3]');
  assert.ok(comparePathElements('f:z', 'k:{"a":1}') < 0);
  assert.ok(comparePathElements('k:{"a":2}', 'k:{"a":10}') < 0);
});

test('toFieldSet: an applied configuration owns leaves, atomics and list items, not the structs around them', () => {
  const cfg = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/f'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx', args: ['-g', 'daemon off;'], ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: 512 } } },
          ],
        },
      },
    },
  };
  assert.deepEqual(toFieldSet(cfg, typeOf(deployment)).toFieldsV1(), {
    'f:apiVersion': {},
    'f:kind': {},
    'f:metadata': { 'f:finalizers': { 'v:"example.com/f"': {} }, 'f:labels': { 'f:app': {} }, 'f:name': {} },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:args': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              'f:resources': { 'f:limits': { 'f:cpu': {}, 'f:memory': {} } },
            },
          },
        },
      },
    },
  });
});

test('toFieldSet without a schema deduces: maps granular (each key a node), lists atomic', () => {
  const s = toFieldSet({ spec: { a: { b: 1 }, list: [{ x: 1 }] } }, typeOf(undefined));
  assert.deepEqual(s.toFieldsV1(), { 'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {} }, 'f:list': {} } });
});

test('toFieldSet reports bad list keys in upstream wording when checking an applied configuration', () => {
  const errors: string[] = [];
  const cfg = {
    spec: { template: { spec: { containers: [{ image: 'x' }, { name: 'a' }, { name: 'a' }] } } },
  };
  toFieldSet(cfg, typeOf(deployment), errors);
  assert.deepEqual(errors, [
    '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    '.spec.template.spec.containers: duplicate entries for key [name="a"]',
  ]);
  // Stored objects are tolerated: the item without key is addressed by index.
  assert.ok(toFieldSet(cfg, typeOf(deployment)).has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'i:0']));
});

test('list types: merge key without list-type is a map, merge strategy without key a set, retainKeys atomic', () => {
  assert.deepEqual(typeOf({ type: 'array', items: S, 'x-kubernetes-patch-strategy': 'merge' }), {
    kind: 'list', mode: 'set', keys: [], items: S, keyDefaults: {},
  });
  assert.equal((typeOf({ type: 'array', items: S, 'x-kubernetes-patch-strategy': 'retainKeys' }) as { mode: string }).mode, 'atomic');
  assert.equal((typeOf({ type: 'array', items: S }) as { mode: string }).mode, 'atomic');
  assert.equal(typeOf({ 'x-kubernetes-int-or-string': true }).kind, 'scalar');
});

test('compare: added subtrees carry their nodes (the "." of Update entries), modified only leaves', () => {
  const t = typeOf(deployment);
  const before = { metadata: { name: 'web' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } };
  const after = {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'b', image: 'y' }] } } },
  };
  const c = compare(before, after, t);
  assert.deepEqual(c.added.toFieldsV1(), {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  });
  assert.deepEqual(c.modified.toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(c.removed.toFieldsV1(), {
    'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  });
  const same = compare(before, structuredClone(before), t);
  assert.ok(same.added.isEmpty() && same.modified.isEmpty() && same.removed.isEmpty());
});

test('ensureNamedFieldsAreMembers marks declared struct fields with owned descendants, not map keys', () => {
  const s = FieldSet.fromPaths([['f:spec', 'f:replicas'], ['f:metadata', 'f:labels', 'f:app']]);
  const e = ensureNamedFieldsAreMembers(s, typeOf(deployment));
  assert.ok(e.has(['f:spec']) && e.has(['f:metadata']) && e.has(['f:metadata', 'f:labels']));
  assert.ok(e.has(['f:metadata', 'f:labels', 'f:app']));
  assert.ok(!ensureNamedFieldsAreMembers(s, typeOf(undefined)).has(['f:spec']));
});
