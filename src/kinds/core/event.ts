// Event (core/v1): pkg/registry/core/event/strategy.go and the legacy rules of
// pkg/apis/core/validation/events.go (core/v1 writes get only legacy validation). The table is
// printEvent's: Last Seen, Type, Reason, Object, Message, and wide Subobject/Source/First Seen/Count/Name.

import { FieldError, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { isDNS1123Subdomain, isQualifiedName } from '../../api/validation/names.js';
import type { KindDef, TableDef } from '../types.js';
import { isObject, num, obj, str } from './json-shape.js';
import { NAME_COLUMN, col, since } from './table-cells.js';

/** The API version a write came through: upstream's events strategy validates by it. */
export type EventRequestVersion = 'v1' | 'events.k8s.io/v1';

/**
 * legacyValidateEvent, on the stored (core/v1) form. Field paths are upstream's internal names
 * for both versions (involvedObject.namespace, message), except that a core/v1 write names
 * reportingComponent and an events.k8s.io/v1 write reportingController, as upstream does.
 */
export function legacyValidateEvent(e: KObject, version: EventRequestVersion): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = e.metadata.namespace ?? '';
  const involvedNamespace = str(obj(e.involvedObject).namespace);
  const reportingController = str(e.reportingComponent);
  const rcPath = version === 'v1' ? 'reportingComponent' : 'reportingController';
  const reportingInstance = str(e.reportingInstance);
  const action = str(e.action);
  const reason = str(e.reason);
  const nsPath = 'involvedObject.namespace';
  if (!e.eventTime) {
    if (!involvedNamespace) {
      if (namespace !== '' && namespace !== 'default') errs.push(fieldErr.invalid(nsPath, involvedNamespace, 'does not match event.namespace'));
    } else if (namespace !== involvedNamespace) {
      errs.push(fieldErr.invalid(nsPath, involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNamespace && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(fieldErr.invalid(nsPath, involvedNamespace, 'does not match event.namespace'));
    }
    if (!reportingController) errs.push(fieldErr.required(rcPath));
    errs.push(...isQualifiedName(reportingController).map((m) => fieldErr.invalid(rcPath, reportingController, m)));
    if (!reportingInstance) errs.push(fieldErr.required('reportingInstance'));
    if (reportingInstance.length > 128) errs.push(fieldErr.invalid('reportingInstance', '', 'can have at most 128 characters'));
    if (!action) errs.push(fieldErr.required('action'));
    if (action.length > 128) errs.push(fieldErr.invalid('action', '', 'can have at most 128 characters'));
    if (!reason) errs.push(fieldErr.required('reason'));
    if (reason.length > 128) errs.push(fieldErr.invalid('reason', '', 'can have at most 128 characters'));
    if (str(e.message).length > 1024) errs.push(fieldErr.invalid('message', '', 'can have at most 1024 characters'));
  }
  errs.push(...isDNS1123Subdomain(namespace).map((m) => fieldErr.invalid('namespace', namespace, m)));
  return errs;
}

function validateSeries(e: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (isObject(e.series)) {
    if (num(e.series.count) < 2) errs.push(fieldErr.invalid('series.count', '', 'should be at least 2'));
    if (!e.series.lastObservedTime) errs.push(fieldErr.required('series.lastObservedTime'));
  }
  return errs;
}

/** ValidateEventCreate on the core/v1 form: core/v1 writes get legacy validation only. */
export function validateEventCreate(e: KObject, version: EventRequestVersion): FieldError[] {
  const errs = legacyValidateEvent(e, version);
  if (version === 'v1') return errs;
  errs.push(...validateSeries(e));
  if (!e.eventTime) errs.push(fieldErr.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(fieldErr.invalid('type', '', `has invalid value: ${str(e.type)}`));
  if (e.firstTimestamp) errs.push(fieldErr.invalid('firstTimestamp', '', 'needs to be unset'));
  if (e.lastTimestamp) errs.push(fieldErr.invalid('lastTimestamp', '', 'needs to be unset'));
  if (num(e.count) !== 0) errs.push(fieldErr.invalid('count', '', 'needs to be unset'));
  const src = obj(e.source);
  if (str(src.component) || str(src.host)) errs.push(fieldErr.invalid('source', '', 'needs to be unset'));
  return errs;
}

/** eventTime to microseconds: upstream tolerates sub-microsecond changes. */
function micros(t: unknown): string {
  if (typeof t !== 'string') return JSON.stringify(t ?? null);
  const m = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(t);
  if (!m) return t;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return `${Number.isNaN(ms) ? m[1] : ms}.${(m[2] ?? '').slice(0, 6).padEnd(6, '0')}`;
}

/** The update rules beyond legacy validation (ValidateEventUpdate), for events.k8s.io/v1 writes. */
export function validateEventUpdateStrict(e: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (JSON.stringify(e.series ?? null) !== JSON.stringify(old.series ?? null)) errs.push(...validateSeries(e));
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  for (const f of ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type']) {
    if (!same(e[f], old[f])) errs.push(fieldErr.invalid(f, e[f] ?? null, 'field is immutable'));
  }
  if (micros(e.eventTime) !== micros(old.eventTime)) errs.push(fieldErr.invalid('eventTime', e.eventTime ?? null, 'field is immutable'));
  for (const [f, path] of [['action', 'action'], ['related', 'related'], ['reportingComponent', 'reportingController'], ['reportingInstance', 'reportingInstance']]) {
    if (!same(e[f], old[f])) errs.push(fieldErr.invalid(path, e[f] ?? null, 'field is immutable'));
  }
  return errs;
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
  validate: (e) => legacyValidateEvent(e, 'v1'),
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
