// Event (events.k8s.io/v1): the structured event API, served as upstream does: as another version
// of the core/v1 Events. Objects are stored once, in core/v1 form (storedAs), so an event written
// through either API is read, listed and watched through both. Validation is upstream's events
// strategy on the core form with the request version: ValidateEventCreate's strict rules on
// create, legacy validation plus ValidateEventUpdate's immutable fields on update. The table is
// the core event table; the field selectors are upstream's field label conversions for
// events.k8s.io/v1 (regarding.* -> involvedObject.*, reportingController -> reportingComponent).
//
// Limit: managedFields entries keep the apiVersion they were written through (as upstream stores
// them), but k8ts does not convert their field sets between versions when computing apply
// ownership or conflicts: an apply through one version does not see conflicts with fields a
// manager owns through the other (upstream converts them first).

import type { FieldError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { KindDef, ValidationContext } from '../types.js';
import { num, obj, str } from '../core/json-shape.js';
import { eventColumns, eventKind, eventRow, legacyValidateEvent, validateEventCreate, validateEventUpdateStrict } from '../core/event.js';
import { coreToEventsV1, eventsV1ToCore } from './conversion.js';

function validateEventsV1(e: KObject, ctx: ValidationContext): FieldError[] {
  const core = eventsV1ToCore(e);
  return ctx.operation === 'create' ? validateEventCreate(core, 'events.k8s.io/v1') : legacyValidateEvent(core, 'events.k8s.io/v1');
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
  storedAs: { kind: eventKind, fromStored: coreToEventsV1, toStored: eventsV1ToCore },
  validate: validateEventsV1,
  validateUpdate: (e, old) => validateEventUpdateStrict(eventsV1ToCore(e), eventsV1ToCore(old)),
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
