// The one storage interface. Every backend (memory, sqlite, etcd) implements it and passes the
// same contract suite (test/contract/store.test.ts).
//
// Contract:
// - Every successful write gets the next cluster-wide revision (strictly increasing, never reused).
//   An object's resourceVersion IS the revision of its last write (modRevision).
// - Values are opaque JSON text; the store never parses them.
// - A write promise resolves only once the write is durable (a kill -9 right after loses nothing).
// - Conditional writes are atomic: update/delete with an expected revision fail with
//   StoreConflictError when the key's current modRevision differs; nothing is written.
// - Watches deliver every event with revision > fromRevision, in revision order, exactly once.
//   A fromRevision older than the compacted revision fails with StoreCompactedError.
// Revisions are bigint: int64 in Kubernetes, and they must not silently lose precision.
// etcd: revisions are etcd's own, cluster-wide. A fresh etcd is at revision 1 while empty, and
// writes of other clients (other key prefixes) advance it too, so a store's revisions strictly
// increase but may skip numbers; concurrent writes to different keys need not get revisions in
// issue order (writes to one key do).

export interface Entry {
  key: string;
  value: string;
  /** Revision of the last write to this key (the object's resourceVersion). */
  modRevision: bigint;
  /** Revision at which this key was created. */
  createRevision: bigint;
}

export interface WatchEvent {
  type: 'create' | 'update' | 'delete';
  key: string;
  /** The new value; for delete, the last value before deletion. */
  value: string;
  /** For update and delete: the previous value (lets watchers evaluate selectors on both sides). */
  prevValue?: string;
  /** The revision of this event (for delete: the deletion's revision). */
  revision: bigint;
}

export interface ListOptions {
  /** Return at most this many entries (0 or undefined: all). */
  limit?: number;
  /** Start strictly after this key (paging continuation). */
  startAfter?: string;
  /** Read as of this revision (must not be compacted); default: the current revision. */
  revision?: bigint;
}

export interface ListResult {
  items: Entry[];
  /** The revision the list reflects. */
  revision: bigint;
  /** True when more entries follow the last one returned. */
  more: boolean;
}

export interface Watcher {
  /** Stop delivering events; idempotent. */
  close(): void;
}

export interface Store {
  readonly backend: string;
  /** The latest revision of the store (0n for a new memory or sqlite store; etcd: its cluster revision). */
  currentRevision(): Promise<bigint>;
  get(key: string): Promise<Entry | undefined>;
  /** Entries whose key starts with `prefix`, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Fails with StoreKeyExistsError when the key exists. */
  create(key: string, value: string): Promise<Entry>;
  /** Fails with StoreNotFoundError / StoreConflictError. */
  update(key: string, value: string, expectedModRevision: bigint): Promise<Entry>;
  /** Returns the deleted entry (modRevision = the deletion's revision). Fails with StoreNotFoundError / StoreConflictError. */
  delete(key: string, expectedModRevision?: bigint): Promise<Entry>;
  /** Delivers events for keys under `prefix` with revision > fromRevision. `onError` gets StoreCompactedError etc. */
  watch(prefix: string, fromRevision: bigint, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher;
  /** Forget history up to `revision` (inclusive). */
  compact(revision: bigint): Promise<void>;
  /** The oldest revision still watchable/listable (compacted revision + 1). */
  oldestRevision(): Promise<bigint>;
  close(): Promise<void>;
}

export class StoreKeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}
export class StoreNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}
export class StoreConflictError extends Error {
  constructor(
    readonly key: string,
    readonly actual: bigint,
  ) {
    super(`revision conflict on ${key}: current ${actual}`);
  }
}
export class StoreCompactedError extends Error {
  constructor(
    readonly requested: bigint,
    readonly compacted: bigint,
  ) {
    super(`required revision ${requested} has been compacted (compacted up to ${compacted})`);
  }
}

/** Storage keys: /<group or "core">/<plural>/<namespace>/<name>, cluster-scoped without namespace. */
export function objectKey(group: string, plural: string, namespace: string | undefined, name: string): string {
  const g = group || 'core';
  return namespace ? `/${g}/${plural}/${namespace}/${name}` : `/${g}/${plural}/${name}`;
}

/** The prefix of every object of a resource (all namespaces), or of one namespace. */
export function resourcePrefix(group: string, plural: string, namespace?: string): string {
  const g = group || 'core';
  return namespace ? `/${g}/${plural}/${namespace}/` : `/${g}/${plural}/`;
}
