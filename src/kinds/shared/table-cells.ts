// Cell renderings shared by the workload tables (pkg/printers/internalversion/printers.go):
// translateTimestampSince, layoutContainerCells, FormatLabelSelector and the column definitions
// that several kinds repeat.

import { humanDuration } from '../../api/duration.js';
import { type LabelSelector, labelSelectorToString } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { TableColumn } from '../types.js';
import { isObject, obj, objs, str } from '../core/json-shape.js';

/** translateTimestampSince: "<unknown>" for a zero time, else the short age ("5m", "3d2h"). */
export function since(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

export function age(o: KObject, now: Date): string {
  return since(o.metadata.creationTimestamp, now);
}

/** layoutContainerCells: container names and images, comma-joined, from a pod template. */
export function containerCells(template: unknown): [names: string, images: string] {
  const cs = objs(obj(obj(template).spec).containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

/** metav1.FormatLabelSelector: "<none>" for nil or empty, "<error>" for an invalid selector. */
export function selectorCell(sel: unknown): string {
  return labelSelectorToString(isObject(sel) ? (sel as LabelSelector) : null);
}

/** An int32 status counter as a cell: Go prints the zero value for absent fields. */
export function count(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const NAME_COLUMN: TableColumn = { name: 'Name', type: 'string', format: 'name', description: NAME_DESC, priority: 0 };
export const AGE_COLUMN: TableColumn = { name: 'Age', type: 'string', description: AGE_DESC, priority: 0 };
export const CONTAINERS_COLUMN: TableColumn = { name: 'Containers', type: 'string', description: 'Names of each container in the template.', priority: 1 };
export const IMAGES_COLUMN: TableColumn = { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', priority: 1 };

export function selectorColumn(description: string): TableColumn {
  return { name: 'Selector', type: 'string', description, priority: 1 };
}

export const SELECTOR_DESC =
  'Label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';
