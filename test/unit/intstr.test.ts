import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath } from '../../src/api/errors.js';
import {
  intOrPercentValue,
  intValue,
  isNotMoreThan100Percent,
  percentValue,
  scaledValueFromIntOrPercent,
  validatePositiveIntOrPercent,
} from '../../src/api/intstr.js';

const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
const path = FieldPath.root('spec').child('strategy', 'rollingUpdate', 'maxSurge');
const msgs = (errs: { toString(): string }[]) => errs.map((e) => e.toString());

test('GetScaledValueFromIntOrPercent: upstream table', () => {
  const cases: [number | string, number, boolean, number][] = [
    [123, 0, false, 123],
    ['90%', 100, true, 90],
    ['90%', 95, true, 86],
    ['90%', 95, false, 85],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, true, 1],
    ['0%', 7, true, 0],
    ['100%', 3, false, 3],
    ['150%', 2, false, 3],
    ['+10%', 10, false, 1],
    [0, 10, true, 0],
  ];
  for (const [v, total, up, want] of cases) assert.equal(scaledValueFromIntOrPercent(v, total, up), want, `${v} of ${total} ${up}`);
});

test('GetScaledValueFromIntOrPercent: errors with upstream text', () => {
  const cases: [string | null, string][] = [
    [null, 'nil value for IntOrString'],
    ['90', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['%', 'invalid value for IntOrString: invalid value "%": strconv.Atoi: parsing "": invalid syntax'],
    ['90#', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['#%', 'invalid value for IntOrString: invalid value "#%": strconv.Atoi: parsing "#": invalid syntax'],
    ['1.5%', 'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax'],
    ['99999999999999999999%', 'invalid value for IntOrString: invalid value "99999999999999999999%": strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ];
  for (const [v, msg] of cases) assert.throws(() => scaledValueFromIntOrPercent(v, 10, true), { message: msg }, String(v));
});

test('ValidatePositiveIntOrPercent: percent strings and non-negative ints', () => {
  assert.deepEqual(msgs(validatePositiveIntOrPercent('25%', path)), []);
  assert.deepEqual(msgs(validatePositiveIntOrPercent(0, path)), []);
  assert.deepEqual(msgs(validatePositiveIntOrPercent(3, path)), []);
  assert.deepEqual(msgs(validatePositiveIntOrPercent(-1, path)), ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0']);
  // The bad value is the IntOrString struct, which Go prints with %#v.
  assert.deepEqual(msgs(validatePositiveIntOrPercent('abc', path)), [
    `spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}: ${PERCENT_MSG}`,
  ]);
  assert.deepEqual(msgs(validatePositiveIntOrPercent('5', path)), [
    `spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"5"}: ${PERCENT_MSG}`,
  ]);
  assert.deepEqual(msgs(validatePositiveIntOrPercent('-5%', path)), [
    `spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"-5%"}: ${PERCENT_MSG}`,
  ]);
});

test('IsNotMoreThan100Percent: only valid percents are checked', () => {
  assert.deepEqual(msgs(isNotMoreThan100Percent('100%', path)), []);
  assert.deepEqual(msgs(isNotMoreThan100Percent(150, path)), []);
  assert.deepEqual(msgs(isNotMoreThan100Percent('abc%', path)), []);
  assert.deepEqual(msgs(isNotMoreThan100Percent('101%', path)), ['spec.strategy.rollingUpdate.maxSurge: Invalid value: "101%": must not be greater than 100%']);
});

test('IntValue, getPercentValue, getIntOrPercentValue', () => {
  assert.equal(intValue(5), 5);
  assert.equal(intValue('7'), 7);
  assert.equal(intValue('25%'), 0);
  assert.equal(percentValue('25%'), 25);
  assert.equal(percentValue('25'), undefined);
  assert.equal(percentValue(25), undefined);
  assert.equal(intOrPercentValue('25%'), 25);
  assert.equal(intOrPercentValue(3), 3);
});
