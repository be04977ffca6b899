// core/v1 Event <-> events.k8s.io/v1 Event conversion (upstream's pkg/apis/events/v1/conversion.go)
// and the per-version validation of the shared events strategy.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../src/api/types.js';
import { coreToEventsV1, eventsV1ToCore } from '../../src/kinds/events/conversion.js';
import { eventsV1Kind } from '../../src/kinds/events/event.js';
import { eventKind } from '../../src/kinds/core/event.js';
import type { ValidationContext } from '../../src/kinds/types.js';
import { viewOf } from '../../src/kinds/types.js';

const core: KObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'p.1', namespace: 'default', labels: { a: 'b' }, resourceVersion: '7', uid: 'u' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'pu', apiVersion: 'v1', resourceVersion: '3', fieldPath: 'spec.containers{c}' },
  related: { kind: 'Node', name: 'n1', apiVersion: 'v1' },
  reason: 'Pulling',
  message: 'Pulling image "x"',
  source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:01:00Z',
  count: 3,
  type: 'Normal',
  eventTime: '2026-01-01T00:00:00.123456Z',
  series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000001Z' },
  action: 'Pull',
  reportingComponent: 'kubelet',
  reportingInstance: 'n1',
};

const events: KObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'p.1', namespace: 'default', labels: { a: 'b' }, resourceVersion: '7', uid: 'u' },
  regarding: core.involvedObject,
  related: core.related,
  reason: 'Pulling',
  note: 'Pulling image "x"',
  deprecatedSource: { component: 'kubelet', host: 'n1' },
  deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
  deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
  deprecatedCount: 3,
  type: 'Normal',
  eventTime: '2026-01-01T00:00:00.123456Z',
  series: core.series,
  action: 'Pull',
  reportingController: 'kubelet',
  reportingInstance: 'n1',
};

test('core/v1 -> events.k8s.io/v1 renames every field as upstream and round-trips', () => {
  assert.deepEqual(coreToEventsV1(core), events);
  assert.deepEqual(eventsV1ToCore(events), core);
  assert.deepEqual(eventsV1ToCore(coreToEventsV1(core)), core);
  assert.deepEqual(coreToEventsV1(eventsV1ToCore(events)), events);
  // Absent fields stay absent; apiVersion/kind come first.
  const min = coreToEventsV1({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, message: 'hi' });
  assert.deepEqual(min, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, note: 'hi' });
  assert.deepEqual(Object.keys(min).slice(0, 2), ['apiVersion', 'kind']);
  // Inputs are not changed.
  assert.equal(core.apiVersion, 'v1');
  assert.equal(events.apiVersion, 'events.k8s.io/v1');
});

test('the events.k8s.io/v1 kind is a view of the core kind, memoized per stored object', () => {
  assert.equal(eventsV1Kind.storedAs?.kind, eventKind);
  const v = viewOf(eventsV1Kind, core);
  assert.equal(v, viewOf(eventsV1Kind, core));
  assert.deepEqual(v, events);
  assert.equal(viewOf(eventKind, core), core);
});

const create: ValidationContext = { now: new Date(), operation: 'create' };
const update: ValidationContext = { now: new Date(), operation: 'update' };
const uniq = (xs: string[]) => [...new Set(xs)];

test('validation by request version, with upstream field paths', () => {
  // events.k8s.io/v1 create: strict (eventTime, type, deprecated fields unset); paths are upstream's internal names.
  const bad: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, note: 'n', deprecatedCount: 2, type: 'Odd' };
  const errs = eventsV1Kind.validate!(bad, create).map((e) => e.field);
  assert.deepEqual(errs, ['eventTime', 'type', 'count']);
  const timed = { ...bad, eventTime: '2026-01-01T00:00:00.000000Z', type: 'Normal', deprecatedCount: undefined };
  assert.deepEqual(uniq(eventsV1Kind.validate!(timed, create).map((e) => e.field)), ['reportingController', 'reportingInstance', 'action', 'reason']);
  // core/v1: lax; the same missing controller is named reportingComponent.
  const c = eventsV1ToCore(timed);
  assert.deepEqual(uniq(eventKind.validate!(c, create).map((e) => e.field)), ['reportingComponent', 'reportingInstance', 'action', 'reason']);
  assert.deepEqual(eventKind.validate!(eventsV1ToCore(bad), create), []);
  // events.k8s.io/v1 update of an event written through core/v1: deprecated fields allowed, immutables checked.
  assert.deepEqual(eventsV1Kind.validate!(events, update), []);
  const changed = { ...events, note: 'other', eventTime: '2026-01-01T00:00:00.1234569Z' };
  assert.deepEqual(eventsV1Kind.validateUpdate!(changed, events, update).map((e) => `${e.field}`), ['message']);
  const moved = { ...events, eventTime: '2026-01-01T00:00:01Z', reportingController: 'x' };
  assert.deepEqual(eventsV1Kind.validateUpdate!(moved, events, update).map((e) => e.field), ['eventTime', 'reportingController']);
});
