// Cell renderings shared by the server-side tables (printers.go helpers).

import { humanDuration } from '../../api/duration.js';
import type { TableColumn } from '../types.js';
import { isObject, objs, str } from './json-shape.js';

export const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

export const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
};

export function col(name: string, type: TableColumn['type'], description: string, priority = 0): TableColumn {
  return { name, type, description, priority };
}

/** translateTimestampSince: "5m", "3d2h"; "<unknown>" for a missing or zero timestamp. */
export function since(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || !ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t) || t <= Date.parse('0001-01-02T00:00:00Z')) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(spec: unknown): [string, string] {
  const cs = objs(isObject(spec) ? spec.containers : undefined);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

const ACCESS_MODE_SHORT: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** helper.GetAccessModesAsString: fixed order RWO,ROX,RWX,RWOP. */
export function accessModesString(modes: unknown): string {
  const set = new Set(Array.isArray(modes) ? modes : []);
  return ACCESS_MODE_SHORT.filter(([m]) => set.has(m))
    .map(([, s]) => s)
    .join(',');
}
