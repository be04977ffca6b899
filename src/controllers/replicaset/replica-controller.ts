// The replica loop (pkg/controller/replicaset/replica_set.go, v1.32) for ReplicaSets and
// ReplicationControllers: keep spec.replicas active pods matching the selector.
//
// One sync of key `ns/name`, level-triggered from the informer caches:
//  1. claim: the active pods of the namespace that we control or that are orphans; adopt matching
//     orphans, release owned pods that no longer match (ControllerRefManager);
//  2. only when our expectations are satisfied (no creates/deletes of ours still unseen) and the
//     object is not being deleted: create the missing pods (slow start, ≤500) or delete the
//     surplus, lowest-ranked first (≤500);
//  3. write the status through /status when it changed;
//  4. come back when a Ready pod passes minReadySeconds.
// Informer handlers only lower expectations and enqueue keys.

import { deepEqual } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import type { Selector } from '../../api/labels.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import type { Clock } from '../../util/clock.js';
import type { Controller, ControllerContext, ControllerFactory } from '../runtime/manager.js';
import { ControllerRefManager, getControllerOf, newControllerRef, recheckDeletionTimestamp } from '../shared/controller-ref.js';
import { UidTrackingExpectations } from '../shared/expectations.js';
import { isPodActive, isPodReady, newPodFromTemplate, podKey } from '../shared/pod-utils.js';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../shared/slow-start.js';
import { minReadySeconds, REPLICA_SET, REPLICATION_CONTROLLER, specReplicas, type ReplicaKind } from './kinds.js';
import { availabilityRequeueMs, calculateStatus, planReplicas, statusNeedsUpdate, withObservedGeneration, type ReplicaStatus } from './replica-status.js';

/** The manager name kube-controller-manager's writes carry in managedFields. */
const FIELD_MANAGER = 'kube-controller-manager';
/** ConcurrentRSSyncs / ConcurrentRCSyncs. */
const WORKERS = 5;
/** statusUpdateRetries: one GET+PUT retry after a failed status write. */
const STATUS_UPDATE_RETRIES = 1;
/** Index of the pod informer: namespace of pods without a controller (candidates for adoption). */
const ORPHANS_INDEX = 'orphans-by-namespace';

const orphansByNamespace = (o: KObject) => (getControllerOf(o) ? [] : [o.metadata.namespace ?? '']);

function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && !!err.details?.causes?.some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');
}

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

export class ReplicaController extends KeyedController implements Controller {
  readonly name: string;
  protected readonly keyed: KeyedWorkers;
  readonly expectations: UidTrackingExpectations;
  private readonly owners: Informer;
  private readonly pods: Informer;
  private readonly ownerClient: ResourceClient;
  private readonly podClient: ResourceClient;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  /** Parsed selectors by owner uid, reused while the resourceVersion is unchanged. */
  private readonly selectors = new Map<string, { rv: string; selector: Selector | undefined }>();

  constructor(
    ctx: ControllerContext,
    private readonly kind: ReplicaKind,
  ) {
    super();
    this.name = kind.name;
    this.clock = ctx.clock;
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      allKeys: () => this.owners.store.keys(),
      onError: (key, err) => console.error(`${this.kind.component}: sync ${key}: ${(err as Error)?.message ?? err}`),
    });
    this.expectations = new UidTrackingExpectations(ctx.clock);
    this.owners = ctx.informers.for(kind.resource);
    this.pods = ctx.informers.for(R.pods);
    this.ownerClient = new ResourceClient(ctx.client, kind.resource);
    this.podClient = new ResourceClient(ctx.client, R.pods);
    this.recorder = ctx.recorder(kind.component);
  }

  setup(): void {
    this.pods.store.addIndex(ORPHANS_INDEX, orphansByNamespace);
    this.owners.addHandler({
      add: (o) => this.queue.add(objectKeyOf(o)),
      update: (old, cur) => {
        // Same name, new object: the old one's expectations are meaningless.
        if (old.metadata.uid !== cur.metadata.uid) this.expectations.delete(objectKeyOf(old));
        this.queue.add(objectKeyOf(cur));
      },
      delete: (o) => {
        this.expectations.delete(objectKeyOf(o));
        this.selectors.delete(o.metadata.uid ?? '');
        this.queue.add(objectKeyOf(o));
      },
    });
    this.pods.addHandler({
      add: (p) => this.onPodAdd(p),
      update: (old, cur) => this.onPodUpdate(old, cur),
      delete: (p) => this.onPodDelete(p),
    });
  }

  // ---- informer handlers ------------------------------------------------------------------------

  /** The owner a controller ref points to, if it is one of ours and still the same object. */
  private resolve(namespace: string | undefined, ref: OwnerReference): KObject | undefined {
    if (ref.kind !== this.kind.gvk.kind) return undefined;
    const o = this.owners.store.get(`${namespace}/${ref.name}`);
    return o && o.metadata.uid === ref.uid ? o : undefined;
  }

  private selectorOf(o: KObject): Selector | undefined {
    const uid = o.metadata.uid ?? '';
    const rv = o.metadata.resourceVersion ?? '';
    const hit = this.selectors.get(uid);
    if (hit && hit.rv === rv) return hit.selector;
    let selector: Selector | undefined;
    try {
      selector = this.kind.selector(o);
    } catch {
      selector = undefined; // invalid: matches nothing
    }
    this.selectors.set(uid, { rv, selector });
    return selector;
  }

  /** Owners whose selector matches an orphan pod (getPodReplicaSets). */
  private ownersMatching(pod: KObject): KObject[] {
    const out: KObject[] = [];
    for (const o of this.owners.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      const s = this.selectorOf(o);
      if (s && !s.empty() && s.matches(pod.metadata.labels)) out.push(o);
    }
    return out;
  }

  private onPodAdd(pod: KObject): void {
    if (pod.metadata.deletionTimestamp) {
      // A restarted controller can see a pod that is already going away as new.
      this.onPodDelete(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const owner = this.resolve(pod.metadata.namespace, ref);
      if (!owner) return;
      const key = objectKeyOf(owner);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: wake every owner that may adopt it.
    for (const o of this.ownersMatching(pod)) this.queue.add(objectKeyOf(o));
  }

  private onPodUpdate(old: KObject, cur: KObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion shows first as an update: count it now, so a replacement is not
      // delayed until the kubelet finishes. If the labels changed too, the old owner may care.
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const o = this.resolve(old.metadata.namespace, oldRef);
      if (o) this.queue.add(objectKeyOf(o));
    }
    if (curRef) {
      const o = this.resolve(cur.metadata.namespace, curRef);
      if (!o) return;
      const key = objectKeyOf(o);
      this.queue.add(key);
      const mrs = minReadySeconds(o);
      if (mrs > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key, mrs * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const o of this.ownersMatching(cur)) this.queue.add(objectKeyOf(o));
  }

  private onPodDelete(pod: KObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const owner = this.resolve(pod.metadata.namespace, ref);
    if (!owner) return;
    const key = objectKeyOf(owner);
    this.expectations.deletionObservedOf(key, podKey(pod));
    this.queue.add(key);
  }

  // ---- sync ---------------------------------------------------------------------------------------

  /** Active pods we control plus active orphans, from the cache (the claim candidates). */
  private candidates(owner: KObject): KObject[] {
    const out: KObject[] = [];
    for (const p of this.pods.store.byIndex('controller', owner.metadata.uid ?? '')) if (isPodActive(p)) out.push(p);
    for (const p of this.pods.store.byIndex(ORPHANS_INDEX, owner.metadata.namespace ?? '')) if (isPodActive(p)) out.push(p);
    return out;
  }

  /**
   * Pods of every owner with the same controller as `owner` (getIndirectlyRelatedPods), for the
   * same-node rank; none when `owner` has no controller, as upstream.
   */
  private relatedPods(owner: KObject): KObject[] {
    const ref = getControllerOf(owner);
    if (!ref) return [];
    const seen = new Set<string>();
    const out: KObject[] = [];
    for (const o of this.owners.store.byIndex('controller', ref.uid)) {
      const s = this.selectorOf(o);
      if (!s) continue;
      for (const p of this.pods.store.byIndex('namespace', o.metadata.namespace ?? '')) {
        const uid = p.metadata.uid ?? '';
        if (seen.has(uid) || !s.matches(p.metadata.labels)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }

  async sync(key: string): Promise<void | { requeueAfterMs?: number }> {
    const owner = this.owners.store.get(key);
    if (!owner) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    let selector: Selector;
    try {
      selector = this.kind.selector(owner);
    } catch (err) {
      // Not retried: only a spec change (which enqueues again) can fix it.
      console.error(`${this.kind.component}: ${key}: invalid selector: ${(err as Error).message}`);
      return;
    }
    const ns = owner.metadata.namespace;
    const refs = new ControllerRefManager({
      owner,
      gvk: this.kind.gvk,
      selector,
      resource: this.podClient,
      fieldManager: FIELD_MANAGER,
      canAdopt: recheckDeletionTimestamp(this.kind.gvk.kind, owner, () => this.ownerClient.get(ns, owner.metadata.name!)),
    });
    const { claimed, errors } = await refs.claim(this.candidates(owner));
    if (errors.length) throw errors[0];

    let manageError: Error | undefined;
    if (needsSync && !owner.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, owner, claimed);
      } catch (err) {
        manageError = err instanceof Error ? err : new Error(String(err));
      }
    }
    const now = this.clock.now();
    const status = calculateStatus(owner, claimed, manageError, now);
    const updated = await this.writeStatus(owner, status);
    if (manageError) throw manageError;
    const wait = availabilityRequeueMs(updated, claimed, now);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  }

  private async manageReplicas(key: string, owner: KObject, owned: KObject[]): Promise<void> {
    const now = this.clock.now();
    const replicas = specReplicas(owner);
    const related = owned.length > replicas ? this.relatedPods(owner) : [];
    const plan = planReplicas(owned, replicas, related, now);
    if (plan.action === 'create') return this.createPods(key, owner, plan.count);
    if (plan.action === 'delete') return this.deletePods(key, owner, plan.pods);
  }

  private async createPods(key: string, owner: KObject, count: number): Promise<void> {
    const ns = owner.metadata.namespace;
    const template = owner.spec?.template ?? {};
    if (!template.metadata?.labels || Object.keys(template.metadata.labels).length === 0) {
      throw new Error('unable to create pods, no labels');
    }
    const ref = newControllerRef(owner, this.kind.gvk);
    const subject = this.withGvk(owner);
    this.expectations.expectCreations(key, count);
    const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      try {
        const pod = await this.podClient.create(ns, newPodFromTemplate(template, owner, ref), { fieldManager: FIELD_MANAGER });
        this.recorder.event(subject, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        // A terminating namespace refuses every create: nothing to report, nothing to retry.
        if (isNamespaceTerminating(err)) return;
        this.recorder.event(subject, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    });
    // Creates never attempted (or failed) will not be observed: stop expecting them.
    const skipped = count - successes;
    if (skipped > 0) this.expectations.lower(key, skipped, 0);
    if (error !== undefined) throw error;
  }

  private async deletePods(key: string, owner: KObject, victims: KObject[]): Promise<void> {
    this.expectations.expectDeletionsOf(key, victims.map(podKey));
    const subject = this.withGvk(owner);
    const errors: unknown[] = [];
    await Promise.all(
      victims.map(async (pod) => {
        try {
          await this.podClient.delete(pod.metadata.namespace, pod.metadata.name!);
          this.recorder.event(subject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          // This deletion will never be observed.
          this.expectations.deletionObservedOf(key, podKey(pod));
          if (isNotFound(err)) return;
          this.recorder.event(subject, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          errors.push(err);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  /** The owner with kind and apiVersion set (list items may come without them; events and PUT bodies need both). */
  private withGvk(owner: KObject): KObject {
    if (owner.kind && owner.apiVersion) return owner;
    const g = this.kind.gvk;
    return { ...owner, kind: g.kind, apiVersion: g.group ? `${g.group}/${g.version}` : g.version };
  }

  /** updateReplicaSetStatus: PUT /status when something changed, one GET+PUT retry on failure. */
  private async writeStatus(owner: KObject, status: ReplicaStatus): Promise<KObject> {
    if (!statusNeedsUpdate(owner, status)) return owner;
    let cur = owner;
    for (let i = 0; ; i++) {
      const next = { ...this.withGvk(cur), status: withObservedGeneration(owner, status) };
      try {
        return await this.ownerClient.updateStatus(next, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (i >= STATUS_UPDATE_RETRIES) throw err;
        cur = await this.ownerClient.get(owner.metadata.namespace, owner.metadata.name!);
      }
    }
  }
}

export const replicaSetControllerFactory: ControllerFactory = (ctx) => new ReplicaController(ctx, REPLICA_SET);
export const replicationControllerFactory: ControllerFactory = (ctx) => new ReplicaController(ctx, REPLICATION_CONTROLLER);
