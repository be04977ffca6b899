// meta.k8s.io/v1 Table rendering from a kind's column definitions. Ages are rendered here,
// by the server, as upstream does; kubectl prints cells verbatim.

import { humanDuration } from '../api/duration.js';
import { apiErr } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import type { KindDef, TableColumn, TableDef } from '../kinds/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(v: string | null): IncludeObject {
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw apiErr.badRequest(`includeObject: unsupported value "${v}": supported values: "None", "Metadata", "Object"`);
}

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

export function ageOf(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** The table of kinds that define no columns: Name and Age, like upstream's default convertor. */
export const DEFAULT_TABLE: TableDef = {
  columns: [
    NAME_COLUMN,
    { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  row: (obj, now) => [obj.metadata.name, ageOf(obj.metadata.creationTimestamp, now)],
};

export function partialObjectMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableOptions {
  includeObject: IncludeObject;
  /** Watch events after the first carry no column definitions (upstream's NoHeaders). */
  noHeaders?: boolean;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function toTable(def: KindDef, objects: KObject[], now: Date, opts: TableOptions): KObject {
  const table = def.table ?? DEFAULT_TABLE;
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: table.row(obj, now) };
    if (opts.includeObject === 'Metadata') row.object = partialObjectMetadata(obj);
    else if (opts.includeObject === 'Object') row.object = obj;
    return row;
  });
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? null : table.columns,
    rows,
  } as unknown as KObject;
}
