import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../src/api/patch/merge-patch.js';
import { ApiError } from '../../src/api/errors.js';
import { deepFreeze } from './patch-schemas.js';

type Obj = Record<string, any>;

function mp(doc: unknown, patch: unknown, fieldValidation?: string): unknown {
  return applyMergePatch(deepFreeze(doc), deepFreeze(patch), fieldValidation ? { fieldValidation } : undefined);
}

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && e.message === message);
}

test('RFC 7386 appendix A examples (object targets)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [doc, patch, want] of cases) assert.deepEqual(mp(doc, patch), want, JSON.stringify({ doc, patch }));
});

test('kubectl scale and patch --type merge on a deployment', () => {
  const live = { metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 1, paused: true } };
  assert.deepEqual(mp(live, { spec: { replicas: 3 } }), {
    metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } },
    spec: { replicas: 3, paused: true },
  });
  assert.deepEqual(mp(live, { metadata: { labels: { tier: null, env: 'prod' } }, spec: { paused: null } }), {
    metadata: { name: 'web', labels: { app: 'web', env: 'prod' } },
    spec: { replicas: 1 },
  });
});

test('lists are replaced whole; nulls are pruned from new objects but kept as list elements', () => {
  const live = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } };
  assert.deepEqual(mp(live, { spec: { containers: [{ name: 'c', image: null }] } }), { spec: { containers: [{ name: 'c' }] } });
  assert.deepEqual(mp({}, { args: ['a', null] }), { args: ['a', null] });
  // A non-object patch value replaces an object as is (json-patch v4 prunes only when the target is no object).
  assert.deepEqual(mp({ a: { x: 1 } }, { a: [{ k: null }] }), { a: [{ k: null }] });
});

test('inputs are not mutated and untouched subtrees are shared', () => {
  const live = deepFreeze({ metadata: { labels: { a: '1' } }, spec: { template: { x: 1 } } });
  const out = applyMergePatch(live, deepFreeze({ metadata: { labels: { b: '2' } } })) as Obj;
  assert.deepEqual(out.metadata.labels, { a: '1', b: '2' });
  assert.equal(out.spec, live.spec);
  assert.deepEqual(live.metadata.labels, { a: '1' });
});

test('a body that is not a JSON object is a 400', () => {
  badRequest(
    () => mp({ a: 1 }, [{ op: 'add' }]),
    'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
  );
  badRequest(() => mp({ a: 1 }, 'x'), 'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}');
  badRequest(() => mp({ a: 1 }, null), 'Invalid JSON Patch');
  badRequest(() => mp({ a: 1 }, 5, 'Ignore'), 'Invalid JSON Patch');
  // With fieldValidation=Ignore an array body replaces the document (the object decode then fails upstream).
  assert.deepEqual(mp({ a: 1 }, [{ b: null }], 'Ignore'), [{}]);
});

test('"__proto__" keys stay plain data', () => {
  const patch = JSON.parse('{"__proto__":{"polluted":true},"a":{"__proto__":{"x":1}}}');
  const out = applyMergePatch({ a: {} }, patch) as Obj;
  assert.equal(({} as Obj).polluted, undefined);
  assert.deepEqual(Object.keys(out), ['a', '__proto__']);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(Object.getPrototypeOf(out.a), Object.prototype);
});
