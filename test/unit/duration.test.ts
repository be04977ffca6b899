import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoDurationError, ageSince, formatGoDuration, humanDuration, parseGoDuration, shortHumanDuration } from '../../src/api/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('HumanDuration: upstream table plus every boundary', () => {
  const cases: [number, string][] = [
    [S, '1s'],
    [70 * S, '70s'],
    [190 * S, '3m10s'],
    [70 * M, '70m'],
    [47 * H, '47h'],
    [49 * H, '2d1h'],
    [(8 * 24 + 2) * H, '8d'],
    [367 * D, '367d'],
    [(365 * 2 * 24 + 25) * H, '2y1d'],
    [(365 * 8 * 24 + 2) * H, '8y'],
    [0, '0s'],
    [999, '0s'],
    [119 * S + 999, '119s'],
    [120 * S, '2m'],
    [5 * M, '5m'],
    [5 * M + 10 * S, '5m10s'],
    [10 * M - 1, '9m59s'],
    [10 * M, '10m'],
    [3 * H - 1, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [8 * H - 1, '7h59m'],
    [8 * H, '8h'],
    [48 * H - 1, '47h'],
    [48 * H, '2d'],
    [8 * D - 1, '7d23h'],
    [2 * 365 * D - 1, '729d'],
    [2 * 365 * D, '2y'],
    [2 * 365 * D + 45 * D, '2y45d'],
    [8 * 365 * D - 1, '7y364d'],
    [20 * 365 * D, '20y'],
    // Clock skew: up to two seconds in the future is "now".
    [-1999, '0s'],
    [-2000, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

test('ShortHumanDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [59 * S, '59s'],
    [60 * S, '1m'],
    [59 * M, '59m'],
    [60 * M, '1h'],
    [23 * H, '23h'],
    [24 * H, '1d'],
    [364 * D, '364d'],
    [365 * D, '1y'],
    [-1500, '0s'],
    [-2500, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want, String(ms));
});

test('ageSince: kubectl AGE column', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(ageSince('2024-05-01T11:55:00Z', now), '5m');
  assert.equal(ageSince('2024-04-29T12:00:00Z', now), '2d');
  assert.equal(ageSince(undefined, now), '<unknown>');
  assert.equal(ageSince(null, now), '<unknown>');
});

test('parseGoDuration: Go time.ParseDuration values (in milliseconds)', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['5s', 5 * S],
    ['30s', 30 * S],
    ['1478s', 1478 * S],
    ['-5s', -5 * S],
    ['+5s', 5 * S],
    ['-0', 0],
    ['+0', 0],
    ['5.0s', 5 * S],
    ['5.6s', 5600],
    ['5.s', 5 * S],
    ['.5s', 500],
    ['1.004s', 1004],
    ['100.00100s', 100001],
    ['10ns', 0.00001],
    ['11us', 0.011],
    ['12µs', 0.012],
    ['12μs', 0.012],
    ['13ms', 13],
    ['14s', 14 * S],
    ['15m', 15 * M],
    ['16h', 16 * H],
    ['3h30m', 3.5 * H],
    ['10.5s4m', 4 * M + 10500],
    ['-2m3.4s', -(2 * M + 3400)],
    ['1h2m3s4ms5us6ns', H + 2 * M + 3 * S + 4.005006],
    ['39h9m14.425s', 39 * H + 9 * M + 14425],
    ['52763797000ns', 52763.797],
    ['0.3333333333333333333h', 20 * M],
    ['1m30s', 90 * S],
    ['300ms', 300],
    ['2h', 2 * H],
  ];
  for (const [s, want] of cases) assert.equal(parseGoDuration(s), want, s);
});

test('parseGoDuration: Go error messages', () => {
  const cases: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ];
  for (const [s, msg] of cases) {
    assert.throws(() => parseGoDuration(s), (e: unknown) => e instanceof GoDurationError && e.message === msg, s);
  }
});

test('formatGoDuration: Go time.Duration.String', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [0.000001, '1ns'],
    [0.0011, '1.1µs'],
    [2.2, '2.2ms'],
    [3300, '3.3s'],
    [4 * M + 5 * S, '4m5s'],
    [4 * M + 5001, '4m5.001s'],
    [5 * H + 6 * M + 7001, '5h6m7.001s'],
    [8 * M + 0.000001, '8m0.000000001s'],
    [2 * H, '2h0m0s'],
    [90 * S, '1m30s'],
    [-M, '-1m0s'],
    [-0.0011, '-1.1µs'],
  ];
  for (const [ms, want] of cases) assert.equal(formatGoDuration(ms), want, String(ms));
  for (const s of ['1h2m3s', '300ms', '1.5s', '45s', '12µs']) assert.equal(formatGoDuration(parseGoDuration(s)), s);
});
