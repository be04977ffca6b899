import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from '../../src/api/patch/json-patch.js';
import { patchErrorDetail } from '../../src/api/patch/patch-errors.js';
import { ApiError } from '../../src/api/errors.js';
import { deepFreeze } from './patch-schemas.js';

type Obj = Record<string, any>;

function doc(): Obj {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' }, labels: { 'a/b': 'x', 'c~d': 'y' } },
    spec: {
      replicas: 3,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.18' }, { name: 'side', image: 'busybox' }] },
      },
    },
  });
}

function jp(d: unknown, patch: unknown, fieldValidation?: string): Obj {
  return applyJsonPatch(d, deepFreeze(patch), fieldValidation ? { fieldValidation } : undefined) as Obj;
}

/** A 422 from an operation that does not apply: fixed message, the library's text as cause. */
function rejected(fn: () => unknown, detail: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.message, 'the server rejected our request due to an error in our request');
    assert.equal(patchErrorDetail(e), detail);
    return true;
  });
}

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, message);
    return true;
  });
}

test('kubectl rollout undo: replace /spec/template and /metadata/annotations', () => {
  const live = doc();
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.17' }] } };
  const annotations = { 'deployment.kubernetes.io/revision': '1', 'kubernetes.io/change-cause': 'v1' };
  const out = jp(live, [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ]);
  assert.deepEqual(out.spec.template, template);
  assert.deepEqual(out.metadata.annotations, annotations);
  assert.equal(out.spec.replicas, 3);
  assert.equal(live.spec.template.spec.containers[0].image, 'nginx:1.18', 'input untouched');
  assert.equal(out.metadata.labels, live.metadata.labels, 'untouched subtrees are shared');
});

test('add, remove, replace, move, copy and test', () => {
  const out = jp(doc(), [
    { op: 'test', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/spec/paused', value: true },
    { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'third', image: 'x' } },
    { op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'first', image: 'y' } },
    { op: 'remove', path: '/spec/template/spec/containers/2' },
    { op: 'replace', path: '/spec/replicas', value: 5 },
    { op: 'move', from: '/metadata/annotations', path: '/spec/template/metadata/annotations' },
    { op: 'copy', from: '/metadata/name', path: '/spec/template/metadata/labels/name' },
    { op: 'test', path: '/spec/template/metadata/labels', value: { app: 'web', name: 'web' } },
  ]);
  assert.equal(out.spec.paused, true);
  assert.equal(out.spec.replicas, 5);
  assert.deepEqual(out.spec.template.spec.containers.map((c: Obj) => c.name), ['first', 'nginx', 'third']);
  assert.equal('annotations' in out.metadata, false);
  assert.deepEqual(out.spec.template.metadata.annotations, { 'deployment.kubernetes.io/revision': '2' });
  assert.deepEqual(out.spec.template.metadata.labels, { app: 'web', name: 'web' });
});

test('JSON pointer escapes ~1 and ~0', () => {
  const out = jp(doc(), [
    { op: 'replace', path: '/metadata/labels/a~1b', value: 'X' },
    { op: 'remove', path: '/metadata/labels/c~0d' },
    { op: 'add', path: '/metadata/labels/~01', value: 'tilde-one' },
  ]);
  assert.deepEqual(out.metadata.labels, { 'a/b': 'X', '~1': 'tilde-one' });
});

test('negative indexes count from the end (evanphx extension)', () => {
  const out = jp(doc(), [
    { op: 'replace', path: '/spec/template/spec/containers/-1/image', value: 'last' },
    { op: 'remove', path: '/spec/template/spec/containers/-2' },
  ]);
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'side', image: 'last' }]);
});

test('replace of a missing object member adds it, as json-patch v4 does', () => {
  const out = jp(doc(), [{ op: 'replace', path: '/spec/paused', value: true }]);
  assert.equal(out.spec.paused, true);
});

test('operations that do not apply are 422s carrying the library text', () => {
  rejected(
    () => jp(doc(), [{ op: 'replace', path: '/spec/foo/bar', value: 1 }]),
    'replace operation does not apply: doc is missing path: /spec/foo/bar: missing value',
  );
  rejected(
    () => jp(doc(), [{ op: 'replace', path: '/spec/template/spec/containers/7', value: {} }]),
    'replace operation does not apply: doc is missing key: /spec/template/spec/containers/7: missing value',
  );
  rejected(
    () => jp(doc(), [{ op: 'add', path: '/status/replicas', value: 1 }]),
    'add operation does not apply: doc is missing path: "/status/replicas": missing value',
  );
  rejected(
    () => jp(doc(), [{ op: 'add', path: '/spec/template/spec/containers/5', value: {} }]),
    "error in add for path: '/spec/template/spec/containers/5': Unable to access invalid index: 5: invalid index referenced",
  );
  rejected(
    () => jp(doc(), [{ op: 'add', path: '/spec/template/spec/containers/x', value: {} }]),
    `error in add for path: '/spec/template/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
  );
  rejected(
    () => jp(doc(), [{ op: 'remove', path: '/metadata/labels/nope' }]),
    "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value",
  );
  rejected(() => jp(doc(), [{ op: 'test', path: '/spec/replicas', value: 4 }]), 'testing value /spec/replicas failed: test failed');
  rejected(
    () => jp(doc(), [{ op: 'move', from: '/spec/nope', path: '/spec/x' }]),
    "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value",
  );
  rejected(() => jp(doc(), [{ op: 'frob', path: '/spec' }]), 'Unexpected kind: frob');
  rejected(() => jp(doc(), [{ path: '/spec' }]), 'Unexpected kind: unknown');
  rejected(() => jp(doc(), [{ op: 'add', value: 1 }]), 'add operation failed to decode path: missing value');
  rejected(
    () => jp(doc(), [{ op: 'add', path: '', value: {} }]),
    'add operation does not apply: doc is missing path: "": missing value',
  );
});

test('the 422 Status has no causes, so kubectl prints "The request is invalid: ..."', () => {
  try {
    jp(doc(), [{ op: 'test', path: '/spec/replicas', value: 4 }]);
    assert.fail('expected an error');
  } catch (e) {
    assert.deepEqual((e as ApiError).toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  }
});

test('a patch that is not a list of operations is a 400 from the decoder', () => {
  badRequest(
    () => jp(doc(), { op: 'replace', path: '/spec/replicas', value: 1 }),
    'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
  );
  badRequest(
    () => jp(doc(), ['replace']),
    'error decoding patch: json: cannot unmarshal string into Go value of type handlers.jsonPatchOp',
  );
  badRequest(
    () => jp(doc(), [{ op: 5, path: '/spec' }]),
    'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string',
  );
  badRequest(
    () => jp(doc(), { op: 'replace' }, 'Ignore'),
    'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  );
  assert.deepEqual(jp(doc(), null), doc());
});

test('more than 10000 operations is 413', () => {
  const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Deployment' }));
  assert.throws(
    () => jp(doc(), ops),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 413 &&
      e.message === 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
  );
});

test('replace of the whole document needs an object or array', () => {
  assert.deepEqual(jp(doc(), [{ op: 'replace', path: '', value: { kind: 'X' } }]), { kind: 'X' });
  rejected(() => jp(doc(), [{ op: 'replace', path: '', value: 1 }]), 'replace operation value must be object or array: %!w(<nil>)');
});

test('copy and missing values behave like json-patch v4', () => {
  const copied = jp(doc(), [{ op: 'copy', from: '/spec/missing', path: '/spec/copied' }]);
  assert.equal(copied.spec.copied, null);
  jp(doc(), [{ op: 'test', path: '/spec/missing', value: null }]);
  rejected(() => jp(doc(), [{ op: 'test', path: '/spec/missing', value: 1 }]), 'testing value /spec/missing failed: test failed');
});

test('later operations never write through shared values', () => {
  const value = deepFreeze({ name: 'c', env: [{ name: 'A' }] });
  const out = jp(doc(), [
    { op: 'add', path: '/spec/template/spec/containers/-', value },
    { op: 'add', path: '/spec/template/spec/containers/2/env/-', value: { name: 'B' } },
    { op: 'copy', from: '/spec/template/spec/containers/2', path: '/spec/template/spec/containers/-' },
    { op: 'replace', path: '/spec/template/spec/containers/3/name', value: 'copy' },
  ]);
  const cs = out.spec.template.spec.containers;
  assert.deepEqual(cs[2], { name: 'c', env: [{ name: 'A' }, { name: 'B' }] });
  assert.deepEqual(cs[3], { name: 'copy', env: [{ name: 'A' }, { name: 'B' }] });
  assert.deepEqual(value, { name: 'c', env: [{ name: 'A' }] });
});

test('copies are limited to 3 MiB in total', () => {
  const big = deepFreeze({ data: { blob: 'x'.repeat(2 * 1024 * 1024) } });
  const once = jp(big, [{ op: 'copy', from: '/data/blob', path: '/data/again' }]);
  assert.equal(once.data.again.length, 2 * 1024 * 1024);
  rejected(
    () =>
      jp(big, [
        { op: 'copy', from: '/data/blob', path: '/data/a' },
        { op: 'copy', from: '/data/blob', path: '/data/b' },
      ]),
    'Unable to complete the copy, the accumulated size increase of copy is 4194308, exceeding the limit 3145728',
  );
});

test('"__proto__" members stay plain data', () => {
  const out = jp({ a: {} }, [{ op: 'add', path: '/a/__proto__', value: { polluted: true } }]);
  assert.equal(({} as Obj).polluted, undefined);
  assert.deepEqual(Object.keys(out.a), ['__proto__']);
  assert.equal(Object.getPrototypeOf(out.a), Object.prototype);
});
