import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerExpectations, EXPECTATIONS_TTL_MS, UidTrackingExpectations } from '../../src/controllers/shared/expectations.js';
import { VirtualClock } from '../../src/util/clock.js';

type Step = ['expectCreations' | 'expectDeletions', number] | ['created' | 'deleted' | 'advance', number?] | ['satisfied', boolean] | ['delete'];

test('ControllerExpectations: table of scenarios', () => {
  const scenarios: [string, Step[]][] = [
    ['no record: satisfied', [['satisfied', true]]],
    ['creations pending, then observed one by one', [['expectCreations', 2], ['satisfied', false], ['created'], ['satisfied', false], ['created'], ['satisfied', true]]],
    ['over-observed stays satisfied', [['expectCreations', 1], ['created'], ['created'], ['satisfied', true]]],
    ['deletions pending', [['expectDeletions', 1], ['satisfied', false], ['deleted'], ['satisfied', true]]],
    ['a new expectation replaces the old counts', [['expectCreations', 3], ['expectDeletions', 1], ['deleted'], ['satisfied', true]]],
    ['expires after the TTL', [['expectCreations', 5], ['advance', EXPECTATIONS_TTL_MS], ['satisfied', false], ['advance', 1], ['satisfied', true]]],
    ['deleted record: satisfied', [['expectCreations', 5], ['delete'], ['satisfied', true], ['created'], ['satisfied', true]]],
    ['zero expected: satisfied at once', [['expectCreations', 0], ['satisfied', true]]],
  ];
  for (const [name, steps] of scenarios) {
    const clock = new VirtualClock();
    const e = new ControllerExpectations(clock);
    steps.forEach((s, i) => {
      switch (s[0]) {
        case 'expectCreations':
          return e.expectCreations('ns/rs', s[1]);
        case 'expectDeletions':
          return e.expectDeletions('ns/rs', s[1]);
        case 'created':
          return e.creationObserved('ns/rs');
        case 'deleted':
          return e.deletionObserved('ns/rs');
        case 'advance':
          return clock.advance(s[1]!);
        case 'delete':
          return e.delete('ns/rs');
        case 'satisfied':
          return assert.equal(e.satisfied('ns/rs'), s[1], `${name}, step ${i}`);
      }
    });
  }
});

test('ControllerExpectations: keys are independent; lower and raise adjust counts', () => {
  const e = new ControllerExpectations(new VirtualClock());
  e.expectCreations('a', 1);
  assert.equal(e.satisfied('b'), true);
  e.raise('a', 2, 1);
  assert.deepEqual(e.get('a'), { add: 3, del: 1 });
  e.lower('a', 3, 0);
  assert.equal(e.satisfied('a'), false);
  e.lower('a', 0, 1);
  assert.equal(e.satisfied('a'), true);
  e.lower('missing', 1, 1);
  assert.equal(e.get('missing'), undefined);
});

test('UidTrackingExpectations: a pod deletion counts once however often it is seen', () => {
  const e = new UidTrackingExpectations(new VirtualClock());
  e.expectDeletionsOf('ns/rs', ['ns/p1', 'ns/p2']);
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionObservedOf('ns/rs', 'ns/p1');
  e.deletionObservedOf('ns/rs', 'ns/p1'); // the final delete event after the graceful update
  e.deletionObservedOf('ns/rs', 'ns/other'); // not one we deleted
  assert.deepEqual(e.get('ns/rs'), { add: 0, del: 1 });
  assert.deepEqual([...e.pendingDeletions('ns/rs')], ['ns/p2']);
  e.deletionObservedOf('ns/rs', 'ns/p2');
  assert.equal(e.satisfied('ns/rs'), true);
  e.delete('ns/rs');
  assert.equal(e.pendingDeletions('ns/rs').size, 0);
});
