import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, deepPrint, Fnv32a, safeEncodeString, SAFE_ALPHANUMS } from '../../src/controllers/shared/hash.js';

test('FNV-32a matches the reference vectors', () => {
  const cases: [string, number][] = [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
    ['chongo was here!\n', 0xd49930d5],
  ];
  for (const [input, want] of cases) assert.equal(new Fnv32a().write(input).sum32(), want, JSON.stringify(input));
});

test('FNV-32a is incremental: writing in pieces equals writing at once', () => {
  assert.equal(new Fnv32a().write('foo').write('bar').sum32(), new Fnv32a().write('foobar').sum32());
  assert.equal(new Fnv32a().write(new Uint8Array([0x66, 0x6f, 0x6f])).sum32(), new Fnv32a().write('foo').sum32());
});

test('safeEncodeString maps by code point modulo the 27-letter alphabet', () => {
  assert.equal(SAFE_ALPHANUMS.length, 27);
  const cases: [string, string][] = [
    ['0123456789', '456789bcdf'], // digits: '0' is 48, 48 % 27 = 21 -> '4'
    ['', ''],
    ['a', 'v'], // 97 % 27 = 16
    ['9876', 'fdcb'],
  ];
  for (const [input, want] of cases) assert.equal(safeEncodeString(input), want, input);
});

test('computeHash: upstream shape, deterministic, key-order and null insensitive, salted by collisionCount', () => {
  const t1 = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.16' }] } };
  const t2 = { spec: { containers: [{ image: 'nginx:1.16', name: 'c' }] }, metadata: { creationTimestamp: null, labels: { tier: 'fe', app: 'web' } } };
  const h = computeHash(t1);
  assert.match(h, /^[456789bcdf]{1,10}$/);
  assert.equal(computeHash(t2), h);
  assert.equal(computeHash(t1, undefined), h);
  const rows: [object, number | undefined][] = [
    [{ ...t1, spec: { containers: [{ name: 'c', image: 'nginx:1.17' }] } }, undefined],
    [t1, 0],
    [t1, 1],
    [t1, 2],
  ];
  const seen = new Set([h]);
  for (const [t, cc] of rows) {
    const x = computeHash(t, cc);
    assert.ok(!seen.has(x), `hash ${x} repeated for collisionCount ${cc}`);
    seen.add(x);
  }
});

test('computeHash: the collisionCount bytes are 4 little-endian plus 4 zero bytes after the template print', () => {
  const t = { a: 1 };
  const h = new Fnv32a().write(deepPrint(t)).write(new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(computeHash(t, 5), safeEncodeString(String(h.sum32())));
});

test('deepPrint: arrays keep order, maps sort keys, strings are quoted', () => {
  assert.equal(deepPrint({ b: [2, 1], a: 'x', c: null }), '{a:"x" b:[2 1]}');
  assert.notEqual(deepPrint({ a: '1' }), deepPrint({ a: 1 }));
});
