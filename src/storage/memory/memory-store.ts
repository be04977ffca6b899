// In-memory Store for unit tests and `--storage memory`. Nothing survives the process; everything
// else follows the Store contract, including history (list at a revision, watch from a revision)
// and compaction.
//
// Data model: per key, the list of its versions in revision order (a delete is a tombstone
// version), plus a global event log in revision order for watches. Compaction drops versions and
// events at or below the compacted revision except each key's latest surviving version.

import {
  StoreCompactedError,
  StoreConflictError,
  StoreKeyExistsError,
  StoreNotFoundError,
  type Entry,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type Watcher,
} from '../store.js';
import { AutoCompactor, DEFAULT_COMPACTION, type CompactionPolicy } from '../auto-compactor.js';
import { assertValidKey } from '../key-range.js';
import { checkReadRevision } from '../read-revision.js';
import { SortedKeySet } from '../sorted-key-set.js';
import { WatchHub, type BacklogChunk } from '../watch-hub.js';

interface Version {
  revision: bigint;
  createRevision: bigint;
  /** For a tombstone: the value that was deleted. */
  value: string;
  deleted: boolean;
}

export interface MemoryStoreOptions {
  /**
   * Automatic compaction, as for SqliteStore (default: every minute, keep 10 000 revisions and
   * 5 minutes), so a long-running `--storage memory` server does not grow without bound.
   * `{ intervalMs: 0 }` turns it off.
   */
  compaction?: CompactionPolicy;
}

export class MemoryStore implements Store {
  readonly backend = 'memory';
  private rev = 0n;
  private compacted = 0n;
  /** Versions per key, oldest first; a key disappears once it has no version left. */
  private readonly versions = new Map<string, Version[]>();
  /** Every key that has at least one version, for ordered prefix scans. */
  private readonly keys = new SortedKeySet();
  /** Events with revision > compacted, in revision order. */
  private events: WatchEvent[] = [];
  private readonly hub: WatchHub;
  private readonly compactor: AutoCompactor | undefined;
  private closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.hub = new WatchHub((prefix, after, upto, limit) => this.readEvents(prefix, after, upto, limit));
    if ((opts.compaction?.intervalMs ?? DEFAULT_COMPACTION.intervalMs) > 0) {
      this.compactor = new AutoCompactor(this, opts.compaction);
      this.compactor.start();
    }
  }

  async currentRevision(): Promise<bigint> {
    return this.rev;
  }

  async oldestRevision(): Promise<bigint> {
    return this.compacted + 1n;
  }

  async get(key: string): Promise<Entry | undefined> {
    this.assertOpen();
    const v = this.latest(key);
    return v && !v.deleted ? toEntry(key, v) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const at = opts.revision ?? this.rev;
    checkReadRevision(at, this.rev, this.compacted);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: Entry[] = [];
    let more = false;
    const start = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : prefix;
    for (const key of this.keys.from(start, start === opts.startAfter)) {
      if (!key.startsWith(prefix)) break;
      const v = versionAt(this.versions.get(key)!, at);
      if (!v || v.deleted) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(toEntry(key, v));
    }
    return { items, revision: at, more };
  }

  async create(key: string, value: string): Promise<Entry> {
    this.assertOpen();
    assertValidKey(key);
    const cur = this.latest(key);
    if (cur && !cur.deleted) throw new StoreKeyExistsError(key);
    const revision = ++this.rev;
    const v: Version = { revision, createRevision: revision, value, deleted: false };
    this.append(key, v, { type: 'create', key, value, revision });
    return toEntry(key, v);
  }

  async update(key: string, value: string, expectedModRevision: bigint): Promise<Entry> {
    this.assertOpen();
    const cur = this.latest(key);
    if (!cur || cur.deleted) throw new StoreNotFoundError(key);
    if (cur.revision !== expectedModRevision) throw new StoreConflictError(key, cur.revision);
    const revision = ++this.rev;
    const v: Version = { revision, createRevision: cur.createRevision, value, deleted: false };
    this.append(key, v, { type: 'update', key, value, prevValue: cur.value, revision });
    return toEntry(key, v);
  }

  async delete(key: string, expectedModRevision?: bigint): Promise<Entry> {
    this.assertOpen();
    const cur = this.latest(key);
    if (!cur || cur.deleted) throw new StoreNotFoundError(key);
    if (expectedModRevision !== undefined && cur.revision !== expectedModRevision) {
      throw new StoreConflictError(key, cur.revision);
    }
    const revision = ++this.rev;
    const v: Version = { revision, createRevision: cur.createRevision, value: cur.value, deleted: true };
    this.append(key, v, { type: 'delete', key, value: cur.value, prevValue: cur.value, revision });
    return toEntry(key, v);
  }

  watch(prefix: string, fromRevision: bigint, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher {
    if (this.closed) {
      queueMicrotask(() => onError?.(new Error('store closed')));
      return { close() {} };
    }
    return this.hub.watch(prefix, fromRevision, this.rev, onEvent, onError);
  }

  async compact(revision: bigint): Promise<void> {
    this.assertOpen();
    if (revision > this.rev) throw new RangeError(`cannot compact to future revision ${revision} (current ${this.rev})`);
    if (revision <= this.compacted) return;
    // Only keys touched by the forgotten events can hold superseded versions.
    const cut = firstAfter(this.events, revision);
    const touched = new Set<string>();
    for (let i = 0; i < cut; i++) touched.add(this.events[i].key);
    this.events = this.events.slice(cut);
    this.compacted = revision;
    for (const key of touched) {
      const list = this.versions.get(key)!;
      // Keep the latest version at or below the compacted revision (the state there), unless it
      // is a tombstone, plus everything newer.
      let keepFrom = 0;
      while (keepFrom + 1 < list.length && list[keepFrom + 1].revision <= revision) keepFrom++;
      if (list[keepFrom].revision <= revision && list[keepFrom].deleted) keepFrom++;
      const kept = list.slice(keepFrom);
      if (kept.length === 0) {
        this.versions.delete(key);
        this.keys.delete(key);
      } else {
        this.versions.set(key, kept);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let an in-flight automatic compaction finish before the store refuses calls.
    await this.compactor?.stop();
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new Error('store closed'));
  }

  private latest(key: string): Version | undefined {
    const list = this.versions.get(key);
    return list ? list[list.length - 1] : undefined;
  }

  private append(key: string, v: Version, ev: WatchEvent): void {
    const list = this.versions.get(key);
    if (list) list.push(v);
    else {
      this.versions.set(key, [v]);
      this.keys.add(key);
    }
    this.events.push(ev);
    this.hub.publish([ev]);
  }

  private readEvents(prefix: string, after: bigint, upto: bigint, limit: number): BacklogChunk {
    if (after < this.compacted) throw new StoreCompactedError(after, this.compacted);
    const events: WatchEvent[] = [];
    const start = firstAfter(this.events, after);
    for (let i = start; i < this.events.length; i++) {
      const ev = this.events[i];
      if (ev.revision > upto) break;
      if (i - start === limit) return { events, resumeAfter: this.events[i - 1].revision };
      if (ev.key.startsWith(prefix)) events.push(ev);
    }
    return { events };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store closed');
  }
}

function toEntry(key: string, v: Version): Entry {
  return { key, value: v.value, modRevision: v.revision, createRevision: v.createRevision };
}

/** The latest version at or below `at`, by binary search over the key's revision-ordered list. */
function versionAt(list: readonly Version[], at: bigint): Version | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].revision <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? list[lo - 1] : undefined;
}

/** Index of the first event with revision > rev. */
function firstAfter(events: readonly WatchEvent[], rev: bigint): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].revision <= rev) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
