import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaNode } from '../../src/api/schema.js';
import {
  findDuplicateFields, findUnknownFields, goMapString, patchStrictDecodingFieldError, strictDecodingError,
  strictDecodingErrors, strictDecodingMessage, unrecognizedObjectMessage, warningsFor, yamlDuplicateKeysError,
} from '../../src/openapi/field-validation.js';
import { getSchema } from '../../src/openapi/schemas.js';

const deployment = getSchema('apps', 'v1', 'Deployment')!;
const pod = getSchema('', 'v1', 'Pod')!;

function deploy(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec };
}

test('unknown fields: upstream paths for nested objects and list items', () => {
  const obj = deploy({
    replicas: 2,
    foo: true,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { 'any.key/x': 'y' } },
      spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', imagee: 'y', ports: [{ containerPort: 80, hostPorrt: 1 }] }] },
    },
  });
  assert.deepEqual(findUnknownFields(obj, deployment), [
    'spec.foo',
    'spec.template.spec.containers[1].imagee',
    'spec.template.spec.containers[1].ports[0].hostPorrt',
  ]);
  assert.deepEqual(findUnknownFields({ apiVersion: 'v1', kind: 'Pod', metadata: {}, specc: {} }, pod), ['specc']);
  assert.deepEqual(findUnknownFields(deploy({ selector: {}, template: {} }), deployment), []);
});

test('unknown fields: case-sensitive; values of unknown fields, int-or-string and opaque JSON are not looked into', () => {
  assert.deepEqual(findUnknownFields(deploy({ Replicas: 1, extra: { deeper: 1 } }), deployment), ['spec.Replicas', 'spec.extra']);
  const ds = getSchema('apps', 'v1', 'ControllerRevision')!;
  assert.deepEqual(findUnknownFields({ data: { spec: { anything: 1 } }, revision: 1 }, ds), []);
  const rolling = deploy({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } });
  assert.deepEqual(findUnknownFields(rolling, deployment), []);
  // managedFields[].fieldsV1 is FieldsV1: arbitrary keys.
  const withManaged = { metadata: { managedFields: [{ manager: 'k', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] } };
  assert.deepEqual(findUnknownFields(withManaged, deployment), []);
  // null values of known fields are fine; null values of unknown fields are still unknown.
  assert.deepEqual(findUnknownFields(deploy({ replicas: null, bogus: null }), deployment), ['spec.bogus']);
});

test('unknown fields: map values are checked against the value schema; preserve-unknown and embedded resources honoured', () => {
  const schema: SchemaNode = {
    type: 'object',
    properties: {
      byName: { type: 'object', additionalProperties: { type: 'object', properties: { a: { type: 'string' } } } },
      open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { k: { type: 'string' } } } } },
      embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: {} } } },
    },
  };
  const obj = {
    byName: { one: { a: 'x', b: 'y' } },
    open: { whatever: 1, known: { k: 'v', nope: 1 } },
    embedded: { apiVersion: 'v1', kind: 'X', metadata: { name: 'n' }, spec: { s: 1 }, other: 1 },
  };
  assert.deepEqual(findUnknownFields(obj, schema), ['byName.one.b', 'open.known.nope', 'embedded.spec.s', 'embedded.other']);
});

test('unknown fields: strategic merge patch directives are not unknown when asked', () => {
  const patch = {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }],
          containers: [{ name: 'a', image: 'b', $patch: 'replace' }],
        },
      },
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
    },
  };
  assert.deepEqual(findUnknownFields(patch, deployment, { patchDirectives: true }), []);
  assert.deepEqual(findUnknownFields(patch, deployment), [
    'spec.template.spec.$setElementOrder/containers', 'spec.template.spec.containers[0].$patch', 'spec.strategy.$retainKeys',
  ]);
});

test('duplicate fields in JSON: paths per object, escapes decoded, lists indexed', () => {
  const raw = '{"kind":"Deployment","metadata":{"name":"a","labels":{"x":"1"},"na\\u006de":"b"},' +
    '"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i","image":"j"}]}}},"kind":"Deployment"}';
  assert.deepEqual(findDuplicateFields(raw, 'json'), ['metadata.name', 'spec.template.spec.containers[0].image', 'kind']);
  // The same key in sibling objects or list items is not a duplicate.
  assert.deepEqual(findDuplicateFields('{"a":{"name":1},"b":{"name":2},"l":[{"name":1},{"name":2}], "s":"{\\"a\\":1,\\"a\\":2}"}', 'json'), []);
  assert.deepEqual(findDuplicateFields(' { "a" : 1 , "a" : [ 1 , 2 ] } ', 'json'), ['a']);
});

test('duplicate fields in YAML: paths, and the strict converter error with line numbers', () => {
  const raw = [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: a', '  name: b', 'spec:', '  containers:',
    '  - name: c', '    image: x', '    image: y', '',
  ].join('\n');
  assert.deepEqual(findDuplicateFields(raw, 'yaml'), ['metadata.name', 'spec.containers[0].image']);
  assert.equal(yamlDuplicateKeysError(raw),
    'yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 10: key "image" already set in map');
  assert.equal(yamlDuplicateKeysError('a: 1\nb: 2\n'), undefined);
});

test('strict decoding errors: JSON in document order, YAML duplicates first then sorted unknown fields', () => {
  const raw = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","name":"b"},"spec":{"zeta":1,"template":{"spec":{"containers":[{"name":"x","imagee":"y"}]}},"alpha":2}}';
  assert.deepEqual(strictDecodingErrors({ value: JSON.parse(raw), raw, schema: deployment, contentType: 'json' }), [
    'duplicate field "metadata.name"',
    'unknown field "spec.zeta"',
    'unknown field "spec.template.spec.containers[0].imagee"',
    'unknown field "spec.alpha"',
  ]);
  const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  name: b\nspec:\n  zeta: 1\n  alpha: 2\n';
  const value = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: { zeta: 1, alpha: 2 } };
  assert.deepEqual(strictDecodingErrors({ value, raw: yaml, schema: deployment, contentType: 'yaml' }), [
    'yaml: unmarshal errors:\n  line 5: key "name" already set in map',
    'unknown field "spec.alpha"',
    'unknown field "spec.zeta"',
  ]);
  assert.deepEqual(strictDecodingErrors({ value, schema: deployment, contentType: 'protobuf' }), []);
  const clean = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},"spec":{"replicas":1}}';
  assert.deepEqual(strictDecodingErrors({ value: JSON.parse(clean), raw: clean, schema: deployment, contentType: 'json' }), []);
  // SMP bodies: directives are fine.
  const smp = '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"a","image":"b"}]}}}}';
  assert.deepEqual(strictDecodingErrors({ value: JSON.parse(smp), raw: smp, schema: deployment, contentType: 'json', patchDirectives: true }), []);
});

test('messages worded as upstream', () => {
  const errors = ['unknown field "spec.foo"', 'unknown field "spec.template.spec.containers[0].imagee"'];
  assert.equal(strictDecodingError(errors), 'strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagee"');
  assert.equal(strictDecodingMessage('Pod', 'v1', ['unknown field "spec.foo"']),
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
  assert.equal(strictDecodingMessage('Deployment', 'v1', ['duplicate field "metadata.name"']),
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "metadata.name"');
  assert.equal(unrecognizedObjectMessage('Pod', 'strict decoding error: unknown field "foo"', '{"metadata":{"name":"a"},"foo":1,"spec":{}}'),
    'the object provided is unrecognized (must be of type Pod): strict decoding error: unknown field "foo" ({"metadata":{"name":"a"},"foo" ...)');
  const fe = patchStrictDecodingFieldError(goMapString({ spec: { foo: 1 } }), ['unknown field "spec.foo"']);
  assert.equal(fe.toString(), 'patch: Invalid value: "map[spec:map[foo:1]]": strict decoding error: unknown field "spec.foo"');
});

test('warnings: one per error, YAML duplicate errors split per line', () => {
  assert.deepEqual(warningsFor([
    'yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 9: key "image" already set in map',
    'unknown field "spec.foo"',
  ]), ['line 5: key "name" already set in map', 'line 9: key "image" already set in map', 'unknown field "spec.foo"']);
});

test('goMapString prints decoded JSON like Go %+v', () => {
  assert.equal(goMapString({ b: [1, 'x', null], a: { z: true, y: 1.5 } }), 'map[a:map[y:1.5 z:true] b:[1 x <nil>]]');
  assert.equal(goMapString(1500000.5), '1.5000005e+06');
  assert.equal(goMapString(0.00001), '1e-05');
  assert.equal(goMapString(123456.5), '123456.5');
});
