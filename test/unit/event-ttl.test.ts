// When an event was last written, for the API server's event TTL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventLastWritten } from '../../src/apiserver/event-ttl.js';
import type { KObject } from '../../src/api/types.js';

test('the latest of creation, lastTimestamp, eventTime, series.lastObservedTime and the managers\' write times', () => {
  const ev = (extra: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject =>
    ({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', creationTimestamp: '2026-01-01T00:00:00Z', ...meta }, ...extra }) as KObject;
  assert.equal(eventLastWritten(ev({})), Date.parse('2026-01-01T00:00:00Z'));
  assert.equal(eventLastWritten(ev({ lastTimestamp: '2026-01-01T00:05:00Z' })), Date.parse('2026-01-01T00:05:00Z'));
  assert.equal(eventLastWritten(ev({ eventTime: '2026-01-01T00:06:00.123456Z', series: { count: 3, lastObservedTime: '2026-01-01T00:09:00.000001Z' } })), Date.parse('2026-01-01T00:09:00.000001Z'));
  assert.equal(
    eventLastWritten(ev({ lastTimestamp: '2026-01-01T00:05:00Z' }, { managedFields: [{ manager: 'a', operation: 'Update', time: '2026-01-01T00:30:00Z' }, { manager: 'b', operation: 'Update', time: '2026-01-01T00:10:00Z' }] })),
    Date.parse('2026-01-01T00:30:00Z'),
  );
  assert.ok(Number.isNaN(eventLastWritten({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' } } as KObject)));
});
