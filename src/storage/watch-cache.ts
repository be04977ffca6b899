// The in-memory cache the API server reads from: a full copy of the store kept current by one
// store watch, plus a bounded window of recent events for client watches. Lists and watches never
// touch the store per request.
//
// Lifecycle: start() lists everything once, then watches the whole key space from that list's
// revision; every store event is applied synchronously, in revision order. stop() ends it.
//
// Sharing contract: CachedEntry.object and CachedWatchEvent.object/prevObject are parsed ONCE and
// shared by every reader (gets, lists, all watchers). Treat them as immutable: clone before
// mutating (e.g. structuredClone). The cache never injects resourceVersion; modRevision / the
// event revision carry it and the API server puts it into what it serves.
//
// Consistency: get(), list() and revision() reflect the same applied prefix of the store's history
// at any moment (all synchronous). A client that just wrote at revision R calls
// waitForRevision(R) before a list that must include its write (read-your-writes).
//
// Watches: watch(prefix, from) delivers every event under prefix with revision > from, in revision
// order, exactly once: first the buffered ones, then live ones. Delivery happens from a microtask
// (never inside watch() or while the cache applies an event), before any timer callback, so a
// bookmark carrying revision() can never overtake queued events. If `from` is older than the
// replay window, onError gets StoreCompactedError(from, horizon) (the API server answers
// 410 Gone "too old resource version"). Callers map resourceVersion "0"/unset to list + watch
// from the list's revision.
//
// Failure: if the store watch breaks, every client watch ends with that error and the cache
// re-lists; if re-listing fails too, the cache is failed and every read throws.

import type { KObject } from '../api/types.js';
import { StoreCompactedError, type Entry, type Store, type WatchEvent, type Watcher } from './store.js';
import { EventRing } from './event-ring.js';
import { resourceBucketOf } from './key-range.js';
import { SortedKeySet } from './sorted-key-set.js';
import { asError, reportWatchError } from './watch-hub.js';

/** A store entry plus its parsed object (shared, immutable by contract). */
export type CachedEntry = Entry & { readonly object: KObject };

/** A store event plus parsed objects: for delete both are the last state; for update prevObject is the old one. */
export type CachedWatchEvent = WatchEvent & { readonly object: KObject; readonly prevObject?: KObject };

export interface WatchCacheOptions {
  /** Events kept for replaying watches from an older revision. Default 10 000. */
  historySize?: number;
}

export interface CacheListOptions {
  /** At most this many items (0 or undefined: all). */
  limit?: number;
  /** Start strictly after this key (paging continuation). */
  startAfter?: string;
  /**
   * Only entries passing the filter are returned and count toward `limit`; scanning continues
   * past rejected ones. `more` then means "further keys exist after the last returned item"
   * (they may all be filtered out), like Kubernetes' paged lists with selectors.
   */
  filter?: (e: CachedEntry) => boolean;
}

export interface CacheListResult {
  items: CachedEntry[];
  /** The cache revision the list reflects. */
  revision: bigint;
  /** True when more keys follow the last returned item under the prefix. */
  more: boolean;
}

/** waitForRevision gave up: the cache did not reach the revision in time. */
export class RevisionTimeoutError extends Error {
  constructor(
    readonly requested: bigint,
    readonly current: bigint,
  ) {
    super(`Too large resource version: ${requested}, current: ${current}`);
  }
}

interface CacheWatcher {
  readonly prefix: string;
  /** Revision of the last event queued (or the starting revision): only later events are queued. */
  lastRev: bigint;
  queue: CachedWatchEvent[];
  head: number;
  closed: boolean;
  readonly onEvent: (ev: CachedWatchEvent) => void;
  readonly onError?: (err: Error) => void;
}

interface Waiter {
  rev: bigint;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type State = 'new' | 'running' | 'stopped' | 'failed';

export class WatchCache {
  private state: State = 'new';
  private failure: Error | undefined;
  private rev = 0n;
  private readonly entries = new Map<string, CachedEntry>();
  /** Sorted keys per resource bucket (`/<group>/<plural>/`, '' for keys outside that layout). */
  private readonly buckets = new Map<string, SortedKeySet>();
  private readonly ring: EventRing<CachedWatchEvent>;
  private storeWatch: Watcher | undefined;
  /** Watchers whose prefix lies inside one resource bucket, by bucket. */
  private readonly bucketWatchers = new Map<string, Set<CacheWatcher>>();
  /** Watchers whose prefix spans buckets. */
  private readonly wideWatchers = new Set<CacheWatcher>();
  private readonly pending = new Set<CacheWatcher>();
  private drainScheduled = false;
  /** Sorted by rev ascending. */
  private waiters: Waiter[] = [];

  constructor(
    private readonly store: Store,
    opts: WatchCacheOptions = {},
  ) {
    this.ring = new EventRing<CachedWatchEvent>(opts.historySize ?? 10_000);
  }

  /** Loads everything and starts following the store. Resolves once the cache is consistent. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`watch cache cannot start: it is ${this.state}`);
    await this.load();
    this.state = 'running';
  }

  /** Stops following the store; open watches end with an error, pending waits are rejected. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.storeWatch?.close();
    this.storeWatch = undefined;
    const err = new Error('watch cache stopped');
    this.failWatchers(err);
    this.rejectWaiters(err);
  }

  /** The latest store revision applied to the cache. */
  revision(): bigint {
    return this.rev;
  }

  /** Resolves once revision() >= rev; rejects with RevisionTimeoutError after timeoutMs. */
  waitForRevision(rev: bigint, timeoutMs = 5000): Promise<void> {
    if (rev <= this.rev) return Promise.resolve();
    try {
      this.assertReadable();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        rev,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new RevisionTimeoutError(rev, this.rev));
        }, timeoutMs),
      };
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1].rev > rev) i--;
      this.waiters.splice(i, 0, waiter);
    });
  }

  get(key: string): CachedEntry | undefined {
    this.assertReadable();
    return this.entries.get(key);
  }

  /** Entries under prefix in key order; O(log n + page) per call for prefixes within one resource. */
  list(prefix: string, opts: CacheListOptions = {}): CacheListResult {
    this.assertReadable();
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const exclusive = opts.startAfter !== undefined && opts.startAfter >= prefix;
    const from = exclusive ? opts.startAfter! : prefix;
    const items: CachedEntry[] = [];
    let more = false;
    for (const key of this.keysFrom(prefix, from, exclusive)) {
      if (!key.startsWith(prefix)) break;
      if (items.length >= limit) {
        more = true;
        break;
      }
      const e = this.entries.get(key)!;
      if (!opts.filter || opts.filter(e)) items.push(e);
    }
    return { items, revision: this.rev, more };
  }

  /** See the header for the delivery contract. */
  watch(prefix: string, fromRevision: bigint, onEvent: (ev: CachedWatchEvent) => void, onError?: (err: Error) => void): Watcher {
    const w: CacheWatcher = { prefix, lastRev: fromRevision, queue: [], head: 0, closed: false, onEvent, onError };
    const handle: Watcher = { close: () => this.closeWatcher(w) };
    let early: Error | undefined;
    try {
      this.assertReadable();
    } catch (err) {
      early = asError(err);
    }
    const horizon = this.ring.horizon();
    if (!early && fromRevision < horizon) early = new StoreCompactedError(fromRevision, horizon);
    if (early) {
      const err = early;
      queueMicrotask(() => {
        if (w.closed) return;
        w.closed = true;
        reportWatchError(err, onError);
      });
      return handle;
    }
    this.ring.forEachAfter(fromRevision, (ev) => {
      if (ev.key.startsWith(prefix)) w.queue.push(ev);
    });
    if (this.rev > w.lastRev) w.lastRev = this.rev;
    const bucket = resourceBucketOf(prefix);
    if (bucket) {
      let set = this.bucketWatchers.get(bucket);
      if (!set) this.bucketWatchers.set(bucket, (set = new Set()));
      set.add(w);
    } else {
      this.wideWatchers.add(w);
    }
    if (w.queue.length > 0) this.markPending(w);
    return handle;
  }

  /** Number of open client watches (for metrics and tests). */
  watcherCount(): number {
    let n = this.wideWatchers.size;
    for (const set of this.bucketWatchers.values()) n += set.size;
    return n;
  }

  // ---- loading and applying store events ----

  private async load(): Promise<void> {
    const res = await this.store.list('');
    this.entries.clear();
    this.buckets.clear();
    for (const e of res.items) this.putEntry({ ...e, object: parseObject(e.key, e.value) });
    this.rev = res.revision;
    this.ring.reset(res.revision);
    this.storeWatch = this.store.watch(
      '',
      res.revision,
      (ev) => this.apply(ev),
      (err) => this.onStoreWatchError(err),
    );
    this.resolveWaiters();
  }

  private apply(ev: WatchEvent): void {
    if (ev.revision <= this.rev) return; // already reflected (cannot happen with a conforming store)
    const prev = this.entries.get(ev.key);
    let cev: CachedWatchEvent;
    if (ev.type === 'delete') {
      const object = prev?.object ?? parseObject(ev.key, ev.value);
      this.removeEntry(ev.key);
      cev = { ...ev, object, prevObject: object };
    } else {
      const object = parseObject(ev.key, ev.value);
      const createRevision = ev.type === 'update' && prev ? prev.createRevision : ev.revision;
      this.putEntry({ key: ev.key, value: ev.value, modRevision: ev.revision, createRevision, object });
      if (ev.type === 'update') {
        const prevObject = prev?.object ?? (ev.prevValue !== undefined ? parseObject(ev.key, ev.prevValue) : undefined);
        cev = { ...ev, object, prevObject };
      } else {
        cev = { ...ev, object };
      }
    }
    this.rev = ev.revision;
    this.ring.push(cev);
    this.dispatch(cev);
    this.resolveWaiters();
  }

  private onStoreWatchError(err: Error): void {
    if (this.state !== 'running') return;
    this.storeWatch = undefined;
    // Continuity is lost: end client watches (they re-watch, and get 410 if too old), re-list.
    this.failWatchers(err);
    this.load().catch((loadErr) => {
      if (this.state !== 'running') return;
      this.state = 'failed';
      this.failure = asError(loadErr);
      this.rejectWaiters(this.failure);
    });
  }

  private putEntry(e: CachedEntry): void {
    if (!this.entries.has(e.key)) {
      const bucket = resourceBucketOf(e.key);
      let set = this.buckets.get(bucket);
      if (!set) this.buckets.set(bucket, (set = new SortedKeySet()));
      set.add(e.key);
    }
    this.entries.set(e.key, e);
  }

  private removeEntry(key: string): void {
    if (this.entries.delete(key)) this.buckets.get(resourceBucketOf(key))?.delete(key);
  }

  /**
   * Keys >= from (or > from) that may start with prefix, in key order. Within one bucket this is
   * a seek; wider prefixes walk the matching buckets in order (their key ranges do not overlap:
   * distinct `/<g>/<p>/` strings differ before either ends) merged with the '' bucket.
   */
  private *keysFrom(prefix: string, from: string, exclusive: boolean): Generator<string, void, undefined> {
    const bucket = resourceBucketOf(prefix);
    if (bucket) {
      const set = this.buckets.get(bucket);
      if (set) yield* set.from(from, exclusive);
      return;
    }
    const names = [...this.buckets.keys()].filter((b) => b !== '' && b.startsWith(prefix)).sort();
    const misc = this.buckets.get('')?.from(from, exclusive);
    let m = misc?.next();
    for (const name of names) {
      for (const key of this.buckets.get(name)!.from(from, exclusive)) {
        while (m && !m.done && m.value < key) {
          yield m.value;
          m = misc!.next();
        }
        yield key;
      }
    }
    while (m && !m.done) {
      yield m.value;
      m = misc!.next();
    }
  }

  // ---- client watch delivery ----

  private dispatch(ev: CachedWatchEvent): void {
    const set = this.bucketWatchers.get(resourceBucketOf(ev.key));
    if (set) for (const w of set) this.offer(w, ev);
    for (const w of this.wideWatchers) this.offer(w, ev);
  }

  private offer(w: CacheWatcher, ev: CachedWatchEvent): void {
    if (w.closed || ev.revision <= w.lastRev || !ev.key.startsWith(w.prefix)) return;
    w.lastRev = ev.revision;
    w.queue.push(ev);
    this.markPending(w);
  }

  private markPending(w: CacheWatcher): void {
    this.pending.add(w);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.drainScheduled = false;
    for (const w of this.pending) {
      this.pending.delete(w);
      while (!w.closed && w.head < w.queue.length) {
        const ev = w.queue[w.head++];
        try {
          w.onEvent(ev);
        } catch (err) {
          // A throwing consumer loses its own watch; the others keep going.
          this.closeWatcher(w);
          reportWatchError(asError(err), w.onError);
        }
      }
      w.queue = [];
      w.head = 0;
    }
  }

  private closeWatcher(w: CacheWatcher): void {
    if (w.closed) return;
    w.closed = true;
    this.pending.delete(w);
    w.queue = [];
    w.head = 0;
    const bucket = resourceBucketOf(w.prefix);
    if (bucket) {
      const set = this.bucketWatchers.get(bucket);
      set?.delete(w);
      if (set && set.size === 0) this.bucketWatchers.delete(bucket);
    } else {
      this.wideWatchers.delete(w);
    }
  }

  private failWatchers(err: Error): void {
    const all = [...this.wideWatchers];
    for (const set of this.bucketWatchers.values()) all.push(...set);
    for (const w of all) {
      this.closeWatcher(w);
      reportWatchError(err, w.onError);
    }
  }

  private resolveWaiters(): void {
    let n = 0;
    while (n < this.waiters.length && this.waiters[n].rev <= this.rev) {
      clearTimeout(this.waiters[n].timer);
      this.waiters[n].resolve();
      n++;
    }
    if (n > 0) this.waiters = this.waiters.slice(n);
  }

  private rejectWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private assertReadable(): void {
    if (this.state === 'running') return;
    if (this.state === 'failed') throw this.failure!;
    throw new Error(this.state === 'new' ? 'watch cache not started' : 'watch cache stopped');
  }
}

function parseObject(key: string, value: string): KObject {
  try {
    return JSON.parse(value) as KObject;
  } catch (err) {
    throw new Error(`stored value of ${key} is not valid JSON: ${(err as Error).message}`);
  }
}
