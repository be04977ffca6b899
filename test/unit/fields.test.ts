import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import { escapeFieldValue, fieldSelectorFromSet, parseFieldSelector, unescapeFieldValue } from '../../src/api/fields.js';

function parseError(s: string): string {
  try {
    parseFieldSelector(s);
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 400);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to be rejected`);
}

const getter = (fields: Record<string, string>) => (f: string) => fields[f];

test('parse: terms, operators and canonical text (terms sorted by their raw text)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['z=1,a=2', 'a=2,z=1'],
    ['metadata.name=web,status.phase!=Running', 'metadata.name=web,status.phase!=Running'],
    ['a=', 'a='],
    ['a=b,', 'a=b'],
    [',,a=b', 'a=b'],
    ['a=b\\,c', 'a=b\\,c'],
    ['a=b\\=c\\\\', 'a=b\\=c\\\\'],
    ['x!=y\\=z', 'x!=y\\=z'],
  ];
  for (const [input, want] of cases) assert.equal(parseFieldSelector(input).toString(), want, JSON.stringify(input));
  assert.deepEqual(parseFieldSelector('spec.nodeName==n1,metadata.namespace!=kube-system').requirements, [
    { field: 'metadata.namespace', op: '!=', value: 'kube-system' },
    { field: 'spec.nodeName', op: '=', value: 'n1' },
  ]);
  assert.deepEqual(parseFieldSelector('a=x\\,y\\=z').requirements, [{ field: 'a', op: '=', value: 'x,y=z' }]);
  assert.equal(parseFieldSelector('').empty(), true);
  assert.equal(parseFieldSelector('a=b').empty(), false);
});

test('parse: errors with upstream wording', () => {
  assert.equal(parseError('abc'), "invalid selector: 'abc'; can't understand 'abc'");
  assert.equal(parseError('a=b,oops'), "invalid selector: 'a=b,oops'; can't understand 'oops'");
  // Upstream prints the rune with %v: its code point.
  assert.equal(parseError('a=b=c'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseError('metadata.name!==x'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseError('a=b\\x'), 'invalid field selector: invalid escape sequence: \\x');
  assert.equal(parseError('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
});

test('matches: absent fields compare as the empty string', () => {
  const obj = getter({ 'metadata.name': 'web', 'status.phase': 'Running' });
  assert.equal(parseFieldSelector('metadata.name=web').matches(obj), true);
  assert.equal(parseFieldSelector('metadata.name=db').matches(obj), false);
  assert.equal(parseFieldSelector('status.phase!=Running').matches(obj), false);
  assert.equal(parseFieldSelector('status.phase!=Pending,metadata.name=web').matches(obj), true);
  assert.equal(parseFieldSelector('spec.nodeName=').matches(obj), true);
  assert.equal(parseFieldSelector('spec.nodeName!=').matches(obj), false);
  assert.equal(parseFieldSelector('spec.nodeName!=n1').matches(obj), true);
  assert.equal(parseFieldSelector('').matches(obj), true);
});

test('escaping round-trips and requiresExactMatch', () => {
  for (const v of ['', 'plain', 'a,b', 'a=b', 'back\\slash', '\\,=']) {
    assert.equal(unescapeFieldValue(escapeFieldValue(v)), v);
    assert.deepEqual(parseFieldSelector(`f=${escapeFieldValue(v)}`).requirements, [{ field: 'f', op: '=', value: v }]);
  }
  assert.equal(escapeFieldValue('a\\b,c=d'), 'a\\\\b\\,c\\=d');
  const s = parseFieldSelector('metadata.name=web,spec.nodeName!=n1');
  assert.equal(s.requiresExactMatch('metadata.name'), 'web');
  assert.equal(s.requiresExactMatch('spec.nodeName'), undefined);
  const set = fieldSelectorFromSet({ 'metadata.name': 'a,b' });
  assert.equal(set.toString(), 'metadata.name=a\\,b');
  assert.equal(set.matches(getter({ 'metadata.name': 'a,b' })), true);
});
