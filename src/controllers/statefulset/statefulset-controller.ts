// The StatefulSet controller (pkg/controller/statefulset/stateful_set.go, v1.32).
//
// One sync of key `ns/name`, level-triggered from the informer caches:
//  1. adopt orphaned ControllerRevisions that match the selector;
//  2. claim pods: ours and matching orphans whose name says they belong to the set
//     (`<set>-<ordinal>`); release ours that no longer match;
//  3. one pass of the update loop (stateful-set-control.ts), then status and history;
//  4. come back when a Ready pod passes minReadySeconds.
// Pods have fixed names, so a create repeated from a stale cache only fails with AlreadyExists;
// still, a pass waits until the pods it created or deleted show in the cache (expectations), so a
// lagging watch causes neither failed creates nor duplicate delete events.

import { deepEqual } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import { selectorFromLabelSelector, type Selector } from '../../api/labels.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import type { Clock } from '../../util/clock.js';
import { ControllerHistory } from '../history/controller-history.js';
import type { ControllerRevision } from '../history/revision.js';
import type { Controller, ControllerContext, ControllerFactory } from '../runtime/manager.js';
import { ControllerRefManager, getControllerOf, recheckDeletionTimestamp } from '../shared/controller-ref.js';
import { isPodReady, msUntilAvailable } from '../shared/pod-utils.js';
import { COMPONENT, STATEFULSET_GVK } from './constants.js';
import { isMemberOf, minReadySeconds, specReplicas } from './identity.js';
import { PendingWrites } from './pending-writes.js';
import { StatefulPodControl } from './pod-control.js';
import { StatefulSetControl } from './stateful-set-control.js';
import { serializeStatus, type StatefulSetStatus } from './status.js';

const FIELD_MANAGER = 'kube-controller-manager';
/** ConcurrentStatefulSetSyncs. */
const WORKERS = 5;
/** retry.DefaultRetry steps for status conflicts. */
const STATUS_RETRIES = 5;
/** Pods without a controller, by namespace (the same index the ReplicaSet controller adds). */
const ORPHANS_INDEX = 'orphans-by-namespace';
const orphansByNamespace = (o: KObject) => (getControllerOf(o) ? [] : [o.metadata.namespace ?? '']);

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;
const withKind = (o: KObject): KObject => (o.kind && o.apiVersion ? o : { ...o, apiVersion: 'apps/v1', kind: 'StatefulSet' });

export class StatefulSetController extends KeyedController implements Controller {
  readonly name = 'statefulset';
  protected readonly keyed: KeyedWorkers;
  readonly pending: PendingWrites;
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly claims: Informer;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly setClient: ResourceClient;
  private readonly podClient: ResourceClient;
  private readonly history: ControllerHistory;
  private readonly control: StatefulSetControl;
  private readonly clock: Clock;
  private readonly selectors = new Map<string, { rv: string; selector: Selector | undefined }>();

  constructor(ctx: ControllerContext) {
    super();
    this.clock = ctx.clock;
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      allKeys: () => this.sets.store.keys(),
      onError: (key, err) => {
        if (isCode(err, 409)) return; // a stale cache; retried with back-off
        console.error(`${COMPONENT}: sync ${key}: ${(err as Error)?.message ?? err}`);
      },
    });
    this.pending = new PendingWrites(ctx.clock);
    this.sets = ctx.informers.for(R.statefulsets);
    this.pods = ctx.informers.for(R.pods);
    this.claims = ctx.informers.for(R.persistentvolumeclaims);
    this.revisions = ctx.informers.for<ControllerRevision>(R.controllerrevisions);
    this.setClient = new ResourceClient(ctx.client, R.statefulsets);
    this.podClient = new ResourceClient(ctx.client, R.pods);
    this.history = new ControllerHistory(new ResourceClient<ControllerRevision>(ctx.client, R.controllerrevisions), this.revisions, FIELD_MANAGER);
    const podControl = new StatefulPodControl(this.podClient, new ResourceClient(ctx.client, R.persistentvolumeclaims), this.pods, this.claims, ctx.recorder(COMPONENT), FIELD_MANAGER, {
      created: (set, pod) => this.pending.created(objectKeyOf(set), pod.metadata.name ?? ''),
      deleted: (set, pod) => this.pending.deleted(objectKeyOf(set), pod.metadata.name ?? ''),
    });
    this.control = new StatefulSetControl(
      podControl,
      {
        listRevisions: (set) => {
          const s = this.selectorOf(set);
          return s ? this.history.listControllerRevisions(set, s) : [];
        },
        createRevision: (set, rev, cc) => this.history.createControllerRevision(set, rev, cc),
        updateRevision: (rev, n) => this.history.updateControllerRevision(rev, n),
        deleteRevision: (rev) => this.history.deleteControllerRevision(rev),
      },
      { updateStatus: (set, status) => this.writeStatus(set, status) },
      () => this.clock.now(),
    );
  }

  setup(): void {
    this.pods.store.addIndex(ORPHANS_INDEX, orphansByNamespace);
    this.sets.addHandler({
      add: (s) => this.queue.add(objectKeyOf(s)),
      update: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.pending.forget(objectKeyOf(old));
        this.queue.add(objectKeyOf(cur));
      },
      delete: (s) => {
        this.pending.forget(objectKeyOf(s));
        this.selectors.delete(s.metadata.uid ?? '');
        this.queue.add(objectKeyOf(s));
      },
    });
    this.pods.addHandler({ add: (p) => this.onPodAdd(p), update: (o, c) => this.onPodUpdate(o, c), delete: (p) => this.onPodDelete(p) });
    // A claim going away may unblock a pod whose claim was stale (whenScaled: Delete).
    this.claims.addHandler({ delete: (c) => this.onClaimDelete(c) });
  }

  // ---- informer handlers ------------------------------------------------------------------------

  private selectorOf(set: KObject): Selector | undefined {
    const uid = set.metadata.uid ?? '';
    const rv = set.metadata.resourceVersion ?? '';
    const hit = this.selectors.get(uid);
    if (hit && hit.rv === rv) return hit.selector;
    let selector: Selector | undefined;
    try {
      selector = selectorFromLabelSelector(set.spec?.selector);
    } catch {
      selector = undefined;
    }
    this.selectors.set(uid, { rv, selector });
    return selector;
  }

  private resolve(namespace: string | undefined, ref: OwnerReference): KObject | undefined {
    if (ref.kind !== STATEFULSET_GVK.kind) return undefined;
    const set = this.sets.store.get(`${namespace}/${ref.name}`);
    return set && set.metadata.uid === ref.uid ? set : undefined;
  }

  /** getStatefulSetsForPod: sets of the namespace whose (non-empty) selector matches. */
  private setsMatching(pod: KObject): KObject[] {
    const out: KObject[] = [];
    for (const set of this.sets.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      const s = this.selectorOf(set);
      if (s && !s.empty() && s.matches(pod.metadata.labels)) out.push(set);
    }
    return out;
  }

  private onPodAdd(pod: KObject): void {
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    const ref = getControllerOf(pod);
    if (ref) {
      const set = this.resolve(pod.metadata.namespace, ref);
      if (!set) return;
      const key = objectKeyOf(set);
      this.pending.observedPod(key, pod.metadata.name ?? '');
      this.queue.add(key);
      return;
    }
    for (const set of this.setsMatching(pod)) this.queue.add(objectKeyOf(set));
  }

  private onPodUpdate(old: KObject, cur: KObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const set = this.resolve(old.metadata.namespace, oldRef);
      if (set) this.queue.add(objectKeyOf(set));
    }
    if (curRef) {
      const set = this.resolve(cur.metadata.namespace, curRef);
      if (!set) return;
      const key = objectKeyOf(set);
      if (cur.metadata.deletionTimestamp) this.pending.observedDeletion(key, cur.metadata.name ?? '');
      else this.pending.observedPod(key, cur.metadata.name ?? '');
      this.queue.add(key);
      const mrs = minReadySeconds(set);
      if (mrs > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key, mrs * 1000 + 1000);
      return;
    }
    if (refChanged || !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})) for (const set of this.setsMatching(cur)) this.queue.add(objectKeyOf(set));
  }

  private onPodDelete(pod: KObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const set = this.resolve(pod.metadata.namespace, ref);
    if (!set) return;
    const key = objectKeyOf(set);
    this.pending.observedDeletion(key, pod.metadata.name ?? '');
    this.queue.add(key);
  }

  private onClaimDelete(claim: KObject): void {
    const name = claim.metadata.name ?? '';
    for (const set of this.sets.store.byIndex('namespace', claim.metadata.namespace ?? '')) {
      const templates = (set.spec?.volumeClaimTemplates ?? []) as KObject[];
      if (templates.some((t) => name.startsWith(`${t.metadata?.name}-${set.metadata.name}-`))) this.queue.add(objectKeyOf(set));
    }
  }

  // ---- sync ---------------------------------------------------------------------------------------

  async sync(key: string): Promise<void | { requeueAfterMs?: number }> {
    const set = this.sets.store.get(key);
    if (!set) {
      this.pending.forget(key);
      return;
    }
    const selector = this.selectorOf(set);
    if (!selector) return; // a non-transient error: only a spec change can fix it
    // Our last creates/deletes are not in the cache yet: their events will bring us back.
    if (!this.pending.satisfied(key)) return { requeueAfterMs: this.pending.msUntilExpiry(key) };
    await this.adoptOrphanRevisions(set, selector);
    const pods = await this.claimPods(set, selector);
    const status = await this.control.updateStatefulSet(set, pods);
    const mrs = minReadySeconds(set);
    if (mrs > 0 && status.availableReplicas !== specReplicas(set)) {
      const now = this.clock.now();
      let wait: number | undefined;
      for (const p of pods) {
        const d = msUntilAvailable(p, mrs, now);
        if (d !== undefined && (wait === undefined || d < wait)) wait = d;
      }
      return { requeueAfterMs: wait ?? mrs * 1000 };
    }
  }

  /** adoptOrphanRevisions: matching revisions without a controller get ours (after a fresh check that we are not being deleted). */
  private async adoptOrphanRevisions(set: KObject, selector: Selector): Promise<void> {
    const orphans = this.history.listControllerRevisions(set, selector).filter((r) => !getControllerOf(r));
    if (!orphans.length) return;
    try {
      await recheckDeletionTimestamp('StatefulSet', set, () => this.setClient.get(set.metadata.namespace, set.metadata.name!))();
    } catch (err) {
      throw new Error(`can't adopt ControllerRevisions: ${(err as Error).message}`);
    }
    for (const r of orphans) await this.history.adoptControllerRevision(set, STATEFULSET_GVK, r);
  }

  /** getPodsForStatefulSet: claim our pods and matching orphans named like ours. */
  private async claimPods(set: KObject, selector: Selector): Promise<KObject[]> {
    const candidates = [...this.pods.store.byIndex('controller', set.metadata.uid ?? ''), ...this.pods.store.byIndex(ORPHANS_INDEX, set.metadata.namespace ?? '')];
    const refs = new ControllerRefManager({
      owner: set,
      gvk: STATEFULSET_GVK,
      selector,
      resource: this.podClient,
      fieldManager: FIELD_MANAGER,
      canAdopt: recheckDeletionTimestamp('StatefulSet', set, () => this.setClient.get(set.metadata.namespace, set.metadata.name!)),
    });
    const { claimed, errors } = await refs.claim(candidates, [(p) => isMemberOf(set, p)]);
    if (errors.length) throw errors[0];
    return claimed;
  }

  /** UpdateStatefulSetStatus: PUT /status, re-reading the set on conflict. */
  private async writeStatus(set: KObject, status: StatefulSetStatus): Promise<void> {
    let cur = set;
    for (let i = 0; ; i++) {
      try {
        await this.setClient.updateStatus(withKind({ ...cur, status: serializeStatus(cur, status) }), { fieldManager: FIELD_MANAGER });
        return;
      } catch (err) {
        if (isCode(err, 404)) return; // deleted meanwhile
        if (!isCode(err, 409) || i >= STATUS_RETRIES - 1) throw err;
        cur = await this.setClient.get(set.metadata.namespace, set.metadata.name!);
      }
    }
  }
}

export const statefulSetControllerFactory: ControllerFactory = (ctx) => new StatefulSetController(ctx);
