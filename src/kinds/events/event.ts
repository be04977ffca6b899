// Event (events.k8s.io/v1): the structured event API. Upstream stores these in the same place as
// core/v1 events (one internal type, two wire forms); k8ts serves it as its own kind, so the
// two lists only agree when the API layer converts between them. Writes through this version get
// the strict validation of ValidateEventCreate; the table is the core event table.

import { FieldError, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { KindDef } from '../types.js';
import { isObject, num, obj, str } from '../core/json-shape.js';
import { eventColumns, eventRow, legacyValidateEvent } from '../core/event.js';

function validateEventsV1(e: KObject): FieldError[] {
  const reg = obj(e.regarding);
  const errs = legacyValidateEvent(
    {
      namespace: e.metadata.namespace ?? '',
      eventTime: e.eventTime,
      involvedNamespace: str(reg.namespace),
      reportingController: str(e.reportingController),
      reportingInstance: str(e.reportingInstance),
      action: str(e.action),
      reason: str(e.reason),
      message: str(e.note),
    },
    { involvedObject: 'regarding', reportingController: 'reportingController', message: 'note' },
  );
  if (isObject(e.series)) {
    if (num(e.series.count) < 2) errs.push(fieldErr.invalid('series.count', '', 'should be at least 2'));
    if (!e.series.lastObservedTime) errs.push(fieldErr.required('series.lastObservedTime'));
  }
  if (!e.eventTime) errs.push(fieldErr.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(fieldErr.invalid('type', '', `has invalid value: ${str(e.type)}`));
  if (e.deprecatedFirstTimestamp) errs.push(fieldErr.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (e.deprecatedLastTimestamp) errs.push(fieldErr.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (num(e.deprecatedCount) !== 0) errs.push(fieldErr.invalid('deprecatedCount', '', 'needs to be unset'));
  const src = obj(e.deprecatedSource);
  if (str(src.component) || str(src.host)) errs.push(fieldErr.invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

function validateEventsV1Update(e: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['regarding', 'related', 'reportingController', 'reportingInstance', 'action', 'reason', 'type', 'note', 'eventTime']) {
    if (JSON.stringify(e[f] ?? null) !== JSON.stringify(old[f] ?? null)) errs.push(fieldErr.invalid(f, e[f] ?? null, 'field is immutable'));
  }
  return errs;
}

export const eventsV1Kind: KindDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  validate: (e) => validateEventsV1(e),
  validateUpdate: (e, old) => validateEventsV1Update(e, old),
  fieldSelectors: {
    'regarding.kind': (e) => str(obj(e.regarding).kind),
    'regarding.namespace': (e) => str(obj(e.regarding).namespace),
    'regarding.name': (e) => str(obj(e.regarding).name),
    'regarding.uid': (e) => str(obj(e.regarding).uid),
    'regarding.apiVersion': (e) => str(obj(e.regarding).apiVersion),
    'regarding.resourceVersion': (e) => str(obj(e.regarding).resourceVersion),
    'regarding.fieldPath': (e) => str(obj(e.regarding).fieldPath),
    reason: (e) => str(e.reason),
    reportingController: (e) => str(e.reportingController),
    type: (e) => str(e.type),
  },
  table: {
    columns: eventColumns,
    row(e, now) {
      const reg = obj(e.regarding);
      const src = obj(e.deprecatedSource);
      return eventRow(
        {
          firstTimestamp: e.deprecatedFirstTimestamp,
          lastTimestamp: e.deprecatedLastTimestamp,
          eventTime: e.eventTime,
          series: e.series,
          count: num(e.deprecatedCount),
          kind: str(reg.kind),
          name: str(reg.name),
          fieldPath: str(reg.fieldPath),
          type: str(e.type),
          reason: str(e.reason),
          component: str(src.component),
          host: str(src.host),
          reportingController: str(e.reportingController),
          reportingInstance: str(e.reportingInstance),
          message: str(e.note),
          objectName: e.metadata.name ?? '',
        },
        now,
      );
    },
  },
};
