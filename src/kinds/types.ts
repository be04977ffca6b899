// What one kind supplies to the generic registry. The generic store owns the order of steps
// (namespace check, generateName, defaults, prepare, validate, admission, write, watch event);
// a kind only supplies these small hooks. See src/kinds/registry.ts for the table of kinds.

import type { FieldError } from '../api/errors.js';
import type { KObject } from '../api/types.js';

export interface TableColumn {
  name: string; // "Name", "Ready", "Nominated Node"
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: 'name' | string;
  description: string;
  priority: number; // 0 = always shown, 1 = only with -o wide
}

export interface TableDef {
  columns: TableColumn[];
  /** One row of cells, in column order. `now` renders ages (server-side, as upstream does). */
  row(obj: KObject, now: Date): unknown[];
}

export interface ValidationContext {
  /** The request's namespace (after defaulting). */
  namespace?: string;
  /** For hooks that need other objects (e.g. a Binding's pod); absent in pure unit tests. */
  now: Date;
  /** Which write this is: upstream strategies have create-only rules and warnings (ValidatePodCreate, WarningsOnCreate). */
  operation: 'create' | 'update';
  /** On update: whether metadata.generation moved (WarningsOnUpdate re-checks templates only then). */
  generationChanged?: boolean;
}

export interface ScaleDef {
  /** Reads spec.replicas (with defaults applied). */
  specReplicas(obj: KObject): number;
  setSpecReplicas(obj: KObject, n: number): void;
  statusReplicas(obj: KObject): number;
  /** The label selector in string form ("app=x,tier in (a,b)"), for Scale.status.selector. */
  selector(obj: KObject): string;
}

export interface StatusStrategy {
  /** Metadata fields a status write may not change (reset from the stored object); default
   * labels, annotations, finalizers and ownerReferences, as upstream's ResetObjectMetaForStatus. */
  resetMetadata?: ('labels' | 'annotations' | 'finalizers' | 'ownerReferences')[];
  /** Called on PUT/PATCH of the status subresource; the generic layer has already copied everything
   * but `status` (and the metadata fields upstream lets status writes change) from `oldObj`. */
  prepareForUpdate?(newObj: KObject, oldObj: KObject): void;
  validateUpdate?(newObj: KObject, oldObj: KObject, ctx: ValidationContext): FieldError[];
}

export interface KindDef {
  group: string; // "" for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  /** Which name rule the generic layer passes to validateObjectMeta (upstream's per-kind ValidateNameFunc):
   * 'subdomain' (DNS-1123 subdomain, the default), 'label' (DNS-1123 label: Namespace, StatefulSet),
   * 'dns1035' (DNS-1035 label: Service). */
  nameValidation?: 'subdomain' | 'label' | 'dns1035';
  shortNames?: string[];
  categories?: string[];
  /** Verbs served on the main resource; default: all of create, delete, deletecollection, get, list, patch, update, watch. */
  verbs?: string[];
  /** True when the kind tracks metadata.generation (1 on create, +1 on every spec change). */
  generation?: boolean;
  /** Annotation changes bump metadata.generation too (upstream's Deployment strategy does this). */
  generationOnAnnotations?: boolean;
  /** Serve `/status`; when set, writes to the main resource keep the stored status. */
  status?: StatusStrategy;
  /** Serve `/scale` as autoscaling/v1 Scale. */
  scale?: ScaleDef;
  /** Other subresources named in discovery (e.g. pods: log, exec, attach, binding, eviction, portforward). */
  extraSubresources?: { name: string; verbs: string[]; kind?: { group: string; version: string; kind: string } }[];

  /** Fill defaults in place (on create, update and patch results, as the decoder does upstream). */
  defaults?(obj: KObject): void;
  /** Create-time preparation: e.g. clear status, set initial status.phase. */
  prepareForCreate?(obj: KObject): void;
  /** Update-time preparation of the main resource (status already restored when `status` is set). */
  prepareForUpdate?(newObj: KObject, oldObj: KObject): void;
  validate?(obj: KObject, ctx: ValidationContext): FieldError[];
  /** Update validation (immutable fields etc.). `validate` runs too, first. */
  validateUpdate?(newObj: KObject, oldObj: KObject, ctx: ValidationContext): FieldError[];
  /** Warnings returned in `Warning: 299 - "..."` headers (e.g. duplicate port definitions). */
  warnings?(obj: KObject, ctx: ValidationContext): string[];
  /** Field selector attributes beyond metadata.name and metadata.namespace, e.g. spec.nodeName. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Server-side table columns; absent means the default Name/Age table. */
  table?: TableDef;
  /**
   * Served as another API version of `kind`'s objects (upstream: one stored type, several wire
   * forms). Objects live under `kind`'s storage prefix in `kind`'s form; reads and watch events
   * are converted with `fromStored`, writes run this kind's hooks on the converted object and are
   * stored with `toStored`. Both conversions return new objects and keep fields they do not rename.
   */
  storedAs?: StoredAs;
}

export interface StoredAs {
  kind: KindDef;
  fromStored(stored: KObject): KObject;
  toStored(view: KObject): KObject;
}

/** The kind whose storage prefix holds `def`'s objects. */
export function storageKind(def: KindDef): KindDef {
  return def.storedAs?.kind ?? def;
}

const VIEWS = new WeakMap<KindDef, WeakMap<KObject, KObject>>();

/** `stored` as `def` serves it: itself, or its conversion (memoized: cached objects are immutable). */
export function viewOf(def: KindDef, stored: KObject): KObject {
  const s = def.storedAs;
  if (!s) return stored;
  let memo = VIEWS.get(def);
  if (!memo) VIEWS.set(def, (memo = new WeakMap()));
  let v = memo.get(stored);
  if (!v) memo.set(stored, (v = s.fromStored(stored)));
  return v;
}

/** A cache entry (or watch event) with its object as `def` serves it. */
export function viewEntry<T extends { object: KObject }>(def: KindDef, e: T): T {
  return def.storedAs ? { ...e, object: viewOf(def, e.object) } : e;
}
