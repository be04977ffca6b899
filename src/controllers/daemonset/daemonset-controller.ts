// The DaemonSet controller (pkg/controller/daemon/daemon_controller.go and update.go, v1.32).
//
// One sync of key `ns/name`, level-triggered from the informer caches:
//  1. an empty selector selects every pod: warn (SelectingAll) and stop; a DaemonSet being deleted
//     is left alone (its history may already be gone);
//  2. history: claim the ControllerRevisions, find or create the one holding the current template
//     (its hash labels new pods), bump its revision number to the newest;
//  3. when our earlier creates/deletes have all been observed: the manage loop (a pod on every node
//     that should run one, none elsewhere, failed pods replaced with a per-node back-off), then one
//     RollingUpdate step, then history clean-up;
//  4. status, with observedGeneration only when step 3 ran.
// Handlers enqueue the DaemonSet a pod or revision belongs to, every DaemonSet an orphan could be
// adopted by, and the DaemonSets whose verdict about a node changed.

import { deepEqual } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import { selectorFromLabelSelector, type Selector } from '../../api/labels.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import type { Clock } from '../../util/clock.js';
import { ControllerHistory } from '../history/controller-history.js';
import { CONTROLLER_REVISION_HASH_LABEL_KEY, maxRevision, type ControllerRevision } from '../history/revision.js';
import type { Controller, ControllerContext, ControllerFactory } from '../runtime/manager.js';
import { ControllerRefManager, getControllerOf, newControllerRef, recheckDeletionTimestamp } from '../shared/controller-ref.js';
import { UidTrackingExpectations } from '../shared/expectations.js';
import { isPodReady, podKey } from '../shared/pod-utils.js';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../shared/slow-start.js';
import { BURST_REPLICAS, COMPONENT, DAEMONSET_GVK, FAILED_POD_BACKOFF_INITIAL_MS, FAILED_POD_BACKOFF_MAX_MS, Messages } from './constants.js';
import { newDaemonPod, nodesToDaemonPods, templateGeneration } from './daemon-pods.js';
import { FailedPodBackoff } from './failed-pod-backoff.js';
import { planNode, unscheduledPodsWithoutNode } from './manage.js';
import { compilePlacement, nodeShouldRunDaemonPod, type DaemonPlacement, type NodeVerdict } from './node-placement.js';
import { historiesToClean, matchesDaemonSet, newDaemonSetRevision, pickCurrent, splitHistories } from './revisions.js';
import { allowsSurge, planRollingUpdate } from './rolling-update.js';
import { availabilityRequeueMs, calculateDaemonSetCounts, daemonSetStatus, daemonSetStatusUpToDate } from './status.js';

const FIELD_MANAGER = 'kube-controller-manager';
/** ConcurrentDaemonSetSyncs. */
const WORKERS = 2;
/** Pods without a controller, by namespace (the same index the ReplicaSet controller adds). */
const ORPHANS_INDEX = 'orphans-by-namespace';
const orphansByNamespace = (o: KObject) => (getControllerOf(o) ? [] : [o.metadata.namespace ?? '']);

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;
const isNamespaceTerminating = (err: unknown) =>
  err instanceof ApiError && !!err.details?.causes?.some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');
const withKind = (o: KObject): KObject => (o.kind && o.apiVersion ? o : { ...o, apiVersion: 'apps/v1', kind: 'DaemonSet' });

function isEverything(sel: unknown): boolean {
  const s = sel as { matchLabels?: object; matchExpressions?: unknown[] } | undefined;
  return !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

function minReadySecondsOf(ds: KObject): number {
  const m = ds.spec?.minReadySeconds;
  return typeof m === 'number' && m > 0 ? m : 0;
}

/** What one sync derives from a DaemonSet once. */
interface SyncState {
  key: string;
  ds: KObject;
  selector: Selector;
  verdicts: Map<string, NodeVerdict>;
  hash: string;
  generation: number | undefined;
  /** Smallest requested requeue delay. */
  requeueMs?: number;
  /** The claimed pods, reused until this sync writes a pod (the cache would barely differ). */
  pods?: KObject[];
}

export class DaemonSetController extends KeyedController implements Controller {
  readonly name = 'daemonset';
  protected readonly keyed: KeyedWorkers;
  readonly expectations: UidTrackingExpectations;
  private readonly daemonSets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly dsClient: ResourceClient;
  private readonly podClient: ResourceClient;
  private readonly history: ControllerHistory;
  private readonly revisionClient: ResourceClient<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly backoff = new FailedPodBackoff(FAILED_POD_BACKOFF_INITIAL_MS, FAILED_POD_BACKOFF_MAX_MS);
  /** Parsed selector and placement per DaemonSet uid, reused while its resourceVersion is unchanged. */
  private readonly compiled = new Map<string, { rv: string; selector?: Selector; placement: DaemonPlacement }>();

  constructor(ctx: ControllerContext) {
    super();
    this.clock = ctx.clock;
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      allKeys: () => this.daemonSets.store.keys(),
      onError: (key, err) => {
        if (isCode(err, 409)) return; // a stale cache; retried with back-off
        console.error(`${COMPONENT}: sync ${key}: ${(err as Error)?.message ?? err}`);
      },
    });
    this.expectations = new UidTrackingExpectations(ctx.clock);
    this.daemonSets = ctx.informers.for(R.daemonsets);
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for(R.nodes);
    this.revisions = ctx.informers.for<ControllerRevision>(R.controllerrevisions);
    this.dsClient = new ResourceClient(ctx.client, R.daemonsets);
    this.podClient = new ResourceClient(ctx.client, R.pods);
    this.revisionClient = new ResourceClient<ControllerRevision>(ctx.client, R.controllerrevisions);
    this.history = new ControllerHistory(this.revisionClient, this.revisions, FIELD_MANAGER);
    this.recorder = ctx.recorder(COMPONENT);
  }

  setup(): void {
    this.pods.store.addIndex(ORPHANS_INDEX, orphansByNamespace);
    this.daemonSets.addHandler({
      add: (ds) => this.queue.add(objectKeyOf(ds)),
      update: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.expectations.delete(objectKeyOf(old));
        this.queue.add(objectKeyOf(cur));
      },
      delete: (ds) => {
        this.expectations.delete(objectKeyOf(ds));
        this.compiled.delete(ds.metadata.uid ?? '');
        this.queue.add(objectKeyOf(ds));
      },
    });
    this.pods.addHandler({ add: (p) => this.onPodAdd(p), update: (o, c) => this.onPodUpdate(o, c), delete: (p) => this.onPodDelete(p) });
    this.nodes.addHandler({ add: (n) => this.onNodeAdd(n), update: (o, c) => this.onNodeUpdate(o, c), delete: (n) => this.onNodeDelete(n) });
    const onRevision = (r: KObject) => this.onRevision(r);
    this.revisions.addHandler({ add: onRevision, update: (_o, c) => onRevision(c), delete: onRevision });
  }

  // ---- informer handlers ------------------------------------------------------------------------

  private compile(ds: KObject): { selector?: Selector; placement: DaemonPlacement } {
    const uid = ds.metadata.uid ?? '';
    const rv = ds.metadata.resourceVersion ?? '';
    const hit = this.compiled.get(uid);
    if (hit && hit.rv === rv) return hit;
    let selector: Selector | undefined;
    try {
      selector = selectorFromLabelSelector(ds.spec?.selector);
    } catch {
      selector = undefined;
    }
    const entry = { rv, selector, placement: compilePlacement(ds.spec?.template) };
    this.compiled.set(uid, entry);
    return entry;
  }

  private resolve(namespace: string | undefined, ref: OwnerReference): KObject | undefined {
    if (ref.kind !== DAEMONSET_GVK.kind) return undefined;
    const ds = this.daemonSets.store.get(`${namespace}/${ref.name}`);
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  /** getDaemonSetsForPod / ForHistory: DaemonSets of the namespace whose (non-empty) selector matches. */
  private matching(obj: KObject): KObject[] {
    const out: KObject[] = [];
    for (const ds of this.daemonSets.store.byIndex('namespace', obj.metadata.namespace ?? '')) {
      const s = this.compile(ds).selector;
      if (s && !s.empty() && s.matches(obj.metadata.labels)) out.push(ds);
    }
    return out;
  }

  private onPodAdd(pod: KObject): void {
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    const ref = getControllerOf(pod);
    if (ref) {
      const ds = this.resolve(pod.metadata.namespace, ref);
      if (!ds) return;
      const key = objectKeyOf(ds);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const ds of this.matching(pod)) this.queue.add(objectKeyOf(ds));
  }

  private onPodUpdate(old: KObject, cur: KObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion shows first as an update: count it now.
      this.onPodDelete(cur);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const ds = this.resolve(old.metadata.namespace, oldRef);
      if (ds) this.queue.add(objectKeyOf(ds));
    }
    if (curRef) {
      const ds = this.resolve(cur.metadata.namespace, curRef);
      if (!ds) return;
      const key = objectKeyOf(ds);
      this.queue.add(key);
      const mrs = minReadySecondsOf(ds);
      if (mrs > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key, mrs * 1000 + 1000);
      return;
    }
    if (refChanged || !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})) for (const ds of this.matching(cur)) this.queue.add(objectKeyOf(ds));
  }

  private onPodDelete(pod: KObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const ds = this.resolve(pod.metadata.namespace, ref);
    if (!ds) return;
    const key = objectKeyOf(ds);
    this.expectations.deletionObservedOf(key, podKey(pod));
    this.queue.add(key);
  }

  private onNodeAdd(node: KObject): void {
    for (const ds of this.daemonSets.store.list()) {
      if (nodeShouldRunDaemonPod(node, this.compile(ds).placement).shouldRun) this.queue.add(objectKeyOf(ds));
    }
  }

  private onNodeUpdate(old: KObject, cur: KObject): void {
    // The verdict depends on the node's name, labels and taints only (heartbeats change none).
    if (deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}) && deepEqual(old.spec?.taints ?? [], cur.spec?.taints ?? [])) return;
    for (const ds of this.daemonSets.store.list()) {
      const p = this.compile(ds).placement;
      if (!deepEqual(nodeShouldRunDaemonPod(old, p), nodeShouldRunDaemonPod(cur, p))) this.queue.add(objectKeyOf(ds));
    }
  }

  private onNodeDelete(node: KObject): void {
    // Unbound pods pinned to the node must go, and the counts change.
    for (const ds of this.daemonSets.store.list()) {
      const v = nodeShouldRunDaemonPod(node, this.compile(ds).placement);
      if (v.shouldRun || v.shouldContinueRunning) this.queue.add(objectKeyOf(ds));
    }
  }

  private onRevision(r: KObject): void {
    const ref = getControllerOf(r);
    if (ref) {
      const ds = this.resolve(r.metadata.namespace, ref);
      if (ds) this.queue.add(objectKeyOf(ds));
      return;
    }
    if (!r.metadata.deletionTimestamp) for (const ds of this.matching(r)) this.queue.add(objectKeyOf(ds));
  }

  // ---- sync ---------------------------------------------------------------------------------------

  private requeue(st: SyncState, ms: number): void {
    if (st.requeueMs === undefined || ms < st.requeueMs) st.requeueMs = ms;
  }

  async sync(key: string): Promise<void | { requeueAfterMs?: number }> {
    const ds = this.daemonSets.store.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    if (isEverything(ds.spec?.selector)) {
      this.recorder.event(withKind(ds), 'Warning', 'SelectingAll', Messages.selectingAll);
      return;
    }
    const { selector, placement } = this.compile(ds);
    if (!selector) return; // invalid; only a spec change (which enqueues again) can fix it
    // Being deleted: the history may already be gone or orphaned, so no hash can be trusted.
    if (ds.metadata.deletionTimestamp) return;
    const verdicts = new Map<string, NodeVerdict>();
    for (const node of this.nodes.store.list()) verdicts.set(node.metadata.name ?? '', nodeShouldRunDaemonPod(node, placement));

    const cur = await this.constructHistory(ds, selector);
    const st: SyncState = { key, ds, selector, verdicts, hash: cur.current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '', generation: templateGeneration(ds) };

    if (!this.expectations.satisfied(key)) {
      await this.updateStatus(st, false);
      return st.requeueMs === undefined ? undefined : { requeueAfterMs: st.requeueMs };
    }
    let err: unknown;
    try {
      await this.updateDaemonSet(st, cur.old);
    } catch (e) {
      err = e;
    }
    try {
      await this.updateStatus(st, true);
    } catch (statusErr) {
      if (err === undefined) throw statusErr;
      console.error(`${COMPONENT}: ${key}: status: ${(statusErr as Error).message}`);
    }
    if (err !== undefined) {
      if (isNamespaceTerminating(err)) return;
      throw err;
    }
    return st.requeueMs === undefined ? undefined : { requeueAfterMs: st.requeueMs };
  }

  private async updateDaemonSet(st: SyncState, old: ControllerRevision[]): Promise<void> {
    await this.manage(st);
    if (this.expectations.satisfied(st.key) && st.ds.spec?.updateStrategy?.type === 'RollingUpdate') {
      const plan = planRollingUpdate({ ds: st.ds, verdicts: st.verdicts, nodeToPods: nodesToDaemonPods(await this.daemonPods(st), false), hash: st.hash, generation: st.generation, now: this.clock.now() });
      await this.syncNodes(st, plan.podsToDelete, plan.nodesToCreate);
    }
    await this.cleanupHistory(st, old);
  }

  /** getDaemonPods: claim the namespace's pods (ours plus orphans): adopt matching orphans, release non-matching ones. */
  private async daemonPods(st: SyncState): Promise<KObject[]> {
    if (st.pods) return st.pods;
    const ds = st.ds;
    const candidates = [...this.pods.store.byIndex('controller', ds.metadata.uid ?? ''), ...this.pods.store.byIndex(ORPHANS_INDEX, ds.metadata.namespace ?? '')];
    const refs = new ControllerRefManager({
      owner: ds,
      gvk: DAEMONSET_GVK,
      selector: st.selector,
      resource: this.podClient,
      fieldManager: FIELD_MANAGER,
      canAdopt: recheckDeletionTimestamp('DaemonSet', ds, () => this.dsClient.get(ds.metadata.namespace, ds.metadata.name!)),
    });
    const { claimed, errors } = await refs.claim(candidates);
    if (errors.length) throw errors[0];
    st.pods = claimed;
    return claimed;
  }

  /** manage: the pods every node should have; failed ones are replaced subject to the back-off. */
  private async manage(st: SyncState): Promise<void> {
    const now = this.clock.now();
    const nodeToPods = nodesToDaemonPods(await this.daemonPods(st), false);
    const surge = allowsSurge(st.ds);
    const mrs = minReadySecondsOf(st.ds);
    const create: string[] = [];
    const remove: KObject[] = [];
    let failedObserved = 0;
    for (const [node, verdict] of st.verdicts) {
      const plan = planNode({ verdict, pods: nodeToPods.get(node), hash: st.hash, allowsSurge: surge, minReadySeconds: mrs, now });
      if (plan.create) create.push(node);
      remove.push(...plan.deletes);
      for (const pod of plan.failed) {
        failedObserved++;
        // Kubelets that keep rejecting a pod would make us fight them in a hot loop.
        const bkey = `${st.ds.metadata.uid}/${node}`;
        if (this.backoff.inBackoffSinceUpdate(bkey, now.getTime())) {
          this.requeue(st, this.backoff.get(bkey));
          continue;
        }
        this.backoff.next(bkey, now.getTime());
        this.recorder.event(withKind(st.ds), 'Warning', 'FailedDaemonPod', Messages.failedDaemonPod(pod.metadata.namespace ?? '', pod.metadata.name ?? '', node));
        remove.push(pod);
      }
    }
    remove.push(...unscheduledPodsWithoutNode(new Set(st.verdicts.keys()), nodeToPods));
    this.backoff.gc(now.getTime());
    await this.syncNodes(st, remove, create);
    // An error makes the queue back off, so failed pods are not replaced in a hot loop.
    if (failedObserved > 0) throw new Error(`deleted ${failedObserved} failed pods of DaemonSet ${st.ds.metadata.namespace}/${st.ds.metadata.name}`);
  }

  /** syncNodes: deletes `toDelete` and creates a daemon pod on each of `nodes` (≤ BurstReplicas each), under expectations. */
  private async syncNodes(st: SyncState, toDelete: readonly KObject[], nodes: readonly string[]): Promise<void> {
    const { key, ds } = st;
    const createDiff = Math.min(nodes.length, BURST_REPLICAS);
    const victims = toDelete.slice(0, BURST_REPLICAS);
    if (createDiff > 0 || victims.length > 0) st.pods = undefined;
    this.expectations.expectDeletionsOf(key, victims.map(podKey));
    this.expectations.raise(key, createDiff, 0);
    const errors: unknown[] = [];
    if (createDiff > 0) {
      const ref = newControllerRef(ds, DAEMONSET_GVK);
      const subject = withKind(ds);
      let attempts = 0;
      const { error } = await slowStartBatch(createDiff, SLOW_START_INITIAL_BATCH_SIZE, async (ix) => {
        attempts++;
        try {
          const pod = await this.podClient.create(ds.metadata.namespace, newDaemonPod(ds, nodes[ix], st.hash, st.generation, ref), { fieldManager: FIELD_MANAGER });
          this.recorder.event(subject, 'Normal', 'SuccessfulCreate', Messages.created(pod.metadata.name ?? ''));
        } catch (err) {
          this.expectations.creationObserved(key);
          if (!isNamespaceTerminating(err)) this.recorder.event(subject, 'Warning', 'FailedCreate', Messages.errorCreating((err as Error).message));
          throw err;
        }
      });
      // Creates never attempted will not be observed.
      if (createDiff > attempts) this.expectations.lower(key, createDiff - attempts, 0);
      if (error !== undefined) errors.push(error);
    }
    await Promise.all(
      victims.map(async (pod) => {
        try {
          await this.podClient.delete(pod.metadata.namespace, pod.metadata.name!);
          this.recorder.event(withKind(ds), 'Normal', 'SuccessfulDelete', Messages.deleted(pod.metadata.name ?? ''));
        } catch (err) {
          this.expectations.deletionObservedOf(key, podKey(pod));
          if (isCode(err, 404)) return;
          this.recorder.event(withKind(ds), 'Warning', 'FailedDelete', Messages.errorDeleting((err as Error).message));
          errors.push(err);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  // ---- history ------------------------------------------------------------------------------------

  /** constructHistory: the revision of the current template (created or renumbered as needed) and the others. */
  private async constructHistory(ds: KObject, selector: Selector): Promise<{ current: ControllerRevision; old: ControllerRevision[] }> {
    const histories: ControllerRevision[] = [];
    for (const h of await this.controlledHistories(ds, selector)) {
      // Revisions from before the hash label existed get their name as the label.
      if (h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] === undefined) {
        histories.push(await this.history.update({ ...h, metadata: { ...h.metadata, labels: { ...(h.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL_KEY]: h.metadata.name! } } }));
      } else histories.push(h);
    }
    const { current, old } = splitHistories(ds, histories);
    const currRevision = maxRevision(old) + 1;
    if (current.length === 0) return { current: await this.snapshot(ds, currRevision), old };
    let cur = await this.dedupCurHistories(ds, selector, current);
    if ((cur.revision ?? 0) < currRevision) cur = await this.history.updateControllerRevision(cur, currRevision);
    return { current: cur, old };
  }

  /** controlledHistories: claim every revision of the namespace (ours may no longer match the selector). */
  private async controlledHistories(ds: KObject, selector: Selector): Promise<ControllerRevision[]> {
    const refs = new ControllerRefManager<ControllerRevision>({
      owner: ds,
      gvk: DAEMONSET_GVK,
      selector,
      resource: this.revisionClient as unknown as ResourceClient,
      fieldManager: FIELD_MANAGER,
      canAdopt: recheckDeletionTimestamp('DaemonSet', ds, () => this.dsClient.get(ds.metadata.namespace, ds.metadata.name!)),
    });
    const { claimed, errors } = await refs.claim(this.revisions.store.byIndex('namespace', ds.metadata.namespace ?? ''));
    if (errors.length) throw errors[0];
    return claimed;
  }

  /**
   * snapshot: creates the revision. A name taken by a revision with other data is a hash
   * collision: bump status.collisionCount (from a fresh read) and fail, so the retry uses a new name.
   */
  private async snapshot(ds: KObject, revision: number): Promise<ControllerRevision> {
    const cr = newDaemonSetRevision(ds, revision);
    try {
      return await this.revisionClient.create(ds.metadata.namespace, cr, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isCode(err, 409)) throw err;
      const existing = await this.revisionClient.get(ds.metadata.namespace, cr.metadata.name!);
      if (matchesDaemonSet(ds, existing)) return existing;
      const fresh = await this.dsClient.get(ds.metadata.namespace, ds.metadata.name!);
      const cc = ds.status?.collisionCount;
      if (fresh.status?.collisionCount !== cc) {
        throw new Error(`found a stale collision count (${cc ?? 'nil'}, expected ${fresh.status?.collisionCount ?? 'nil'}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
      }
      await this.dsClient.updateStatus(withKind({ ...fresh, status: { ...(fresh.status ?? {}), collisionCount: (cc ?? 0) + 1 } }), { fieldManager: FIELD_MANAGER });
      throw err;
    }
  }

  /** dedupCurHistories: keep the newest equal revision, relabel pods that carry another one's hash, delete the rest. */
  private async dedupCurHistories(ds: KObject, selector: Selector, current: ControllerRevision[]): Promise<ControllerRevision> {
    if (current.length === 1) return current[0];
    const keep = pickCurrent(current);
    const hash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '';
    const st: SyncState = { key: objectKeyOf(ds), ds, selector, verdicts: new Map(), hash, generation: undefined };
    for (const pod of await this.daemonPods(st)) {
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] === hash) continue;
      await this.podClient.patch(pod.metadata.namespace, pod.metadata.name!, 'merge', { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL_KEY]: hash } } }, { fieldManager: FIELD_MANAGER });
    }
    for (const h of current) if (h.metadata.name !== keep.metadata.name) await this.history.deleteControllerRevision(h);
    return keep;
  }

  /** cleanupHistory: old revisions beyond revisionHistoryLimit that no pod (terminal ones included) still carries. */
  private async cleanupHistory(st: SyncState, old: ControllerRevision[]): Promise<void> {
    const limit = typeof st.ds.spec?.revisionHistoryLimit === 'number' ? st.ds.spec.revisionHistoryLimit : 10;
    if (old.length <= limit) return;
    const live = new Set<string>();
    for (const pods of nodesToDaemonPods(await this.daemonPods(st), true).values()) {
      for (const pod of pods) {
        const h = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY];
        if (h) live.add(h);
      }
    }
    for (const h of historiesToClean(old, limit, live)) await this.history.deleteControllerRevision(h);
  }

  // ---- status -------------------------------------------------------------------------------------

  /** updateDaemonSetStatus: PUT /status when a count changed (or, when `observe`, the generation is new). */
  private async updateStatus(st: SyncState, observe: boolean): Promise<void> {
    const now = this.clock.now();
    const nodeToPods = nodesToDaemonPods(await this.daemonPods(st), false);
    const mrs = minReadySecondsOf(st.ds);
    const counts = calculateDaemonSetCounts({ verdicts: st.verdicts, nodeToPods, hash: st.hash, generation: st.generation, minReadySeconds: mrs, now });
    const upToDate = daemonSetStatusUpToDate(observe ? st.ds : { ...st.ds, metadata: { ...st.ds.metadata, generation: 0 } }, counts);
    if (!upToDate) {
      let cur = st.ds;
      for (let i = 0; ; i++) {
        try {
          await this.dsClient.updateStatus(withKind({ ...cur, status: daemonSetStatus({ ...cur, metadata: { ...cur.metadata, generation: st.ds.metadata.generation } }, counts, observe) }), { fieldManager: FIELD_MANAGER });
          break;
        } catch (err) {
          if (isCode(err, 404)) return; // deleted meanwhile
          if (i >= 1) throw new Error(`error storing status for daemon set ${st.key}: ${(err as Error).message}`);
          cur = await this.dsClient.get(st.ds.metadata.namespace, st.ds.metadata.name!);
        }
      }
    }
    if (counts.numberReady !== counts.numberAvailable) {
      const wait = availabilityRequeueMs(nodeToPods, mrs, now);
      this.requeue(st, wait ?? mrs * 1000);
    }
  }
}

export const daemonSetControllerFactory: ControllerFactory = (ctx) => new DaemonSetController(ctx);
