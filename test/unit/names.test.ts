import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NAME_SUFFIX_ALPHABET,
  generateName,
  generateNameSuffix,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isRelaxedEnvVarName,
  isEnvVarName,
  isValidIP,
  isValidIPv4Address,
  isValidIPv6Address,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from '../../src/api/validation/names.js';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('IsDNS1123Label: upstream good and bad values', () => {
  for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)]) {
    assert.deepEqual(isDNS1123Label(v), [], v);
  }
  const bad = ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', '1.', '.1', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2'];
  for (const v of bad) assert.deepEqual(isDNS1123Label(v), [LABEL_MSG], v);
});

test('IsDNS1123Label: a valid subdomain is rejected only for its dots; length is reported first', () => {
  assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  assert.deepEqual(isDNS1123Label('1.2'), ['must not contain dots']);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(isDNS1123Label('A'.repeat(64)), ['must be no more than 63 characters', LABEL_MSG]);
});

test('IsDNS1123Subdomain: upstream good and bad values', () => {
  const good = ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'abc.a', 'a1.a', 'a-1.a', 'a--1--2--b.a', 'a.1', '0.a', '1--a--b--2.1', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)];
  for (const v of good) assert.deepEqual(isDNS1123Subdomain(v), [], v);
  const bad = ['', 'A', 'ABC', 'aBc', 'A1', '-', 'a-', '-a', '_', 'a_b', '.', 'a.', '.a', 'a..b', '1..2', ' ', 'a b', 'A.a', 'aB.a', 'ab.A', '0.A', 'A.B.C.D.E', 'a@b', 'a,b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b'];
  for (const v of bad) assert.deepEqual(isDNS1123Subdomain(v), [SUBDOMAIN_MSG], v);
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
});

test('IsDNS1035Label: must start with a letter', () => {
  for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)]) assert.deepEqual(isDNS1035Label(v), [], v);
  for (const v of ['0', '01', '1a', '1-a', '', 'A', 'a-', '-a', 'a.b', 'a_b']) assert.deepEqual(isDNS1035Label(v), [DNS1035_MSG], v);
  assert.deepEqual(isDNS1035Label('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('IsQualifiedName: upstream good values', () => {
  const good = [
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    '1234',
    'simple/simple',
    'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes',
    'now.with.dots/simple',
    'now-with.dashes-and.dots/simple',
    '1-num.2-num/3-num',
    '1234/5678',
    '1.2.3.4/5678',
    'Uppercase_Is_OK_123',
    'example.com/Uppercase_Is_OK_123',
    'requests.storage-foo',
    'a'.repeat(63),
    'a'.repeat(253) + '/' + 'b'.repeat(63),
  ];
  for (const v of good) assert.deepEqual(isQualifiedName(v), [], v);
});

test('IsQualifiedName: messages name the failing part', () => {
  const cases: [string, string[]][] = [
    ['nospecialchars%^=@', ['name part ' + QNAME_MSG]],
    ['cantendwithadash-', ['name part ' + QNAME_MSG]],
    ['-cantstartwithadash-', ['name part ' + QNAME_MSG]],
    ['Example.com/abc', ['prefix part ' + SUBDOMAIN_MSG]],
    ['example_com/abc', ['prefix part ' + SUBDOMAIN_MSG]],
    ['example.com/', ['name part must be non-empty', 'name part ' + QNAME_MSG]],
    ['/simple', ['prefix part must be non-empty']],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    ['a'.repeat(254) + '/abc', ['prefix part must be no more than 253 characters']],
    [
      'only/one/slash',
      [
        'a qualified name ' +
          QNAME_MSG +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    ],
  ];
  for (const [v, want] of cases) assert.deepEqual(isQualifiedName(v), want, v);
});

test('IsValidLabelValue: empty is valid; 63 characters at most', () => {
  for (const v of ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), '', 'Mixed_Case.OK']) {
    assert.deepEqual(isValidLabelValue(v), [], v);
  }
  for (const v of ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.']) {
    assert.deepEqual(isValidLabelValue(v), [LABEL_VALUE_MSG], v);
  }
  assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
  // Go counts bytes: 32 two-byte characters are 64 bytes.
  assert.deepEqual(isValidLabelValue('é'.repeat(32)), ['must be no more than 63 characters', LABEL_VALUE_MSG]);
});

test('IsValidPortName and IsValidPortNum', () => {
  for (const v of ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3']) assert.deepEqual(isValidPortName(v), [], v);
  assert.deepEqual(isValidPortName('longerthan15characters'), ['must be no more than 15 characters']);
  assert.deepEqual(isValidPortName(''), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('12345'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('-begin'), ['must not begin or end with a hyphen']);
  assert.deepEqual(isValidPortName('two--hyphens'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('whois++'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']);
  assert.deepEqual(isValidPortName('HTTP'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortNum(1), []);
  assert.deepEqual(isValidPortNum(65535), []);
  assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
  assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);
});

test('IsValidIP: ParseIPSloppy grammar (leading zeros allowed, zones not)', () => {
  const good = ['1.1.1.1', '1.1.1.01', '255.0.0.1', '0.0.0.0', '::', '::1', '2001:db8::', '2001:4860:4860::8888', '::ffff:1.2.3.4', '::fff:1.1.1.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4'];
  for (const v of good) assert.deepEqual(isValidIP(v), [], v);
  const bad = ['', 'a', '0..0.0', '1.2.3', '1.2.3.4.5', '1.1.1.256', '1.1.1.1/24', '::ffff:1.1.1.1.1', '2001:4860:4860::8888::', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', ':1:2:3', 'g::1'];
  for (const v of bad) assert.deepEqual(isValidIP(v), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'], v);
  assert.deepEqual(isValidIPv4Address('10.0.0.1'), []);
  assert.deepEqual(isValidIPv4Address('::1'), ['must be a valid IPv4 address']);
  assert.deepEqual(isValidIPv6Address('::1'), []);
  assert.deepEqual(isValidIPv6Address('::ffff:1.2.3.4'), ['must be a valid IPv6 address']);
  assert.deepEqual(isValidIPv6Address('10.0.0.1'), ['must be a valid IPv6 address']);
});

test('other value checks: percent, env var names, config map keys', () => {
  assert.deepEqual(isValidPercent('25%'), []);
  assert.deepEqual(isValidPercent('25'), ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]);
  assert.deepEqual(isEnvVarName('MY_VAR.name-1'), []);
  assert.deepEqual(isEnvVarName('1abc'), [
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
  ]);
  assert.deepEqual(isEnvVarName('..x'), ["must not start with '..'"]);
  assert.deepEqual(isRelaxedEnvVarName('1 abc'), []);
  assert.deepEqual(isRelaxedEnvVarName('a=b'), ["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
  assert.deepEqual(isRelaxedEnvVarName(''), ['environment variable name must be non-empty']);
  assert.deepEqual(isConfigMapKey('key.name'), []);
  assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
  assert.deepEqual(isConfigMapKey('a/b'), [
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
});

test('name functions: generateName prefixes may end in a dash', () => {
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  assert.deepEqual(nameIsDNSLabel('web-', true), []);
  assert.deepEqual(nameIsDNS1035Label('web-', true), []);
  assert.deepEqual(nameIsDNSSubdomain('web-', false), [SUBDOMAIN_MSG]);
  assert.deepEqual(nameIsDNSSubdomain('Web-', true), [SUBDOMAIN_MSG]);
  assert.deepEqual(nameIsDNSSubdomain('-', true), [SUBDOMAIN_MSG]);
  assert.deepEqual(nameIsDNS1035Label('1web-', true), [DNS1035_MSG]);
  assert.deepEqual(nameIsDNSLabel('my.app', false), ['must not contain dots']);
});

test('generateName: five characters from the upstream alphabet after a prefix of at most 58', () => {
  const alphabet = new Set(NAME_SUFFIX_ALPHABET);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = generateNameSuffix();
    assert.equal(s.length, 5);
    for (const c of s) assert.ok(alphabet.has(c), `unexpected character ${c}`);
    seen.add(s);
  }
  assert.ok(seen.size > 150, 'suffixes should vary');
  const n = generateName('web-');
  assert.match(n, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const long = generateName('x'.repeat(70));
  assert.equal(long.length, 63);
  assert.ok(long.startsWith('x'.repeat(58)));
  assert.deepEqual(isDNS1123Label(long.slice(0, 58) + 'bbbbb'), []);
});
