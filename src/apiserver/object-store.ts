// The generic registry store: one pipeline for every kind. It owns the order of steps
// (namespace checks, generateName, defaults, prepare, validate, managed fields, write) and
// calls the kind's hooks for everything kind-specific. Reads come from the watch cache;
// writes go to the store with the revision they were based on, so concurrent writers get 409s.

import { randomUUID } from 'node:crypto';
import { ApiError, apiErr, fieldErr, FieldPath, type FieldError } from '../api/errors.js';
import { cloneJson, deepEqual } from '../api/equality.js';
import type { KObject } from '../api/types.js';
import { apiVersionOf } from '../api/types.js';
import type { SchemaLookup } from '../api/schema.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain } from '../api/validation/names.js';
import { generateName } from '../api/validation/names.js';
import { trackUpdate } from '../api/patch/managed-fields.js';
import { storageKind, viewEntry, type KindDef, type ValidationContext } from '../kinds/types.js';
import { objectKey, StoreConflictError, StoreKeyExistsError, StoreNotFoundError, type Entry, type Store } from '../storage/store.js';
import type { CachedEntry, WatchCache } from '../storage/watch-cache.js';
import { type Clock, rfc3339 } from '../util/clock.js';

export interface WriteContext {
  dryRun: boolean;
  /** Resolved field manager name (see managerFromRequest). */
  manager: string;
  /** Warnings to send back as `Warning: 299` headers. */
  warnings: string[];
  subresource?: string;
  /** Server-side apply already computed managedFields: do not track this write as an Update. */
  applied?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface DeleteResult {
  object: KObject;
  /** False when the object still exists (finalizers or graceful deletion pending). */
  deleted: boolean;
}

export interface ObjectStoreDeps {
  store: Store;
  cache: WatchCache;
  clock: Clock;
  schemas: SchemaLookup;
  /** When true, Foreground/Orphan deletions add the `foregroundDeletion`/`orphan` finalizers for a garbage collector to process. */
  garbageCollector?: boolean;
}

/** Keys that are not spec: changes to anything else bump metadata.generation. */
const NON_SPEC_KEYS = new Set(['metadata', 'status', 'apiVersion', 'kind']);

/** Go's omitempty: empty metadata lists and maps are not stored (nor served). */
function dropEmptyMeta(m: KObject['metadata']): void {
  for (const k of ['labels', 'annotations'] as const) if (m[k] && typeof m[k] === 'object' && Object.keys(m[k]!).length === 0) delete m[k];
  for (const k of ['ownerReferences', 'finalizers', 'managedFields'] as const) if (Array.isArray(m[k]) && m[k]!.length === 0) delete m[k];
}

function specChanged(a: KObject, b: KObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!NON_SPEC_KEYS.has(k) && !deepEqual(a[k], b[k])) return true;
  return false;
}

/** managedFields without timestamps: a write that only refreshes times changes nothing. */
function ownership(mf: KObject['metadata']['managedFields']): unknown {
  return mf?.map((e) => ({ ...e, time: undefined }));
}

/** Kinds whose dependents are orphaned when a delete names no propagation policy (legacy defaults). */
const DEFAULT_ORPHAN = new Set(['/replicationcontrollers', 'batch/jobs']);

const NAME_FNS = { subdomain: nameIsDNSSubdomain, label: nameIsDNSLabel, dns1035: nameIsDNS1035Label } as const;

export class ObjectStore {
  constructor(private readonly deps: ObjectStoreDeps) {}

  get clock(): Clock {
    return this.deps.clock;
  }

  /** The storage key: a kind served as another version of a stored kind (storedAs) uses that kind's. */
  key(def: KindDef, namespace: string | undefined, name: string): string {
    const s = storageKind(def);
    return objectKey(s.group, s.plural, def.namespaced ? namespace : undefined, name);
  }

  /** The stored object with its resourceVersion, as a fresh shallow copy safe to serialize. */
  static materialize(e: { object: KObject; modRevision: bigint }): KObject {
    return { ...e.object, metadata: { ...e.object.metadata, resourceVersion: String(e.modRevision) } };
  }

  getEntry(def: KindDef, namespace: string | undefined, name: string): CachedEntry {
    const e = this.findEntry(def, namespace, name);
    if (!e) throw apiErr.notFound(def.group, def.plural, name);
    return e;
  }

  /** The cached entry as `def` serves it (converted for storedAs kinds), or undefined. */
  findEntry(def: KindDef, namespace: string | undefined, name: string): CachedEntry | undefined {
    const e = this.deps.cache.get(this.key(def, namespace, name));
    return e && viewEntry(def, e);
  }

  get(def: KindDef, namespace: string | undefined, name: string): KObject {
    return ObjectStore.materialize(this.getEntry(def, namespace, name));
  }

  /** Waits until the cache reflects a write at `rev`, so the next read sees it. */
  private async settle(rev: bigint): Promise<void> {
    await this.deps.cache.waitForRevision(rev);
  }

  private schemaFor(def: KindDef) {
    return this.deps.schemas(def.group, def.version, def.kind);
  }

  private validationContext(namespace: string | undefined, operation: 'create' | 'update', generationChanged?: boolean): ValidationContext {
    return { namespace, now: this.deps.clock.now(), operation, generationChanged };
  }

  private metaErrors(def: KindDef, obj: KObject): FieldError[] {
    const nameFn = NAME_FNS[(def as KindDef & { nameValidation?: keyof typeof NAME_FNS }).nameValidation ?? 'subdomain'];
    return validateObjectMeta(obj.metadata, { namespaced: def.namespaced, nameFn }, FieldPath.root('metadata'));
  }

  private invalid(def: KindDef, obj: KObject, errs: FieldError[]): ApiError {
    return apiErr.invalid(def.group, def.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errs);
  }

  private serialize(def: KindDef, view: KObject): string {
    const obj = def.storedAs ? def.storedAs.toStored(view) : view;
    const m = obj.metadata;
    if (m.resourceVersion === undefined) return JSON.stringify(obj);
    const { resourceVersion: _rv, ...rest } = m;
    return JSON.stringify({ ...obj, metadata: rest });
  }

  /** Checks that apiVersion/kind in a body fit the endpoint, filling them when absent. */
  checkTypeMeta(def: KindDef, obj: KObject): void {
    const want = apiVersionOf(def.group, def.version);
    if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
      throw apiErr.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
    }
    if (obj.kind !== undefined && obj.kind !== def.kind) {
      throw apiErr.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`);
    }
    obj.apiVersion = want;
    obj.kind = def.kind;
  }

  private checkNamespace(def: KindDef, obj: KObject, namespace: string | undefined): void {
    if (!def.namespaced) {
      if (obj.metadata.namespace) delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
      throw apiErr.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = namespace ?? obj.metadata.namespace;
  }

  async create(def: KindDef, namespace: string | undefined, input: KObject, ctx: WriteContext): Promise<KObject> {
    const obj = input;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw apiErr.badRequest('the body of the request must be an object');
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    this.checkTypeMeta(def, obj);
    this.checkNamespace(def, obj, namespace);
    const now = this.deps.clock.now();
    const m = obj.metadata;
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(now);
    if (def.generation) m.generation = 1;
    else delete m.generation;
    const generated = !m.name && !!m.generateName;
    if (generated) m.name = generateName(m.generateName!);
    dropEmptyMeta(m);
    def.defaults?.(obj);
    def.prepareForCreate?.(obj);
    const vctx = this.validationContext(m.namespace, 'create');
    const errs = [...this.metaErrors(def, obj), ...(def.validate?.(obj, vctx) ?? [])];
    if (errs.length) throw this.invalid(def, obj, errs);
    ctx.warnings.push(...(def.warnings?.(obj, vctx) ?? []));
    const tracked = ctx.applied ? obj : trackUpdate({ oldObj: undefined, newObj: obj, manager: ctx.manager, schema: this.schemaFor(def), apiVersion: obj.apiVersion!, now, subresource: ctx.subresource });
    if (ctx.dryRun) return tracked;
    for (let attempt = 0; ; attempt++) {
      try {
        const e = await this.deps.store.create(this.key(def, m.namespace, tracked.metadata.name!), this.serialize(def, tracked));
        await this.settle(e.modRevision);
        tracked.metadata.resourceVersion = String(e.modRevision);
        return tracked;
      } catch (err) {
        if (err instanceof StoreKeyExistsError) {
          if (generated && attempt < 8) {
            tracked.metadata.name = generateName(m.generateName!);
            continue;
          }
          throw apiErr.alreadyExists(def.group, def.plural, tracked.metadata.name!);
        }
        throw err;
      }
    }
  }

  /**
   * Replaces an object (PUT and every patch end here). `mode` says which part the write may
   * change: the main resource keeps the stored status; the status subresource keeps everything
   * but status. Returns the stored object; a write that changes nothing is not written.
   */
  async update(
    def: KindDef,
    namespace: string | undefined,
    name: string,
    input: KObject,
    ctx: WriteContext,
    opts: { mode?: 'main' | 'status'; base?: CachedEntry } = {},
  ): Promise<KObject> {
    const mode = opts.mode ?? 'main';
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw apiErr.badRequest('the body of the request must be an object');
    const obj = input;
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    this.checkTypeMeta(def, obj);
    this.checkNamespace(def, obj, namespace);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw apiErr.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    const base = opts.base ?? this.getEntry(def, namespace, name);
    const old = base.object;
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(base.modRevision)) {
      throw apiErr.conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const m = obj.metadata;
    const om = old.metadata;
    // An unconditional update (no resourceVersion) applies to the stored revision.
    if (!m.resourceVersion) m.resourceVersion = String(base.modRevision);
    // A different uid in the body is refused by validateObjectMetaUpdate ("field is immutable").
    if (!m.uid) m.uid = om.uid;
    if (!m.creationTimestamp) m.creationTimestamp = om.creationTimestamp;
    if (om.deletionTimestamp) m.deletionTimestamp = om.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (om.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    if (m.managedFields === undefined && om.managedFields) m.managedFields = om.managedFields;
    delete m.selfLink;
    if (mode === 'status') {
      // As upstream's ResetObjectMetaForStatus: a status write changes status (and nothing else).
      for (const k of Object.keys(obj)) if (!NON_SPEC_KEYS.has(k)) delete obj[k];
      for (const k of Object.keys(old)) if (!NON_SPEC_KEYS.has(k)) obj[k] = cloneJson(old[k]);
      for (const f of def.status?.resetMetadata ?? (['labels', 'annotations', 'finalizers', 'ownerReferences'] as const)) {
        if (om[f] !== undefined) m[f] = cloneJson(om[f]) as never;
        else delete m[f];
      }
    } else if (def.status) {
      if (old.status !== undefined) obj.status = cloneJson(old.status);
      else delete obj.status;
    }
    dropEmptyMeta(m);
    def.defaults?.(obj);
    if (mode === 'status') def.status?.prepareForUpdate?.(obj, old);
    else def.prepareForUpdate?.(obj, old);
    const bump = mode === 'main' && (specChanged(obj, old) || (!!def.generationOnAnnotations && !deepEqual(m.annotations ?? {}, om.annotations ?? {})));
    if (def.generation) m.generation = (om.generation ?? 1) + (bump ? 1 : 0);
    else if (om.generation !== undefined) m.generation = om.generation;
    else delete m.generation;

    const vctx = this.validationContext(namespace, 'update', bump);
    const errs =
      mode === 'status'
        ? [...validateObjectMetaUpdate(m, om, FieldPath.root('metadata')), ...(def.status?.validateUpdate?.(obj, old, vctx) ?? [])]
        : [
            ...validateObjectMetaUpdate(m, om, FieldPath.root('metadata')),
            ...(def.validate?.(obj, vctx) ?? []),
            ...(def.validateUpdate?.(obj, old, vctx) ?? []),
          ];
    if (errs.length) throw this.invalid(def, obj, errs);
    if (mode === 'main') ctx.warnings.push(...(def.warnings?.(obj, vctx) ?? []));

    const now = this.deps.clock.now();
    const tracked = ctx.applied ? obj : trackUpdate({ oldObj: old, newObj: obj, manager: ctx.manager, schema: this.schemaFor(def), apiVersion: obj.apiVersion!, now, subresource: ctx.subresource });
    // A write that changes nothing is not written and keeps its resourceVersion, as upstream.
    if (deepEqual({ ...tracked, metadata: { ...tracked.metadata, managedFields: ownership(tracked.metadata.managedFields), resourceVersion: undefined } }, { ...old, metadata: { ...om, managedFields: ownership(om.managedFields) } })) {
      return ObjectStore.materialize(base);
    }
    if (ctx.dryRun) {
      tracked.metadata.resourceVersion = String(base.modRevision);
      return tracked;
    }
    const key = this.key(def, namespace, name);
    // An object being deleted whose last finalizer goes away is deleted now (grace period over).
    if (tracked.metadata.deletionTimestamp && !tracked.metadata.finalizers?.length && !tracked.metadata.deletionGracePeriodSeconds) {
      const e = await this.conditional(def, name, () => this.deps.store.delete(key, base.modRevision));
      await this.settle(e.modRevision);
      tracked.metadata.resourceVersion = String(e.modRevision);
      return tracked;
    }
    const e = await this.conditional(def, name, () => this.deps.store.update(key, this.serialize(def, tracked), base.modRevision));
    await this.settle(e.modRevision);
    tracked.metadata.resourceVersion = String(e.modRevision);
    return tracked;
  }

  private async conditional(def: KindDef, name: string, op: () => Promise<Entry>): Promise<Entry> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof StoreConflictError) {
        throw apiErr.conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (err instanceof StoreNotFoundError) throw apiErr.notFound(def.group, def.plural, name);
      throw err;
    }
  }

  /**
   * Deletes an object. Objects with finalizers, and pods that a node must stop first, get a
   * deletionTimestamp instead and go away once their finalizers are removed.
   */
  async delete(def: KindDef, namespace: string | undefined, name: string, opts: DeleteOptions, ctx: WriteContext): Promise<DeleteResult> {
    const base = this.getEntry(def, namespace, name);
    const old = base.object;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw apiErr.conflict(def.group, def.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== String(base.modRevision)) {
      throw apiErr.conflict(
        def.group,
        def.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${base.modRevision}`,
      );
    }
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) {
      throw apiErr.invalid('', 'DeleteOptions', name, [fieldErr.invalid('gracePeriodSeconds', opts.gracePeriodSeconds, 'must be greater than or equal to 0')]);
    }
    const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
    let finalizers = [...(old.metadata.finalizers ?? [])];
    if (this.deps.garbageCollector) {
      // As upstream's deletion strategy: the policy replaces any earlier GC finalizer; without a
      // policy, an existing one stays, else the kind's default (Orphan for RC and Job) applies.
      const hasGc = finalizers.includes('orphan') || finalizers.includes('foregroundDeletion');
      const effective = policy ?? (hasGc ? undefined : DEFAULT_ORPHAN.has(`${def.group}/${def.plural}`) ? 'Orphan' : 'Background');
      if (effective) {
        finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
        if (effective === 'Foreground') finalizers.push('foregroundDeletion');
        if (effective === 'Orphan') finalizers.push('orphan');
      }
    }
    const grace = this.gracePeriod(def, old, opts);
    const key = this.key(def, namespace, name);
    if (finalizers.length === 0 && grace === 0) {
      if (ctx.dryRun) return { object: ObjectStore.materialize(base), deleted: true };
      const e = await this.conditional(def, name, () => this.deps.store.delete(key, base.modRevision));
      await this.settle(e.modRevision);
      return { object: ObjectStore.materialize({ object: old, modRevision: e.modRevision }), deleted: true };
    }
    // Graceful: record the deletion; finalizers (or a node agent, for pods) finish it.
    const obj = cloneJson(old);
    const now = this.deps.clock.now();
    const m = obj.metadata;
    if (!m.deletionTimestamp) {
      m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
      if (def.generation) m.generation = (m.generation ?? 1) + 1;
    } else if (grace < (m.deletionGracePeriodSeconds ?? Infinity)) {
      // A shorter grace period than the one in force moves the deadline earlier.
      m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
    }
    m.finalizers = finalizers.length ? finalizers : undefined;
    if (!m.finalizers) delete m.finalizers;
    if (ctx.dryRun) return { object: obj, deleted: false };
    if (deepEqual(obj, old)) return { object: ObjectStore.materialize(base), deleted: false };
    if (!m.finalizers?.length && m.deletionGracePeriodSeconds === 0) {
      const e = await this.conditional(def, name, () => this.deps.store.delete(key, base.modRevision));
      await this.settle(e.modRevision);
      return { object: ObjectStore.materialize({ object: old, modRevision: e.modRevision }), deleted: true };
    }
    const e = await this.conditional(def, name, () => this.deps.store.update(key, this.serialize(def, obj), base.modRevision));
    await this.settle(e.modRevision);
    m.resourceVersion = String(e.modRevision);
    return { object: obj, deleted: false };
  }

  /** Pods bound to a node get a grace period for the node agent to stop them; everything else none. */
  private gracePeriod(def: KindDef, obj: KObject, opts: DeleteOptions): number {
    if (!(def.group === '' && def.plural === 'pods')) return 0;
    const phase = obj.status?.phase;
    if (!obj.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    if (opts.gracePeriodSeconds !== undefined) return Math.max(0, opts.gracePeriodSeconds);
    return obj.spec?.terminationGracePeriodSeconds ?? 30;
  }

  /**
   * Writes `obj` as the new state of an existing object without running the kind's hooks: for
   * server-internal bookkeeping (namespace termination) that upstream does in its own strategies.
   * Deletes the object instead when `remove` is set.
   */
  async rawWrite(def: KindDef, base: CachedEntry, obj: KObject | undefined): Promise<bigint> {
    const key = base.key;
    const name = base.object.metadata.name!;
    const e = obj
      ? await this.conditional(def, name, () => this.deps.store.update(key, this.serialize(def, obj), base.modRevision))
      : await this.conditional(def, name, () => this.deps.store.delete(key, base.modRevision));
    await this.settle(e.modRevision);
    return e.modRevision;
  }

  /** Retries `fn` on 409 Conflict, for writes whose base the server chose (patches without a resourceVersion). */
  async retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i + 1 < attempts && err instanceof ApiError && err.code === 409 && err.reason === 'Conflict') continue;
        throw err;
      }
    }
  }
}
