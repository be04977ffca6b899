// Event (core/v1): pkg/registry/core/event/strategy.go and the legacy rules of
// pkg/apis/core/validation/events.go (core/v1 writes get only legacy validation). The table is
// printEvent's: Last Seen, Type, Reason, Object, Message, and wide Subobject/Source/First Seen/Count/Name.

import { FieldError, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { isDNS1123Subdomain, isQualifiedName } from '../../api/validation/names.js';
import type { KindDef, TableDef } from '../types.js';
import { isObject, num, obj, str } from './json-shape.js';
import { NAME_COLUMN, col, since } from './table-cells.js';

/** legacyValidateEvent, with the field names of the API version that was written. */
export function legacyValidateEvent(
  ev: { namespace: string; eventTime: unknown; involvedNamespace: string; reportingController: string; reportingInstance: string; action: string; reason: string; message: string },
  names: { involvedObject: string; reportingController: string; message: string },
): FieldError[] {
  const errs: FieldError[] = [];
  const nsPath = `${names.involvedObject}.namespace`;
  if (!ev.eventTime) {
    if (!ev.involvedNamespace) {
      if (ev.namespace !== '' && ev.namespace !== 'default') errs.push(fieldErr.invalid(nsPath, ev.involvedNamespace, 'does not match event.namespace'));
    } else if (ev.namespace !== ev.involvedNamespace) {
      errs.push(fieldErr.invalid(nsPath, ev.involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (!ev.involvedNamespace && ev.namespace !== 'default' && ev.namespace !== 'kube-system') {
      errs.push(fieldErr.invalid(nsPath, ev.involvedNamespace, 'does not match event.namespace'));
    }
    if (!ev.reportingController) errs.push(fieldErr.required(names.reportingController));
    errs.push(...isQualifiedName(ev.reportingController).map((m) => fieldErr.invalid(names.reportingController, ev.reportingController, m)));
    if (!ev.reportingInstance) errs.push(fieldErr.required('reportingInstance'));
    if (ev.reportingInstance.length > 128) errs.push(fieldErr.invalid('reportingInstance', '', 'can have at most 128 characters'));
    if (!ev.action) errs.push(fieldErr.required('action'));
    if (ev.action.length > 128) errs.push(fieldErr.invalid('action', '', 'can have at most 128 characters'));
    if (!ev.reason) errs.push(fieldErr.required('reason'));
    if (ev.reason.length > 128) errs.push(fieldErr.invalid('reason', '', 'can have at most 128 characters'));
    if (ev.message.length > 1024) errs.push(fieldErr.invalid(names.message, '', 'can have at most 1024 characters'));
  }
  errs.push(...isDNS1123Subdomain(ev.namespace).map((m) => fieldErr.invalid('namespace', ev.namespace, m)));
  return errs;
}

function validateCoreEvent(e: KObject): FieldError[] {
  const io = obj(e.involvedObject);
  return legacyValidateEvent(
    {
      namespace: e.metadata.namespace ?? '',
      eventTime: e.eventTime,
      involvedNamespace: str(io.namespace),
      reportingController: str(e.reportingComponent),
      reportingInstance: str(e.reportingInstance),
      action: str(e.action),
      reason: str(e.reason),
      message: str(e.message),
    },
    { involvedObject: 'involvedObject', reportingController: 'reportingComponent', message: 'message' },
  );
}

/** The event columns, shared by core/v1 and events.k8s.io/v1 (upstream prints both from one type). */
export const eventColumns = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  col('Object', 'string', 'The object that this event is about.'),
  col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', 1),
  col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  col('Count', 'string', 'The number of times this event has occurred.', 1),
  { ...NAME_COLUMN, priority: 1 },
];

export interface EventView {
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  series: unknown;
  count: number;
  kind: string;
  name: string;
  fieldPath: string;
  type: string;
  reason: string;
  component: string;
  host: string;
  reportingController: string;
  reportingInstance: string;
  message: string;
  objectName: string;
}

export function eventRow(v: EventView, now: Date): unknown[] {
  let first = since(v.firstTimestamp, now);
  if (!v.firstTimestamp) first = since(v.eventTime, now);
  let last = v.lastTimestamp ? since(v.lastTimestamp, now) : first;
  let count = v.count;
  if (isObject(v.series)) {
    last = since(v.series.lastObservedTime, now);
    count = num(v.series.count);
  } else if (count === 0) {
    count = 1;
  }
  const target = v.name ? `${v.kind.toLowerCase()}/${v.name}` : v.kind.toLowerCase();
  const component = v.component || v.reportingController;
  const instance = v.host || v.reportingInstance;
  const source = instance ? `${component}, ${instance}` : component;
  return [last, v.type, v.reason, target, v.fieldPath, source, v.message.trim(), first, count, v.objectName];
}

const coreEventTable: TableDef = {
  columns: eventColumns,
  row(e, now) {
    const io = obj(e.involvedObject);
    const src = obj(e.source);
    return eventRow(
      {
        firstTimestamp: e.firstTimestamp,
        lastTimestamp: e.lastTimestamp,
        eventTime: e.eventTime,
        series: e.series,
        count: num(e.count),
        kind: str(io.kind),
        name: str(io.name),
        fieldPath: str(io.fieldPath),
        type: str(e.type),
        reason: str(e.reason),
        component: str(src.component),
        host: str(src.host),
        reportingController: str(e.reportingComponent),
        reportingInstance: str(e.reportingInstance),
        message: str(e.message),
        objectName: e.metadata.name ?? '',
      },
      now,
    );
  },
};

export const eventKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  validate: (e) => validateCoreEvent(e),
  fieldSelectors: {
    'involvedObject.kind': (e) => str(obj(e.involvedObject).kind),
    'involvedObject.namespace': (e) => str(obj(e.involvedObject).namespace),
    'involvedObject.name': (e) => str(obj(e.involvedObject).name),
    'involvedObject.uid': (e) => str(obj(e.involvedObject).uid),
    'involvedObject.apiVersion': (e) => str(obj(e.involvedObject).apiVersion),
    'involvedObject.resourceVersion': (e) => str(obj(e.involvedObject).resourceVersion),
    'involvedObject.fieldPath': (e) => str(obj(e.involvedObject).fieldPath),
    reason: (e) => str(e.reason),
    reportingComponent: (e) => str(e.reportingComponent),
    source: (e) => str(obj(e.source).component) || str(e.reportingComponent),
    type: (e) => str(e.type),
  },
  table: coreEventTable,
};
