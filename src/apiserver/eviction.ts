// pods/eviction (policy/v1 Eviction), as pkg/registry/core/pod/storage/eviction.go (v1.32):
//   - a pod that is terminal, Pending or already being deleted is deleted without looking at budgets;
//   - a pod covered by more than one PodDisruptionBudget is refused with a 500;
//   - a pod covered by one budget is deleted only after the budget's status.disruptionsAllowed
//     was decremented (and the pod recorded in status.disruptedPods) by a conditional status
//     write, retried on conflict; with nothing left to allow the answer is a 429 naming the budget;
//   - a running pod that is not Ready skips the decrement when the budget's
//     unhealthyPodEvictionPolicy is AlwaysAllow, or (IfHealthyBudget, the default) while the
//     budget has its healthy pods; its delete is then conditioned on the pod's resourceVersion.
// Before the delete the pod gets DisruptionTarget=True (EvictionByEvictionAPI), as upstream does
// since PodDisruptionConditions went GA. dryRun evaluates everything and writes nothing.

import { ApiError, apiErr } from '../api/errors.js';
import { cloneJson, deepEqual } from '../api/equality.js';
import type { KObject } from '../api/types.js';
import { isPodReady } from '../controllers/shared/pod-utils.js';
import { podConditions, updatePodCondition } from '../controllers/node-lifecycle/pod-conditions.js';
import { ALWAYS_ALLOW, unhealthyPodEvictionPolicy } from '../kinds/policy/pod-disruption-budget.js';
import { DISRUPTION_BUDGET_CAUSE, pdbStatus, pdbsMatchingPod, withDisruptionAllowedCondition } from '../kinds/policy/pdb-helpers.js';
import type { KindDef } from '../kinds/types.js';
import { resourcePrefix } from '../storage/store.js';
import { rfc3339 } from '../util/clock.js';
import { decodeBody } from './codec.js';
import type { ApiServerContext } from './context.js';
import { sendJson, writeContext, type RequestParams } from './handlers.js';
import type { DeleteOptions, WriteContext } from './object-store.js';
import { ObjectStore } from './object-store.js';

/** MaxDisruptedPodSize */
const MAX_DISRUPTED_POD_SIZE = 2000;
/** EvictionsRetry: 20 steps, 500ms apart (jitter 10%). */
const EVICTION_RETRY_STEPS = 20;
const EVICTION_RETRY_MS = 500;

const TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget.";
export const MULTIPLE_PDBS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

/** errors.NewTooManyRequests with a DisruptionBudget cause; a Retry-After header only when retryAfter > 0. */
function tooManyRequests(causeMessage: string, retryAfterSeconds: number): ApiError {
  const details = { causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: causeMessage }], ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) };
  return new ApiError(429, 'TooManyRequests', TOO_MANY, details as never, retryAfterSeconds > 0 ? { 'Retry-After': String(retryAfterSeconds) } : undefined);
}

/** createTooManyRequestsError: the budget's status is behind its spec (or the pod changed under us). */
function stillProcessing(pdbName: string): ApiError {
  return tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
}

const isConflict = (err: unknown) => err instanceof ApiError && err.code === 409;

async function retrying<T>(shouldRetry: (err: unknown) => boolean, fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!shouldRetry(err)) throw err;
      if (i >= EVICTION_RETRY_STEPS) throw new RetriesExhausted(err);
      await new Promise((r) => setTimeout(r, EVICTION_RETRY_MS * (0.9 + Math.random() * 0.2)));
    }
  }
}

class RetriesExhausted extends Error {
  constructor(readonly last: unknown) {
    super('retries exhausted');
  }
}

/** canIgnorePDB */
function canIgnorePDB(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** shouldEnforceResourceVersion */
function shouldEnforceResourceVersion(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

const rvUnset = (o: DeleteOptions) => !o.preconditions?.resourceVersion;

function withResourceVersion(o: DeleteOptions, rv: string): DeleteOptions {
  return { ...o, preconditions: { ...(o.preconditions ?? {}), resourceVersion: rv } };
}

/** propagateDryRun: the request's dryRun and the Eviction's deleteOptions.dryRun must agree. */
function propagateDryRun(eviction: KObject, queryDryRun: string[]): DeleteOptions {
  const opts: DeleteOptions = eviction.deleteOptions && typeof eviction.deleteOptions === 'object' ? { ...eviction.deleteOptions } : {};
  const bodyDry = opts.dryRun ?? [];
  if (bodyDry.length === 0) opts.dryRun = queryDryRun;
  else if (queryDryRun.length > 0 && !deepEqual(queryDryRun, bodyDry)) {
    throw apiErr.internal(`Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${bodyDry.join(' ')}]`);
  }
  if (!opts.dryRun?.length) delete opts.dryRun;
  return opts;
}

export async function evict(ctx: ApiServerContext, p: RequestParams): Promise<void> {
  const { def: podDef, info } = p;
  const ns = info.namespace!;
  const name = info.name!;
  const w = writeContext(p, 'eviction');
  const eviction = (decodeBody(p.body, p.req.headers['content-type']).value ?? {}) as KObject;
  if (eviction.metadata?.name !== undefined && eviction.metadata.name !== name) throw apiErr.badRequest('name in URL does not match name in Eviction object');
  const original = propagateDryRun(eviction, p.query.getAll('dryRun'));
  const dryRun = (original.dryRun?.length ?? 0) > 0;
  w.dryRun = dryRun;
  const pdbDef = ctx.table.lookup('policy', 'v1', 'poddisruptionbudgets');

  // 1. Pods that already caused their disruption (or never ran) are deleted directly.
  let pod!: KObject;
  let deleted = false;
  await retrying(rvUnset(original) ? isConflict : () => false, async () => {
    pod = ctx.objects.get(podDef, ns, name);
    if (!canIgnorePDB(pod)) return;
    let opts = original;
    if (shouldEnforceResourceVersion(pod) && rvUnset(original)) opts = withResourceVersion(original, pod.metadata.resourceVersion!);
    await addConditionAndDeletePod(ctx, podDef, ns, name, opts, w);
    deleted = true;
  }).catch(unwrapRetries);
  if (deleted) return sendJson(p.res, 201, success(), w.warnings);

  // 2. The budget check.
  const pdbs = pdbDef ? pdbsMatchingPod(ctx.cache.list(resourcePrefix('policy', 'poddisruptionbudgets', ns), {}).items.map((e) => ObjectStore.materialize(e)), pod, true) : [];
  if (pdbs.length > 1) {
    return sendJson(p.res, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_PDBS, code: 500 }, w.warnings);
  }
  let enforceRv = false;
  const pdb = pdbs[0];
  if (pdb && pdbDef) {
    let skipDecrement = false;
    if (!isPodReady(pod)) {
      const st = pdbStatus(pdb);
      // An unhealthy pod does not count towards currentHealthy: deleting it costs the budget nothing.
      if (unhealthyPodEvictionPolicy(pdb) === ALWAYS_ALLOW) skipDecrement = true;
      else if (st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0) skipDecrement = true;
    }
    if (skipDecrement) enforceRv = true;
    else {
      let current = pdb;
      let refresh = false;
      try {
        await retrying(isConflict, async () => {
          if (refresh) current = ctx.objects.get(pdbDef, ns, pdb.metadata.name!);
          refresh = true;
          await checkAndDecrement(ctx, pdbDef, current, name, dryRun, w);
        });
      } catch (err) {
        if (err instanceof RetriesExhausted) {
          throw new ApiError(504, 'Timeout', `Timeout: couldn't update PodDisruptionBudget "${pdb.metadata.name}" due to conflicts`, { retryAfterSeconds: 10 } as never);
        }
        throw err;
      }
    }
  }

  // 3. The delete (conditioned on the pod's resourceVersion when the budget was not charged).
  const opts = enforceRv ? withResourceVersion(original, pod.metadata.resourceVersion!) : original;
  try {
    await addConditionAndDeletePod(ctx, podDef, ns, name, opts, w);
  } catch (err) {
    if (isConflict(err) && enforceRv && rvUnset(original)) throw stillProcessing(pdb!.metadata.name!);
    throw err;
  }
  sendJson(p.res, 201, success(), w.warnings);
}

function success(): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

function unwrapRetries(err: unknown): never {
  throw err instanceof RetriesExhausted ? err.last : err;
}

/** checkAndDecrement: refuses with 429/403 as upstream, else writes the decremented status. */
async function checkAndDecrement(ctx: ApiServerContext, pdbDef: KindDef, pdb: KObject, podName: string, dryRun: boolean, w: WriteContext): Promise<void> {
  const name = pdb.metadata.name!;
  const st = pdbStatus(pdb);
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw stillProcessing(name);
  if (st.disruptionsAllowed < 0) throw forbidden(name, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) throw forbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (st.disruptionsAllowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`, 0);
  }
  const nowTs = rfc3339(ctx.clock.now());
  let next = { ...st, disruptionsAllowed: st.disruptionsAllowed - 1 };
  if (next.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next, nowTs);
  if (dryRun) return;
  // Tell the disruption controller the pod is about to go, so it stops counting it as healthy.
  next.disruptedPods = { ...(st.disruptedPods ?? {}), [podName]: nowTs };
  const updated = cloneJson(pdb);
  updated.status = next;
  await ctx.objects.update(pdbDef, pdb.metadata.namespace, name, updated, { dryRun: false, manager: 'kube-apiserver', warnings: [], subresource: 'status' }, { mode: 'status' });
  void w;
}

function forbidden(pdbName: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `poddisruptionbudgets.policy "${pdbName}" is forbidden: ${why}`, { name: pdbName, group: 'policy', kind: 'poddisruptionbudgets' });
}

/**
 * addConditionAndDeletePod: marks the pod DisruptionTarget=True (not on dry runs) and deletes it.
 * A resourceVersion precondition is checked against the pod before the condition is written and
 * then moved to the revision that write produced.
 */
async function addConditionAndDeletePod(ctx: ApiServerContext, podDef: KindDef, ns: string, name: string, opts: DeleteOptions, w: WriteContext): Promise<void> {
  let o = opts;
  if (!w.dryRun) {
    const base = ctx.objects.getEntry(podDef, ns, name);
    const latest = ObjectStore.materialize(base);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== latest.metadata.uid) {
      throw apiErr.conflict('', 'pods', name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${latest.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== latest.metadata.resourceVersion) {
      throw apiErr.conflict('', 'pods', name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${latest.metadata.resourceVersion}`);
    }
    const { conditions, changed } = updatePodCondition(
      podConditions(latest),
      { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' },
      rfc3339(ctx.clock.now()),
    );
    if (changed) {
      const pod = cloneJson(latest);
      pod.status = { ...(pod.status ?? {}), conditions };
      const out = await ctx.objects.update(podDef, ns, name, pod, { dryRun: false, manager: w.manager, warnings: [], subresource: 'status' }, { mode: 'status', base });
      if (!rvUnset(opts)) o = withResourceVersion(opts, out.metadata.resourceVersion!);
    }
  }
  await ctx.deleteObject(podDef, ns, name, { ...o, dryRun: undefined }, w);
}
