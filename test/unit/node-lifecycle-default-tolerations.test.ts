// DefaultTolerationSeconds admission: which pods get the not-ready/unreachable tolerations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { addDefaultTolerations } from '../../src/controllers/node-lifecycle/default-tolerations.js';

const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const opts = { notReadySeconds: 300, unreachableSeconds: 300 };

function pod(tolerations?: unknown[]): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...(tolerations ? { tolerations } : {}) } };
}

function tolerationsAfter(tolerations?: unknown[], o = opts): unknown[] {
  const p = pod(tolerations);
  addDefaultTolerations(p, o);
  return p.spec.tolerations;
}

test('a pod without tolerations gets both, not-ready first', () => {
  assert.deepEqual(tolerationsAfter(), [NOT_READY, UNREACHABLE]);
  assert.deepEqual(tolerationsAfter([]), [NOT_READY, UNREACHABLE]);
});

test('the configured seconds are used', () => {
  assert.deepEqual(tolerationsAfter(undefined, { notReadySeconds: 10, unreachableSeconds: 20 }), [
    { ...NOT_READY, tolerationSeconds: 10 },
    { ...UNREACHABLE, tolerationSeconds: 20 },
  ]);
});

test('existing tolerations are kept and only the missing default is added', () => {
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 6000 };
  assert.deepEqual(tolerationsAfter([own]), [own, NOT_READY]);
  const other = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
  assert.deepEqual(tolerationsAfter([other]), [other, NOT_READY, UNREACHABLE]);
});

test('upstream matching: key equal or empty, effect NoExecute or empty; operator and value ignored', () => {
  const cases: [unknown, boolean, boolean][] = [
    // [toleration, counts for not-ready, counts for unreachable]
    [{ operator: 'Exists' }, true, true],
    [{ operator: 'Exists', effect: 'NoExecute' }, true, true],
    [{ operator: 'Exists', effect: 'NoSchedule' }, false, false],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, true, false],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Equal', value: 'x', effect: 'NoExecute' }, true, false],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, false, false],
    [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', tolerationSeconds: 1 }, false, true],
  ];
  for (const [tol, nr, un] of cases) {
    const want = [tol, ...(nr ? [] : [NOT_READY]), ...(un ? [] : [UNREACHABLE])];
    assert.deepEqual(tolerationsAfter([tol]), want, JSON.stringify(tol));
  }
});

test('a pod that tolerates both is left exactly as it was', () => {
  const p = pod([{ operator: 'Exists' }]);
  const before = p.spec.tolerations;
  addDefaultTolerations(p, opts);
  assert.equal(p.spec.tolerations, before);
  const noSpec: KObject = { metadata: { name: 'x' } };
  addDefaultTolerations(noSpec, opts);
  assert.equal(noSpec.spec, undefined);
});
