// The controller's own view of claims and volumes: fed by the informers AND by the controller's
// own writes (upstream's storeObjectUpdate), so the next sync sees what it just wrote even before
// the watch event arrives, and does not try to redo a bind against an older copy. An older
// version (by resourceVersion, which this server issues from one increasing counter) never
// replaces a newer one, and a deleted object (by uid) never comes back from a late write result.

import type { KObject } from '../../api/types.js';

const TOMBSTONES = 10_000;

function rvOf(o: KObject): number {
  const n = Number(o.metadata.resourceVersion);
  return Number.isFinite(n) ? n : -1;
}

export class ObjectCache {
  private items = new Map<string, KObject>();
  private gone = new Set<string>();

  get(key: string): KObject | undefined {
    return this.items.get(key);
  }

  values(): IterableIterator<KObject> {
    return this.items.values();
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  get size(): number {
    return this.items.size;
  }

  /** Stores `obj` unless the cache holds a newer version or the object is known gone. */
  put(key: string, obj: KObject): boolean {
    const uid = obj.metadata.uid;
    if (uid && this.gone.has(uid)) return false;
    // A write that removed the last finalizer of an object being deleted deleted it.
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length) return false;
    const cur = this.items.get(key);
    if (cur && rvOf(cur) > rvOf(obj)) return false;
    this.items.set(key, obj);
    return true;
  }

  /** Forgets the object and remembers its uid as deleted. */
  remove(key: string, obj?: KObject): void {
    const cur = this.items.get(key);
    const uid = obj?.metadata.uid ?? cur?.metadata.uid;
    if (!cur || !uid || cur.metadata.uid === uid) this.items.delete(key);
    if (uid) {
      this.gone.add(uid);
      if (this.gone.size > TOMBSTONES) this.gone.delete(this.gone.values().next().value as string);
    }
  }
}
