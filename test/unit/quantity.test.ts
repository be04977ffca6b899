import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  QUANTITY_FORMAT_ERROR,
  QUANTITY_SUFFIX_ERROR,
  Quantity,
  QuantityParseError,
  isValidQuantity,
  parseQuantity,
  parseQuantityValue,
} from '../../src/api/quantity.js';

const str = (s: string) => parseQuantity(s).toString();

test('parse and emit: canonical forms (upstream TestQuantityParseEmit and TestQuantityString alternates)', () => {
  const cases: [string, string][] = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['307200Ki', '300Mi'],
    ['1025024Mi', '1001Gi'],
    ['1024Gi', '1Ti'],
    ['1000M', '1G'],
    ['0.001T', '1G'],
    ['1000u', '1m'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['00', '0'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1.5Gi', '1536Mi'],
    ['0.5Mi', '512Ki'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['5000m', '5'],
    ['1e3', '1e3'],
    ['1e6', '1e6'],
    ['2k', '2k'],
    ['500M', '500M'],
    ['1500m', '1500m'],
    ['1200k', '1200k'],
    ['10000k', '10M'],
    ['12E', '12E'],
  ];
  for (const [input, want] of cases) {
    assert.equal(str(input), want, input);
    // Negative versions print with a sign, except zero.
    if (want !== '0') assert.equal(str('-' + input), '-' + want, '-' + input);
  }
});

test('parse: canonical inputs keep their text, including upstream quirks', () => {
  for (const s of ['100m', '1Gi', '1e3', '1E3', '5', '1080m', '+1', '01', '1.', '1.G', '1025Ki']) assert.equal(str(s), s);
  // "Gi", "-" and "." are zero to upstream's scanner.
  assert.equal(str('Gi'), '0');
  assert.equal(str('-'), '0');
  assert.equal(str('.'), '0');
});

test('parse: rounding up to nano, BinarySI cap and format changes', () => {
  const cases: [string, string, string][] = [
    ['3.001n', '4n', 'DecimalSI'],
    ['1.1E-9', '2e-9', 'DecimalExponent'],
    ['0.0000000001', '1n', 'DecimalSI'],
    ['0.00000000050', '1n', 'DecimalSI'],
    ['0.5e-9', '1e-9', 'DecimalExponent'],
    ['0.9n', '1n', 'DecimalSI'],
    ['0.00000012345', '124n', 'DecimalSI'],
    ['9Ei', '9223372036854775807', 'BinarySI'],
    ['9223372036854775807Ki', '9223372036854775807', 'BinarySI'],
    ['100.035Ki', '102435840m', 'BinarySI'],
    ['0.05Gi', '53687091200m', 'BinarySI'],
    ['0.000000000001Ki', '2n', 'DecimalSI'],
    ['12345678901234567890', '12345678901234567890', 'DecimalSI'],
  ];
  for (const [input, want, format] of cases) {
    const q = parseQuantity(input);
    assert.equal(q.toString(), want, input);
    assert.equal(q.format, format, input);
  }
  assert.equal(str('-3.001n'), '-4n');
});

test('parse: errors carry upstream messages', () => {
  const cases: [string, string][] = [
    ['', QUANTITY_FORMAT_ERROR],
    ['1.1.M', QUANTITY_FORMAT_ERROR],
    ['1+1.0M', QUANTITY_FORMAT_ERROR],
    ['aoeu', QUANTITY_FORMAT_ERROR],
    [' 1', QUANTITY_FORMAT_ERROR],
    ['1 ', QUANTITY_FORMAT_ERROR],
    ['1Gb', QUANTITY_FORMAT_ERROR],
    ['0.1mi', QUANTITY_SUFFIX_ERROR],
    ['0.1am', QUANTITY_FORMAT_ERROR],
    ['.5i', QUANTITY_SUFFIX_ERROR],
    ['1i', QUANTITY_SUFFIX_ERROR],
    ['-3.01i', QUANTITY_SUFFIX_ERROR],
    ['-3.01e-', QUANTITY_SUFFIX_ERROR],
    ['1e', QUANTITY_SUFFIX_ERROR],
    ['1mm', QUANTITY_SUFFIX_ERROR],
    ['1Ki3', QUANTITY_SUFFIX_ERROR],
  ];
  for (const [input, msg] of cases) {
    assert.throws(() => parseQuantity(input), (e: unknown) => e instanceof QuantityParseError && e.message === msg, JSON.stringify(input));
    assert.equal(isValidQuantity(input), false);
  }
  assert.equal(QUANTITY_FORMAT_ERROR, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.equal(isValidQuantity('250m'), true);
});

test('JSON values: numbers and padded strings', () => {
  assert.equal(parseQuantityValue(' 1').toString(), '1');
  assert.equal(parseQuantityValue('1 ').toString(), '1');
  assert.equal(parseQuantityValue(1.5).toString(), '1500m');
  assert.equal(parseQuantityValue(-1).toString(), '-1');
  assert.equal(JSON.stringify({ cpu: parseQuantity('1.5') }), '{"cpu":"1500m"}');
});

test('value, milliValue (ceil, away from zero) and toNumber', () => {
  assert.equal(parseQuantity('100m').milliValue(), 100);
  assert.equal(parseQuantity('100m').toMillis(), 100);
  assert.equal(parseQuantity('1.5').milliValue(), 1500);
  assert.equal(parseQuantity('1.5').value(), 2);
  assert.equal(parseQuantity('1n').milliValue(), 1);
  assert.equal(parseQuantity('1Gi').value(), 1073741824);
  assert.equal(parseQuantity('1Gi').toNumber(), 1073741824);
  assert.equal(parseQuantity('500M').toNumber(), 500e6);
  assert.equal(parseQuantity('250m').toNumber(), 0.25);
  assert.equal(parseQuantity('1e3').value(), 1000);
  assert.equal(parseQuantity('-1.5').value(), -2);
  assert.equal(parseQuantity('0').value(), 0);
  assert.equal(Quantity.fromScaled(1, 2).scaledValue(-2), 10000n);
});

test('cmp, add, sub, neg, mul', () => {
  const q = parseQuantity;
  assert.equal(q('1Gi').cmp(q('1024Mi')), 0);
  assert.equal(q('1G').cmp(q('1Gi')), -1);
  assert.equal(q('1500m').cmp(q('1.5')), 0);
  assert.equal(q('2').cmp(q('1999m')), 1);
  assert.equal(q('-1').cmp(q('1n')), -1);
  assert.equal(q('0').cmp(q('-0')), 0);
  assert.equal(q('1e1000').cmp(q('9E')), 1);
  assert.ok(q('100m').equals(q('0.1')));
  assert.equal(q('1').add(q('500m')).toString(), '1500m');
  assert.equal(q('10').add(q('1')).toString(), '11');
  assert.equal(q('1Gi').add(q('512Mi')).toString(), '1536Mi');
  assert.equal(q('1Gi').sub(q('1Gi')).toString(), '0');
  assert.equal(q('1Gi').sub(q('1')).toString(), '1073741823');
  // A zero receiver takes the argument's format.
  assert.equal(q('0').add(q('1Ki')).toString(), '1Ki');
  assert.equal(q('0').sub(q('50')).toString(), '-50');
  assert.equal(q('1Ki').add(q('1')).format, 'BinarySI');
  assert.equal(q('901m').neg().mul(10).toString(), '-9010m');
  assert.equal(q('10').mul(-10).toString(), '-100');
});

test('constructors (upstream TestNewSet / TestMilliNewSet / TestNewScaledSet)', () => {
  const cases: [Quantity, string][] = [
    [Quantity.fromNumber(1), '1'],
    [Quantity.fromNumber(1000), '1k'],
    [Quantity.fromNumber(1234000), '1234k'],
    [Quantity.fromNumber(1024, 'BinarySI'), '1Ki'],
    [Quantity.fromNumber(1024 * 1024, 'BinarySI'), '1Mi'],
    [Quantity.fromNumber(1000000, 'DecimalExponent'), '1e6'],
    [Quantity.fromMillis(1), '1m'],
    [Quantity.fromMillis(1000), '1'],
    [Quantity.fromMillis(1234000), '1234'],
    [Quantity.fromMillis(1024, 'BinarySI'), '1024m'],
    [Quantity.fromMillis(1000000, 'DecimalExponent'), '1e3'],
    [Quantity.fromMillis(1024 * 1024, 'BinarySI'), '1048576m'],
    [Quantity.fromScaled(1, -9), '1n'],
    [Quantity.fromScaled(1000, -9), '1u'],
    [Quantity.fromScaled(1000, -3), '1'],
    [Quantity.fromScaled(0, -9), '0'],
    [Quantity.fromNumber(5, 'BinarySI'), '5'],
    [Quantity.fromNumber(1025, 'BinarySI'), '1025'],
    [Quantity.fromMillis(500, 'BinarySI'), '500m'],
  ];
  for (const [q, want] of cases) assert.equal(q.toString(), want);
});

test('roundUpMilli: defaulting rounds requests and limits up to milli precision', () => {
  assert.equal(parseQuantity('1500u').roundUpMilli().toString(), '2m');
  assert.equal(parseQuantity('1n').roundUpMilli().toString(), '1m');
  assert.equal(parseQuantity('-1n').roundUpMilli().toString(), '-1m');
  assert.equal(parseQuantity('0.1234').roundUpMilli().toString(), '124m');
  const kept = parseQuantity('+100m');
  assert.equal(kept.roundUpMilli(), kept);
  assert.equal(kept.roundUpMilli().toString(), '+100m');
  assert.equal(parseQuantity('64Mi').roundUpMilli().toString(), '64Mi');
});
