// Informer: list, then watch from the list's resourceVersion, feeding an indexed local cache
// whose handlers only learn of changes. A dropped watch resumes from the last seen revision; a
// 410 Expired relists. Handlers must not mutate objects (they are shared with the cache).

import { ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { realClock, type Clock } from '../util/clock.js';
import type { ListOptions, ResourceClient } from './resources.js';

export interface EventHandler<T extends KObject = KObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export function objectKeyOf(obj: KObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export type IndexFunc<T> = (obj: T) => string[];

/** The informer's local cache: objects by `namespace/name`, plus secondary indexes. */
export class Indexer<T extends KObject = KObject> {
  private items = new Map<string, T>();
  private indexFns = new Map<string, IndexFunc<T>>();
  private indexes = new Map<string, Map<string, Set<string>>>();

  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexFns.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [k, obj] of this.items) for (const v of fn(obj)) this.addTo(idx, v, k);
  }

  private addTo(idx: Map<string, Set<string>>, v: string, key: string) {
    let s = idx.get(v);
    if (!s) idx.set(v, (s = new Set()));
    s.add(key);
  }

  private unindex(key: string, obj: T) {
    for (const [name, fn] of this.indexFns) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        const s = idx.get(v);
        s?.delete(key);
        if (s && s.size === 0) idx.delete(v);
      }
    }
  }

  set(obj: T): T | undefined {
    const key = objectKeyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexFns) for (const v of fn(obj)) this.addTo(this.indexes.get(name)!, v, key);
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      this.unindex(key, old);
      this.items.delete(key);
    }
    return old;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(name: string, value: string): T[] {
    const s = this.indexes.get(name)?.get(value);
    if (!s) return [];
    const out: T[] = [];
    for (const k of s) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  get size(): number {
    return this.items.size;
  }
}

export const byNamespace: IndexFunc<KObject> = (o) => [o.metadata.namespace ?? ''];
/** Index by the uid of the controlling owner. */
export const byControllerUid: IndexFunc<KObject> = (o) => {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller);
  return ref ? [ref.uid] : [];
};

export interface InformerOptions extends Pick<ListOptions, 'labelSelector' | 'fieldSelector'> {
  namespace?: string;
  /** Re-deliver every object as an update this often (0: never). */
  resyncMs?: number;
  clock?: Clock;
  /** Page size for the initial list. */
  pageSize?: number;
}

export class Informer<T extends KObject = KObject> {
  readonly store = new Indexer<T>();
  private handlers: EventHandler<T>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopped = false;
  private stopWatch?: () => void;
  private resourceVersion = '';
  private readonly clock: Clock;

  constructor(
    readonly resource: ResourceClient<T>,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
  }

  addHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.store.list()) h.add?.(o);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** Starts list+watch in the background; resolves once the first list is in the store. */
  async start(): Promise<void> {
    void this.run();
    await this.waitForSync();
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let needList = true;
    let cancelResync: (() => void) | undefined;
    if (this.opts.resyncMs) {
      const resync = () => {
        if (this.stopped) return;
        for (const o of this.store.list()) for (const h of this.handlers) h.update?.(o, o);
        cancelResync = this.clock.setTimer(this.opts.resyncMs!, resync);
      };
      cancelResync = this.clock.setTimer(this.opts.resyncMs, resync);
    }
    while (!this.stopped) {
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        await this.watchOnce();
        backoff = 100;
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof ApiError && err.code === 410) {
          needList = true;
          continue;
        }
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    cancelResync?.();
  }

  private async list(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.resource.list(this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize ?? 500,
        continue: cont,
      });
      for (const o of page.items) {
        seen.add(objectKeyOf(o));
        this.apply('put', o);
      }
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    for (const k of this.store.keys()) if (!seen.has(k)) this.apply('delete', this.store.get(k)!);
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(kind: 'put' | 'delete', obj: T): void {
    if (kind === 'delete') {
      const old = this.store.remove(objectKeyOf(obj));
      if (old) for (const h of this.handlers) h.delete?.(obj);
      return;
    }
    const old = this.store.set(obj);
    if (old) {
      if (old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
      for (const h of this.handlers) h.update?.(old, obj);
    } else for (const h of this.handlers) h.add?.(obj);
  }

  private async watchOnce(): Promise<void> {
    let expired: ApiError | undefined;
    const w = this.resource.watch(
      this.opts.namespace,
      {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      (ev) => {
        if (ev.type === 'ERROR') {
          const s = ev.object as unknown as { code?: number; reason?: string; message?: string };
          expired = new ApiError(s.code ?? 500, s.reason ?? 'Unknown', s.message ?? 'watch error');
          w.stop();
          return;
        }
        const rv = ev.object?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (ev.type === 'BOOKMARK') return;
        this.apply(ev.type === 'DELETED' ? 'delete' : 'put', ev.object);
      },
    );
    this.stopWatch = () => w.stop();
    await w.done;
    if (expired) throw expired;
  }
}
