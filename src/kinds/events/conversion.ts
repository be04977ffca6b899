// core/v1 Event <-> events.k8s.io/v1 Event, as upstream's pkg/apis/events/v1/conversion.go: the
// same object under other names. Events are stored once, in core/v1 form; events.k8s.io/v1 is a
// converted view of them. Fields not renamed here (metadata, eventTime, series, action, reason,
// type, related, reportingInstance) are the same in both versions and are copied as they are.

import type { KObject } from '../../api/types.js';

/** core/v1 field -> events.k8s.io/v1 field. */
export const CORE_TO_EVENTS: Readonly<Record<string, string>> = {
  involvedObject: 'regarding',
  message: 'note',
  reportingComponent: 'reportingController',
  source: 'deprecatedSource',
  firstTimestamp: 'deprecatedFirstTimestamp',
  lastTimestamp: 'deprecatedLastTimestamp',
  count: 'deprecatedCount',
};

const EVENTS_TO_CORE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(CORE_TO_EVENTS).map(([a, b]) => [b, a]));

function rename(obj: KObject, names: Readonly<Record<string, string>>, apiVersion: string): KObject {
  const out: Record<string, unknown> = { apiVersion, kind: 'Event' };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    out[names[k] ?? k] = v;
  }
  return out as KObject;
}

/** A stored core/v1 Event as events.k8s.io/v1 serves it. */
export function coreToEventsV1(core: KObject): KObject {
  return rename(core, CORE_TO_EVENTS, 'events.k8s.io/v1');
}

/** An events.k8s.io/v1 Event in its core/v1 (stored) form. */
export function eventsV1ToCore(ev: KObject): KObject {
  return rename(ev, EVENTS_TO_CORE, 'v1');
}
