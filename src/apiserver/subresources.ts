// Subresources: status, scale (autoscaling/v1 Scale), pods/binding, pods/eviction, the
// namespace finalize call, and the node-served streams (log, exec, attach, portforward).

import { ApiError, apiErr, fieldErr } from '../api/errors.js';
import { cloneJson } from '../api/equality.js';
import type { KObject } from '../api/types.js';
import { applyJsonPatch } from '../api/patch/json-patch.js';
import { applyMergePatch } from '../api/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../api/patch/strategic-merge-patch.js';
import { decodeBody, mediaType } from './codec.js';
import type { ApiServerContext } from './context.js';
import { patchResource, sendJson, writeContext, type RequestParams } from './handlers.js';
import { evict } from './eviction.js';
import { ObjectStore } from './object-store.js';

function successStatus(code = 201): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}

export async function handleSubresource(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { def, info, req, res } = p;
  const method = req.method ?? 'GET';
  const sub = info.subresource!;
  const ns = info.namespace;
  const name = info.name!;
  if (sub === 'status' && def.status) {
    if (method === 'GET') return sendJson(res, 200, ctx.objects.get(def, ns, name));
    if (method === 'PUT') {
      const w = writeContext(p, 'status');
      const obj = decodeBody(p.body, req.headers['content-type']).value as KObject;
      return sendJson(res, 200, await ctx.objects.update(def, ns, name, obj, w, { mode: 'status' }), w.warnings);
    }
    if (method === 'PATCH') {
      const r = await patchResource(ctx, p, 'status');
      return sendJson(res, 200, r.object, r.warnings);
    }
    throw apiErr.methodNotAllowed();
  }
  if (sub === 'scale' && def.scale) return scale(ctx, p);
  if (def.group === '' && def.plural === 'pods') {
    if (sub === 'binding' && method === 'POST') return bind(ctx, p);
    if (sub === 'eviction' && method === 'POST') return evict(ctx, p);
    if (sub === 'log' || sub === 'exec' || sub === 'attach' || sub === 'portforward') {
      const pod = ctx.objects.get(def, ns, name);
      if (!ctx.podStreams) throw apiErr.badRequest(`pod ${name} has no node agent serving ${sub} yet`);
      return ctx.podStreams.handle(sub, pod, req, res, p.query);
    }
  }
  if (def === ctx.namespaces && sub === 'finalize' && method === 'PUT') {
    const w = writeContext(p, 'finalize');
    const body = decodeBody(p.body, req.headers['content-type']).value as KObject;
    const base = ctx.objects.getEntry(def, undefined, name);
    const obj = cloneJson(base.object);
    obj.spec = { ...(obj.spec ?? {}), finalizers: body?.spec?.finalizers ?? [] };
    const out = await ctx.objects.update(def, undefined, name, { ...obj, metadata: { ...obj.metadata, resourceVersion: body?.metadata?.resourceVersion } }, w, { base });
    return sendJson(res, 200, out);
  }
  throw apiErr.pathNotFound();
}

function toScale(ctx: ApiServerContext, p: RequestParams, obj: KObject): KObject {
  const s = p.def.scale!;
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: s.specReplicas(obj) },
    status: { replicas: s.statusReplicas(obj), selector: s.selector(obj) },
  };
}

async function scale(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { def, info, req, res } = p;
  const ns = info.namespace;
  const name = info.name!;
  const method = req.method ?? 'GET';
  if (method === 'GET') return sendJson(res, 200, toScale(ctx, p, ctx.objects.get(def, ns, name)));
  if (method !== 'PUT' && method !== 'PATCH') throw apiErr.methodNotAllowed();
  const w = writeContext(p, 'scale');
  const body = decodeBody(p.body, req.headers['content-type']).value;
  const out = await ctx.objects.retryOnConflict(async () => {
    const base = ctx.objects.getEntry(def, ns, name);
    const current = ObjectStore.materialize(base);
    let wanted: KObject;
    if (method === 'PUT') wanted = body as KObject;
    else {
      const type = mediaType(req.headers['content-type']);
      const sc = toScale(ctx, p, current);
      if (type === 'application/json-patch+json') wanted = applyJsonPatch(sc, body) as KObject;
      else if (type === 'application/merge-patch+json') wanted = applyMergePatch(sc, body) as KObject;
      else if (type === 'application/strategic-merge-patch+json') wanted = applyStrategicMergePatch(sc, body, ctx.schemas('autoscaling', 'v1', 'Scale')) as KObject;
      else if (type === 'application/apply-patch+yaml') wanted = applyMergePatch(sc, body) as KObject;
      else throw new ApiError(415, 'UnsupportedMediaType', `unsupported patch type ${type}`);
    }
    const replicas = wanted?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw apiErr.invalid('autoscaling', 'Scale', name, [
        replicas === undefined ? fieldErr.required('spec.replicas') : fieldErr.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
      ]);
    }
    const rv = wanted?.metadata?.resourceVersion;
    const next = cloneJson(current);
    def.scale!.setSpecReplicas(next, replicas);
    next.metadata.resourceVersion = method === 'PUT' && rv ? rv : current.metadata.resourceVersion;
    return ctx.objects.update(def, ns, name, next, w, { base });
  });
  sendJson(res, 200, toScale(ctx, p, out), w.warnings);
}

async function bind(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { def, info } = p;
  const ns = info.namespace;
  const name = info.name!;
  const w = writeContext(p, 'binding');
  const binding = decodeBody(p.body, p.req.headers['content-type']).value as KObject;
  const target = binding?.target;
  if (!target?.name) throw apiErr.invalid('', 'Binding', name, [fieldErr.required('target.name')]);
  if (target.kind && target.kind !== 'Node') throw apiErr.invalid('', 'Binding', name, [fieldErr.notSupported('target.kind', target.kind, ['Node'])]);
  await ctx.objects.retryOnConflict(async () => {
    const base = ctx.objects.getEntry(def, ns, name);
    const pod = cloneJson(ObjectStore.materialize(base));
    if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
      throw apiErr.conflict('', 'pods', name, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    if (pod.metadata.deletionTimestamp) throw apiErr.conflict('', 'pods', name, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw apiErr.conflict('', 'pods', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = target.name;
    // The binding itself sets the PodScheduled condition, as upstream's binding REST does.
    const conds = (pod.status?.conditions ?? []).filter((c: KObject) => c.type !== 'PodScheduled');
    conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date(ctx.clock.now().getTime()).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    pod.status = { ...(pod.status ?? {}), conditions: conds };
    // nodeName is not changeable by pod updates; bindings write it through the status path too.
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...(binding.metadata?.annotations ?? {}) };
    if (!Object.keys(pod.metadata.annotations).length) delete pod.metadata.annotations;
    return ctx.objects.rawWrite(def, base, pod);
  });
  sendJson(p.res, 201, successStatus(201), w.warnings);
}
