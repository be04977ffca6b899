// Resource verbs: turns a parsed request into ObjectStore calls and writes the reply.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, apiErr, fieldErr } from '../api/errors.js';
import { cloneJson } from '../api/equality.js';
import type { KObject } from '../api/types.js';
import { applyJsonPatch } from '../api/patch/json-patch.js';
import { applyMergePatch } from '../api/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../api/patch/strategic-merge-patch.js';
import { managerFromRequest } from '../api/patch/managed-fields.js';
import { serverSideApply } from '../api/patch/server-side-apply.js';
import type { KindDef } from '../kinds/types.js';
import { decodeBody, mediaType, negotiate, TABLE_CONTENT_TYPE, type DecodedBody } from './codec.js';
import { checkFields, type FieldValidation } from './field-validation.js';
import { listBody, listObjects, parseListQuery, serveWatch } from './list-watch.js';
import { ObjectStore, type DeleteOptions, type WriteContext } from './object-store.js';
import type { ResourceRequest } from './request-info.js';
import { parseIncludeObject, partialObjectMetadata, toTable } from './tables.js';
import type { ApiServerContext } from './context.js';
import { handleSubresource } from './subresources.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = [], contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) };
  if (warnings.length) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : apiErr.internal((err as Error)?.message ?? String(err));
  if (!(err instanceof ApiError)) console.error('internal error:', err);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.code, e.toStatus());
  if (e.headers) for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
}

export interface RequestParams {
  req: IncomingMessage;
  res: ServerResponse;
  info: ResourceRequest;
  def: KindDef;
  query: URLSearchParams;
  body: Buffer;
}

export function writeContext(p: RequestParams, subresource?: string): WriteContext {
  const dry = p.query.getAll('dryRun');
  for (const d of dry) if (d !== 'All') throw apiErr.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const fm = p.query.get('fieldManager') ?? undefined;
  return { dryRun: dry.length > 0, manager: managerFromRequest(fm, p.req.headers['user-agent']), warnings: [], subresource };
}

function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw apiErr.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

function decodeObject(ctx: ApiServerContext, p: RequestParams, w: WriteContext): KObject {
  const decoded = decodeBody(p.body, p.req.headers['content-type']);
  const obj = decoded.value as KObject;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw apiErr.badRequest('the body of the request must be a JSON or YAML object');
  checkFields(ctx.schemas, p.def, decoded, fieldValidation(p.query), w.warnings);
  return obj;
}

function respondObject(ctx: ApiServerContext, p: RequestParams, code: number, obj: KObject, warnings: string[] = []): void {
  const shape = negotiate(p.req.headers.accept, true);
  if (shape === 'table') {
    const t = toTable(p.def, [obj], ctx.clock.now(), { includeObject: parseIncludeObject(p.query.get('includeObject')), resourceVersion: obj.metadata.resourceVersion });
    return sendJson(p.res, code, t, warnings, TABLE_CONTENT_TYPE);
  }
  if (shape === 'metadata') return sendJson(p.res, code, partialObjectMetadata(obj), warnings);
  sendJson(p.res, code, obj, warnings);
}

export async function handleResource(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { info, def, req } = p;
  if (def.namespaced && info.namespace === undefined && (info.name !== undefined || req.method !== 'GET')) {
    if (!(req.method === 'GET' || req.method === 'DELETE') || info.name !== undefined) throw apiErr.pathNotFound();
  }
  if (!def.namespaced && info.namespace !== undefined) throw apiErr.pathNotFound();
  if (info.subresource) return handleSubresource(ctx, p);
  const method = req.method ?? 'GET';
  const ns = info.namespace;
  const store = ctx.objects;
  if (info.name === undefined) {
    if (method === 'GET') return list(ctx, p);
    if (method === 'POST') {
      const w = writeContext(p);
      const obj = decodeObject(ctx, p, w);
      await ctx.admitCreate(def, ns, obj);
      const created = await store.create(def, ns, obj, w);
      return respondObject(ctx, p, 201, created, w.warnings);
    }
    if (method === 'DELETE') return deleteCollection(ctx, p);
    throw apiErr.methodNotAllowed();
  }
  const name = info.name;
  switch (method) {
    case 'GET':
      return respondObject(ctx, p, 200, store.get(def, ns, name));
    case 'PUT': {
      const w = writeContext(p);
      const obj = decodeObject(ctx, p, w);
      const out = await store.update(def, ns, name, obj, w);
      return respondObject(ctx, p, 200, out, w.warnings);
    }
    case 'PATCH': {
      const { object, created, warnings } = await patchResource(ctx, p, 'main');
      return respondObject(ctx, p, created ? 201 : 200, object, warnings);
    }
    case 'DELETE': {
      const w = writeContext(p);
      const opts = deleteOptions(p);
      w.dryRun ||= (opts.dryRun?.length ?? 0) > 0;
      const r = await ctx.deleteObject(def, ns, name, opts, w);
      return sendDeleteResult(ctx, p, r.object, r.deleted);
    }
    default:
      throw apiErr.methodNotAllowed();
  }
}

function sendDeleteResult(ctx: ApiServerContext, p: RequestParams, obj: KObject, deleted: boolean): void {
  // Upstream returns the object for pods and for objects that still exist; a Status otherwise.
  if (!deleted || (p.def.group === '' && p.def.plural === 'pods')) return respondObject(ctx, p, 200, obj);
  sendJson(p.res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, group: p.def.group || undefined, kind: p.def.plural, uid: obj.metadata.uid },
  });
}

export function deleteOptions(p: RequestParams): DeleteOptions {
  let opts: DeleteOptions = {};
  if (p.body.length) {
    const d = decodeBody(p.body, p.req.headers['content-type'] ?? 'application/json').value;
    if (d && typeof d === 'object') opts = d as DeleteOptions;
  }
  const q = p.query;
  const g = q.get('gracePeriodSeconds');
  if (g !== null) opts.gracePeriodSeconds = Number(g);
  const pp = q.get('propagationPolicy');
  if (pp !== null) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw apiErr.invalid('', 'DeleteOptions', '', [fieldErr.notSupported('propagationPolicy', opts.propagationPolicy, ['Foreground', 'Background', 'Orphan'])]);
  }
  if (q.get('orphanDependents') !== null) opts.orphanDependents = q.get('orphanDependents') === 'true';
  return opts;
}

async function list(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { def, query, req, res } = p;
  const q = parseListQuery(def, query);
  const shape = negotiate(req.headers.accept, true);
  const includeObject = parseIncludeObject(query.get('includeObject'));
  const ns = p.info.namespace;
  if (query.get('watch') === 'true' || query.get('watch') === '1') {
    const ts = query.get('timeoutSeconds');
    serveWatch(res, ctx.cache, ctx.clock, def, ns, q, {
      shape,
      includeObject,
      timeoutSeconds: ts !== null ? Number(ts) : undefined,
      allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    });
    return;
  }
  const r = await listObjects(ctx.cache, def, ns, q);
  if (shape === 'table') {
    return sendJson(res, 200, toTable(def, r.items, ctx.clock.now(), { includeObject, resourceVersion: r.resourceVersion, continue: r.continue }), [], TABLE_CONTENT_TYPE);
  }
  if (shape === 'metadata') {
    const body = listBody(def, r) as KObject;
    return sendJson(res, 200, { ...body, kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', items: r.items.map(partialObjectMetadata) });
  }
  sendJson(res, 200, listBody(def, r));
}

async function deleteCollection(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { def, query } = p;
  const q = parseListQuery(def, query);
  const w = writeContext(p);
  const opts = deleteOptions(p);
  const r = await listObjects(ctx.cache, def, p.info.namespace, { ...q, limit: 0, continueToken: undefined });
  const items: KObject[] = [];
  for (const obj of r.items) {
    try {
      const d = await ctx.deleteObject(def, obj.metadata.namespace, obj.metadata.name!, opts, w);
      items.push(d.object);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  sendJson(p.res, 200, listBody(def, { items, resourceVersion: String(ctx.cache.revision()) }));
}

export type PatchMode = 'main' | 'status';

/**
 * PATCH of the main resource or status. Non-apply patches are applied to the current object
 * and written with its revision, retrying on conflicts the client did not ask for.
 */
export async function patchResource(
  ctx: ApiServerContext,
  p: RequestParams,
  mode: PatchMode,
): Promise<{ object: KObject; created: boolean; warnings: string[] }> {
  const { def, info } = p;
  const ns = info.namespace;
  const name = info.name!;
  const type = mediaType(p.req.headers['content-type']);
  const w = writeContext(p, mode === 'status' ? 'status' : undefined);
  const decoded: DecodedBody = decodeBody(p.body, p.req.headers['content-type']);
  const patch = decoded.value;
  const schema = ctx.schemas(def.group, def.version, def.kind);
  const validation = fieldValidation(p.query);
  if (type === 'application/apply-patch+yaml') {
    if (!p.query.get('fieldManager')) {
      throw apiErr.invalid('meta.k8s.io', 'PatchOptions', '', [
        // Upstream: PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch
        fieldErr.required('fieldManager', 'is required for apply patch'),
      ]);
    }
    const applied = patch as KObject;
    if (!applied || typeof applied !== 'object' || Array.isArray(applied)) throw apiErr.badRequest('apply patch must be an object');
    checkFields(ctx.schemas, def, decoded, validation, w.warnings);
    const force = p.query.get('force') === 'true';
    return ctx.objects.retryOnConflict(async () => {
      const base = ctx.objects.findEntry(def, ns, name);
      if (!base) {
        const obj = serverSideApply({ live: undefined, applied: cloneJson(applied), manager: w.manager, force, schema, apiVersion: `${def.group ? def.group + '/' : ''}${def.version}`, now: ctx.clock.now(), subresource: w.subresource });
        obj.metadata = { ...obj.metadata, name, namespace: def.namespaced ? ns : undefined };
        if (!def.namespaced) delete obj.metadata.namespace;
        await ctx.admitCreate(def, ns, obj);
        const created = await ctx.objects.create(def, ns, obj, { ...w, applied: true });
        return { object: created, created: true, warnings: w.warnings };
      }
      const live = ObjectStore.materialize(base);
      const merged = serverSideApply({ live: cloneJson(live), applied: cloneJson(applied), manager: w.manager, force, schema, apiVersion: live.apiVersion!, now: ctx.clock.now(), subresource: w.subresource });
      const out = await ctx.objects.update(def, ns, name, merged, { ...w, applied: true }, { mode, base });
      return { object: out, created: false, warnings: w.warnings };
    });
  }
  let apply: (doc: unknown) => unknown;
  switch (type) {
    case 'application/json-patch+json':
      apply = (doc) => applyJsonPatch(doc, patch);
      break;
    case 'application/merge-patch+json':
      apply = (doc) => applyMergePatch(doc, patch);
      break;
    case 'application/strategic-merge-patch+json':
      apply = (doc) => applyStrategicMergePatch(doc, patch, schema);
      break;
    default:
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
  if (type !== 'application/json-patch+json' && patch && typeof patch === 'object') {
    checkFields(ctx.schemas, def, { ...decoded, value: patch }, validation, w.warnings, true);
  }
  const out = await ctx.objects.retryOnConflict(async () => {
    const base = ctx.objects.getEntry(def, ns, name);
    const current = cloneJson(ObjectStore.materialize(base));
    // Patch results may share parts with the patch body; copy before the pipeline mutates them.
    const patched = cloneJson(apply(current)) as KObject;
    if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw apiErr.badRequest('the patch result is not an object');
    return ctx.objects.update(def, ns, name, patched, w, { mode, base });
  });
  return { object: out, created: false, warnings: w.warnings };
}
