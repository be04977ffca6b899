// Read-your-writes over an informer cache (client-go's MutationCache idea): the objects this
// controller just wrote, kept until the informer has caught up with them. A sync that starts
// before the watch delivered our own write then decides from what we wrote, not from the older
// cached copy — so it neither repeats a scale (and its event) nor recreates a ReplicaSet it just
// created. Entries go when the cache shows the same or a newer resourceVersion, when the object is
// deleted, or after a TTL (a lost watch event must not pin an old object forever).

import type { KObject } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';

const TTL_MS = 60_000;

/** resourceVersion as a number; undefined when it is not one (then nothing is overlaid). */
function rvOf(o: KObject): number | undefined {
  const rv = o.metadata.resourceVersion;
  if (!rv || !/^\d+$/.test(rv)) return undefined;
  return Number(rv);
}

export class RecentWrites<T extends KObject> {
  private readonly byUid = new Map<string, { obj: T; rv: number; at: number }>();

  constructor(private readonly clock: Clock) {}

  /** Records an object as the server returned it from our write. */
  record(obj: T): void {
    const uid = obj.metadata.uid;
    const rv = rvOf(obj);
    if (!uid || rv === undefined) return;
    const cur = this.byUid.get(uid);
    if (cur && cur.rv >= rv) return;
    this.byUid.set(uid, { obj, rv, at: this.clock.now().getTime() });
  }

  /** The informer saw `obj` (add/update): forget our copy once the cache is as new. */
  observed(obj: T): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const cur = this.byUid.get(uid);
    if (!cur) return;
    const rv = rvOf(obj);
    if (rv === undefined || rv >= cur.rv) this.byUid.delete(uid);
  }

  deleted(obj: T): void {
    if (obj.metadata.uid) this.byUid.delete(obj.metadata.uid);
  }

  /** Our newer copy of `cached`, or `cached` itself. */
  latest(cached: T): T {
    const uid = cached.metadata.uid;
    if (!uid) return cached;
    const cur = this.byUid.get(uid);
    if (!cur) return cached;
    if (this.clock.now().getTime() - cur.at > TTL_MS) {
      this.byUid.delete(uid);
      return cached;
    }
    const rv = rvOf(cached);
    return rv !== undefined && rv < cur.rv ? cur.obj : cached;
  }

  /** Recorded objects matching `pred` that the cache does not have at all (created, not yet seen). */
  unseen(inCache: (o: T) => boolean, pred: (o: T) => boolean): T[] {
    const out: T[] = [];
    const now = this.clock.now().getTime();
    for (const [uid, e] of this.byUid) {
      if (now - e.at > TTL_MS) {
        this.byUid.delete(uid);
        continue;
      }
      if (pred(e.obj) && !inCache(e.obj)) out.push(e.obj);
    }
    return out;
  }
}
