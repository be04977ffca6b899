// list and watch: served from the watch cache, never from a table scan per request.

import type { ServerResponse } from 'node:http';
import { ApiError, apiErr } from '../api/errors.js';
import { parseFieldSelector, type FieldSelector } from '../api/fields.js';
import { parseSelector, type Selector } from '../api/labels.js';
import type { KObject } from '../api/types.js';
import { apiVersionOf } from '../api/types.js';
import { storageKind, viewEntry, viewOf, type KindDef } from '../kinds/types.js';
import { resourcePrefix, StoreCompactedError } from '../storage/store.js';
import type { CachedEntry, CachedWatchEvent, WatchCache } from '../storage/watch-cache.js';
import type { Clock } from '../util/clock.js';
import { ObjectStore } from './object-store.js';
import { partialObjectMetadata, toTable, type IncludeObject } from './tables.js';
import { TABLE_CONTENT_TYPE, type ResponseShape } from './codec.js';

export interface ListQuery {
  labelSelector: Selector | undefined;
  fieldSelector: FieldSelector | undefined;
  limit: number;
  continueToken?: string;
  resourceVersion?: string;
}

/** Reads a field for field selectors: metadata.name/namespace everywhere, plus the kind's own. */
function fieldGetter(def: KindDef, obj: KObject): (field: string) => string | undefined {
  return (field) => {
    if (field === 'metadata.name') return obj.metadata.name;
    if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
    const f = def.fieldSelectors?.[field];
    return f ? f(obj) : undefined;
  };
}

export function parseListQuery(def: KindDef, q: URLSearchParams): ListQuery {
  const ls = q.get('labelSelector');
  const fs = q.get('fieldSelector');
  const fieldSelector = fs ? parseFieldSelector(fs) : undefined;
  if (fieldSelector) {
    for (const r of fieldSelector.requirements) {
      if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace' && !def.fieldSelectors?.[r.field]) {
        throw apiErr.badRequest(`field label not supported: ${r.field}`);
      }
    }
  }
  const limitText = q.get('limit');
  const limit = limitText ? Number(limitText) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw apiErr.badRequest(`invalid limit: ${limitText}`);
  return {
    labelSelector: ls ? parseSelector(ls) : undefined,
    fieldSelector,
    limit,
    continueToken: q.get('continue') || undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
  };
}

function matcher(def: KindDef, q: ListQuery): (obj: KObject) => boolean {
  const { labelSelector: ls, fieldSelector: fs } = q;
  if ((!ls || ls.empty()) && (!fs || fs.empty())) return () => true;
  return (obj) => (!ls || ls.matches(obj.metadata.labels)) && (!fs || fs.matches(fieldGetter(def, obj)));
}

interface ContinueToken {
  v: string;
  rv: string;
  start: string;
}

function encodeContinue(rv: bigint, lastKey: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv: String(rv), start: lastKey };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(token: string, prefix: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string' || !t.start.startsWith(prefix)) throw new Error('bad');
    return t;
  } catch {
    throw apiErr.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

/** A name-only field selector within one namespace: answer with one cache lookup. */
function exactName(q: ListQuery): string | undefined {
  const reqs = q.fieldSelector?.requirements ?? [];
  const r = reqs.find((x) => x.field === 'metadata.name' && x.op === '=');
  return r?.value;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Where `def`'s objects are stored (a storedAs kind shares its stored kind's prefix). */
function storagePrefix(def: KindDef, namespace: string | undefined): string {
  const s = storageKind(def);
  return resourcePrefix(s.group, s.plural, def.namespaced ? namespace : undefined);
}

export async function listObjects(cache: WatchCache, def: KindDef, namespace: string | undefined, q: ListQuery): Promise<ListResult> {
  const prefix = storagePrefix(def, namespace);
  const rv = q.resourceVersion;
  if (rv && rv !== '0') {
    let want: bigint;
    try {
      want = BigInt(rv);
    } catch {
      throw apiErr.badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
    }
    if (want > cache.revision()) await cache.waitForRevision(want, 3000).catch(() => {
      throw apiErr.timeout(`Too large resource version: ${rv}, current: ${cache.revision()}`);
    });
  }
  const match = matcher(def, q);
  const name = exactName(q);
  if (name !== undefined && (namespace || !def.namespaced)) {
    const raw = cache.get(prefix + name);
    const e = raw && viewEntry(def, raw);
    const items = e && match(e.object) ? [ObjectStore.materialize(e)] : [];
    return { items, resourceVersion: String(cache.revision()) };
  }
  let startAfter: string | undefined;
  if (q.continueToken) startAfter = decodeContinue(q.continueToken, prefix).start;
  const items: KObject[] = [];
  const revision = cache.revision();
  let lastKey: string | undefined;
  let more = false;
  // Page through the cache until `limit` matching objects are found (selectors filter pages).
  for (;;) {
    const page = cache.list(prefix, { limit: q.limit ? Math.max(q.limit - items.length, 64) : 0, startAfter });
    let stopped = false;
    for (const raw of page.items) {
      const e = viewEntry(def, raw);
      if (q.limit && items.length >= q.limit) {
        more = true;
        stopped = true;
        break;
      }
      lastKey = e.key;
      if (match(e.object)) items.push(ObjectStore.materialize(e));
    }
    if (stopped || !page.more) break;
    startAfter = page.items[page.items.length - 1]?.key;
    if (q.limit && items.length >= q.limit) {
      more = true;
      break;
    }
  }
  const result: ListResult = { items, resourceVersion: String(revision) };
  if (more && lastKey) result.continue = encodeContinue(revision, lastKey);
  return result;
}

export function listBody(def: KindDef, r: ListResult): KObject {
  const metadata: Record<string, unknown> = { resourceVersion: r.resourceVersion };
  if (r.continue) metadata.continue = r.continue;
  return { kind: def.listKind, apiVersion: apiVersionOf(def.group, def.version), metadata, items: r.items } as unknown as KObject;
}

/**
 * Watch lines by event, shared by every plain (non-table) watcher of that event. A memo of pure
 * values keyed by the immutable event objects the cache hands to all watchers; entries go with them.
 */
const SERIALIZED = new WeakMap<CachedWatchEvent, Map<string, string>>();

export interface WatchParams {
  shape: ResponseShape;
  includeObject: IncludeObject;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
}

/**
 * Streams watch events. Headers are flushed at once (kubectl's informers wait for them).
 * resourceVersion unset or "0": synthetic ADDED for what exists now, then changes.
 */
export function serveWatch(
  res: ServerResponse,
  cache: WatchCache,
  clock: Clock,
  def: KindDef,
  namespace: string | undefined,
  q: ListQuery,
  p: WatchParams,
): void {
  const prefix = storagePrefix(def, namespace);
  const match = matcher(def, q);
  res.writeHead(200, {
    'Content-Type': p.shape === 'table' ? TABLE_CONTENT_TYPE : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let headersSent = false;
  let closed = false;
  // Events of one tick (a burst of writes) go out in one socket write instead of one each.
  let corked = false;
  const write = (chunk: string) => {
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(() => {
        corked = false;
        res.uncork();
      });
    }
    res.write(chunk);
    // A client that stops reading must not make the server buffer without bound.
    if (res.writableLength > 64 * 1024 * 1024) finish();
  };
  const render = (obj: KObject): unknown => {
    if (p.shape === 'table') {
      const t = toTable(def, [obj], clock.now(), { includeObject: p.includeObject, noHeaders: headersSent, resourceVersion: obj.metadata.resourceVersion });
      headersSent = true;
      return t;
    }
    if (p.shape === 'metadata') return partialObjectMetadata(obj);
    return obj;
  };
  const send = (type: string, obj: unknown) => {
    if (closed) return;
    write(JSON.stringify({ type, object: obj }) + '\n');
  };
  const timers: (() => void)[] = [];
  let watcher: { close(): void } | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    watcher?.close();
    for (const t of timers) t();
    res.end();
  };
  res.on('close', finish);

  let from: bigint;
  const rv = q.resourceVersion;
  if (!rv || rv === '0') {
    const page = cache.list(prefix, {});
    from = page.revision;
    for (const raw of page.items) {
      const e = viewEntry(def, raw);
      if (match(e.object)) send('ADDED', render(ObjectStore.materialize(e)));
    }
  } else {
    try {
      from = BigInt(rv);
    } catch {
      send('ERROR', apiErr.badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`).toStatus());
      finish();
      return;
    }
  }
  // Watchers of the stored kind and of its other versions share events: each line per version.
  const lineKey = apiVersionOf(def.group, def.version);
  const onEvent = (ev: CachedWatchEvent) => {
    const object = ev.object && viewOf(def, ev.object);
    const prevObject = ev.prevObject && viewOf(def, ev.prevObject);
    const now = object ? match(object) : false;
    const before = prevObject ? match(prevObject) : false;
    let type: string | undefined;
    if (ev.type === 'create') type = now ? 'ADDED' : undefined;
    else if (ev.type === 'delete') type = now || before ? 'DELETED' : undefined;
    else type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    // Most watchers do not match most events (e.g. node agents watching their own pods): decide
    // before copying anything.
    if (type === undefined || closed) return;
    if (p.shape === 'object') {
      // Every plain watcher of this event sends the same line: serialize it once.
      let lines = SERIALIZED.get(ev);
      if (!lines) SERIALIZED.set(ev, (lines = new Map()));
      let line = lines.get(`${lineKey} ${type}`);
      if (line === undefined) {
        line = JSON.stringify({ type, object: ObjectStore.materialize({ object, modRevision: ev.revision }) }) + '\n';
        lines.set(`${lineKey} ${type}`, line);
      }
      write(line);
      return;
    }
    send(type, render(ObjectStore.materialize({ object, modRevision: ev.revision })));
  };
  const onError = (err: Error) => {
    if (err instanceof StoreCompactedError) {
      send('ERROR', apiErr.gone(`too old resource version: ${from} (${err.compacted + 1n})`).toStatus());
    } else {
      send('ERROR', (err instanceof ApiError ? err : apiErr.internal(err.message)).toStatus());
    }
    finish();
  };
  watcher = cache.watch(prefix, from, onEvent, onError);
  if (closed) {
    watcher.close();
    return;
  }
  // Server-chosen timeout like upstream (30-60 min) unless the client asked for one.
  const timeout = p.timeoutSeconds !== undefined ? p.timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
  timers.push(clock.setTimer(timeout, finish));
  if (p.allowBookmarks) {
    const bookmark = () => {
      if (closed) return;
      send('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def.group, def.version), metadata: { resourceVersion: String(cache.revision()) } });
      timers.push(clock.setTimer(60_000, bookmark));
    };
    timers.push(clock.setTimer(60_000, bookmark));
  }
}

export type { CachedEntry };
