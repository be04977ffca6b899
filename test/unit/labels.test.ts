import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import {
  everything,
  labelSelectorToString,
  newRequirement,
  nothing,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromSet,
} from '../../src/api/labels.js';

function parseError(s: string): string {
  try {
    parseSelector(s);
  } catch (e) {
    assert.ok(e instanceof ApiError, 'expected an ApiError');
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to be rejected`);
}

test('parse: valid selectors and their canonical text (upstream TestSetSelectorParser inputs)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['\rx', 'x'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    ['this-is-another-dns.domain.com/key-with-dash in (so,what)', 'this-is-another-dns.domain.com/key-with-dash in (so,what)'],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tock.clock)', '0.1.2.domain/99 notin (10.10.100.1,tick.tock.clock)'],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in ()', 'x in ()'],
    ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x>1', 'x>1'],
    ['x<7', 'x<7'],
    ['x=a,y!=b', 'x=a,y!=b'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x notin ( )', 'x notin ()'],
    ['x notin (, a)', 'x notin (,a)'],
    ['a ', 'a'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['x in (b,a,b)', 'x in (a,b)'],
    [' x = a , y = b ', 'x=a,y=b'],
    ['x=', 'x='],
    ['x=,z!= ', 'x=,z!='],
    ['!x', '!x'],
    ['notin=in', 'notin=in'],
    ['z=1,a=2', 'a=2,z=1'],
  ];
  for (const [input, want] of cases) assert.equal(parseSelector(input).toString(), want, JSON.stringify(input));
});

test('parse: syntax errors carry upstream messages', () => {
  const cases: [string, string][] = [
    ['x,,y', "found ',', expected: identifier after ','"],
    [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
    ['x nott in (y)', "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
    ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x=(', "unable to parse requirement: found '(', expected: identifier"],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
  ];
  for (const [input, want] of cases) assert.equal(parseError(input), want, JSON.stringify(input));
});

test('parse: invalid keys and values are field errors (nil path prints as <nil>)', () => {
  const qname =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const value =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  assert.equal(parseError('-x=a'), `unable to parse requirement: <nil>: Invalid value: "-x": ${qname}`);
  assert.equal(parseError('x=a||y=b'), `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${value}`);
  assert.equal(parseError('x>abc'), `unable to parse requirement: values[0]: Invalid value: "abc": for 'Gt', 'Lt' operators, the value must be an integer`);
  assert.equal(parseError('x<a.b'), `unable to parse requirement: values[0]: Invalid value: "a.b": for 'Gt', 'Lt' operators, the value must be an integer`);
  assert.equal(
    parseError('x in (-a,-b)'),
    `unable to parse requirement: [values[0][x]: Invalid value: "-a": ${value}, values[1][x]: Invalid value: "-b": ${value}]`,
  );
  // A negative bound is not a label value, so Gt/Lt selectors only compare against 0 and up.
  assert.match(parseError('x>-5'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "-5": a valid label/);
  assert.equal(parseError(`x=${'v'.repeat(64)}`), `unable to parse requirement: values[0][x]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`);
});

test('matches: upstream TestSelectorMatches', () => {
  const yes: [string, Record<string, string>][] = [
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x in (a,b)', { x: 'b' }],
    ['x notin (a,b)', { x: 'c' }],
    ['x notin (a,b)', {}],
    ['x!=y', {}],
    ['x in ()', { x: '' }],
    ['x>5', { x: '10' }], // numeric, not string order
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ];
  const no: [string, Record<string, string>][] = [
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['x>1', { x: 'two' }],
    ['x>1', {}],
    ['x in (a,b)', {}],
    ['x notin (a,b)', { x: 'a' }],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ];
  for (const [sel, labels] of yes) assert.equal(parseSelector(sel).matches(labels), true, `${sel} should match ${JSON.stringify(labels)}`);
  for (const [sel, labels] of no) assert.equal(parseSelector(sel).matches(labels), false, `${sel} should not match ${JSON.stringify(labels)}`);
  assert.equal(parseSelector('x!=y').matches(undefined), true);
  assert.equal(parseSelector('x=y').matches(undefined), false);
  // An inherited property is not a label.
  assert.equal(parseSelector('toString').matches({}), false);
});

test('LabelSelectorAsSelector: nil matches nothing, empty matches everything', () => {
  const nil = selectorFromLabelSelector(null);
  assert.equal(nil.matchesNothing(), true);
  assert.equal(nil.empty(), false);
  assert.equal(nil.matches({ app: 'web' }), false);
  assert.equal(nil.matches({}), false);
  assert.equal(selectorFromLabelSelector(undefined).matchesNothing(), true);

  const empty = selectorFromLabelSelector({});
  assert.equal(empty.empty(), true);
  assert.equal(empty.matchesNothing(), false);
  assert.equal(empty.matches({ anything: 'x' }), true);
  assert.equal(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).empty(), true);

  const sel = selectorFromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'back'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'zone', operator: 'Exists' },
    ],
  });
  assert.equal(sel.toString(), 'app=web,!canary,env notin (dev),tier in (back,front),zone');
  assert.equal(sel.matches({ app: 'web', tier: 'front', zone: 'a' }), true);
  assert.equal(sel.matches({ app: 'web', tier: 'front', zone: 'a', canary: 'yes' }), false);
  assert.equal(sel.matches({ app: 'web', tier: 'front', zone: 'a', env: 'dev' }), false);
  assert.equal(sel.matches({ app: 'web', tier: 'side', zone: 'a' }), false);
  assert.equal(sel.requiresExactMatch('app'), 'web');
  assert.equal(sel.requiresExactMatch('tier'), undefined);
});

test('LabelSelectorAsSelector: invalid selectors are 400s with upstream text', () => {
  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo', values: ['x'] }] }), {
    name: 'ApiError',
    message: '"Foo" is not a valid label selector operator',
  });
  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
    message: `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`,
  });
  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), {
    message: `values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist`,
  });
  assert.throws(() => selectorFromLabelSelector({ matchLabels: { 'a b': 'c' } }), { message: /^key: Invalid value: "a b": name part must consist/ });
});

test('FormatLabelSelector', () => {
  assert.equal(labelSelectorToString(null), '<none>');
  assert.equal(labelSelectorToString({}), '<none>');
  assert.equal(labelSelectorToString({ matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }), 'app=x,tier in (a,b)');
  assert.equal(labelSelectorToString({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
});

test('selectorFromSet, everything, nothing, newRequirement', () => {
  const s = selectorFromSet({ b: '2', a: '1' });
  assert.equal(s.toString(), 'a=1,b=2');
  assert.equal(s.matches({ a: '1', b: '2', c: '3' }), true);
  assert.equal(s.matches({ a: '1' }), false);
  assert.equal(s.requiresExactMatch('b'), '2');
  assert.equal(selectorFromSet({}).empty(), true);
  assert.equal(selectorFromSet(undefined).matches({ x: 'y' }), true);
  assert.equal(everything().matches(undefined), true);
  assert.equal(nothing().matches({}), false);
  assert.equal(nothing().toString(), '');
  assert.deepEqual(newRequirement('x', 'in', ['b', 'a']), { key: 'x', operator: 'in', values: ['b', 'a'] });
  assert.throws(() => newRequirement('x', '=', ['a', 'b']), { message: `values: Invalid value: []string{"a", "b"}: exact-match compatibility requires one single value` });
  assert.equal(parseSelector('x in (a)').requiresExactMatch('x'), 'a');
  assert.equal(parseSelector('x!=a').requiresExactMatch('x'), undefined);
});
