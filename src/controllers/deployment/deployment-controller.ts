// The Deployment controller (pkg/controller/deployment/deployment_controller.go, v1.32).
//
// One sync of key `ns/name`, level-triggered from the informer caches:
//  1. an empty selector selects every pod: warn (SelectingAll) and do nothing else;
//  2. claim ReplicaSets: adopt matching orphans, release owned ones that no longer match;
//  3. being deleted: refresh status only (the garbage collector removes the ReplicaSets);
//  4. record paused/resumed in the Progressing condition;
//  5. paused, or spec.replicas changed (a scaling event): scale (proportionally mid-rollout);
//  6. otherwise one step of the strategy (RollingUpdate or Recreate).
// Handlers enqueue the Deployment a ReplicaSet (or, for Recreate, a deleted pod) belongs to, or
// for an orphan ReplicaSet every Deployment whose selector matches it.

import { deepEqual, cloneJson } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import { selectorFromLabelSelector, type Selector } from '../../api/labels.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import type { Clock } from '../../util/clock.js';
import type { Controller, ControllerContext, ControllerFactory } from '../runtime/manager.js';
import { ControllerRefManager, getControllerOf, recheckDeletionTimestamp } from '../shared/controller-ref.js';
import type { PodMap } from './recreate.js';
import { syncDeployment } from './sync-deployment.js';
import { DEPLOYMENT_GVK, DeploymentSyncer, isNamespaceTerminating, type DeploymentEnv } from './sync.js';
import { RecentWrites } from './recent-writes.js';
import { COMPONENT, Messages, type Deployment, type ReplicaSet } from './types.js';

/** The manager name the controller's writes carry in managedFields. */
const FIELD_MANAGER = 'kube-controller-manager';
/** ConcurrentDeploymentSyncs. */
const WORKERS = 5;

const withKind = <T extends KObject>(o: T, apiVersion: string, kind: string): T => ({ ...o, apiVersion, kind });

export class DeploymentController extends KeyedController implements Controller {
  readonly name = 'deployment';
  protected readonly keyed: KeyedWorkers;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer;
  private readonly deploymentClient: ResourceClient<Deployment>;
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly syncer: DeploymentSyncer;
  /** Parsed selectors by Deployment uid, reused while the resourceVersion is unchanged. */
  private readonly selectors = new Map<string, { rv: string; selector: Selector | undefined }>();
  /** Our own writes the informers have not delivered yet (read-your-writes). */
  private rsWrites: RecentWrites<ReplicaSet>;
  private deploymentWrites: RecentWrites<Deployment>;

  constructor(ctx: ControllerContext) {
    super();
    this.clock = ctx.clock;
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      allKeys: () => this.deployments.store.keys(),
      // Leadership came back after a stop: others may have written meanwhile, so what we wrote
      // before is no guide to what the caches will deliver.
      onRestart: () => {
        this.rsWrites = new RecentWrites<ReplicaSet>(this.clock);
        this.deploymentWrites = new RecentWrites<Deployment>(this.clock);
      },
      onError: (key, err) => {
        // Conflicts are routine (a stale cache); they are retried with back-off without noise.
        if (err instanceof ApiError && err.code === 409) return;
        console.error(`${COMPONENT}: sync ${key}: ${(err as Error)?.message ?? err}`);
      },
    });
    this.deployments = ctx.informers.for<Deployment>(R.deployments);
    this.replicaSets = ctx.informers.for<ReplicaSet>(R.replicasets);
    this.pods = ctx.informers.for(R.pods);
    this.deploymentClient = new ResourceClient<Deployment>(ctx.client, R.deployments);
    this.rsClient = new ResourceClient<ReplicaSet>(ctx.client, R.replicasets);
    this.recorder = ctx.recorder(COMPONENT);
    this.rsWrites = new RecentWrites<ReplicaSet>(ctx.clock);
    this.deploymentWrites = new RecentWrites<Deployment>(ctx.clock);
    this.syncer = new DeploymentSyncer(this.env());
  }

  private env(): DeploymentEnv {
    return {
      now: () => this.clock.now(),
      createReplicaSet: async (rs) => this.recorded(this.rsWrites, await this.rsClient.create(rs.metadata.namespace, rs, { fieldManager: FIELD_MANAGER })),
      patchReplicaSet: async (rs, patch) =>
        this.recorded(
          this.rsWrites,
          await this.rsClient.patch(rs.metadata.namespace, rs.metadata.name!, 'merge', { ...patch, metadata: { ...patch.metadata, uid: rs.metadata.uid } }, { fieldManager: FIELD_MANAGER }),
        ),
      deleteReplicaSet: async (rs) => {
        await this.rsClient.delete(rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
        this.rsWrites.deleted(rs);
      },
      cachedReplicaSet: (ns, name) => this.replicaSets.store.get(`${ns}/${name}`),
      updateStatus: async (d) => this.recorded(this.deploymentWrites, await this.deploymentClient.updateStatus(withKind(d, 'apps/v1', 'Deployment'), { fieldManager: FIELD_MANAGER })),
      event: (d, type, reason, message) => this.recorder.event(withKind(d, 'apps/v1', 'Deployment'), type, reason, message),
      requeueAfter: (d, ms) => {
        const key = objectKeyOf(d);
        if (ms <= 0) this.queue.addRateLimited(key);
        else this.queue.addAfter(key, ms);
      },
    };
  }

  private recorded<T extends KObject>(w: RecentWrites<T>, obj: T): T {
    w.record(obj);
    return obj;
  }

  setup(): void {
    this.deployments.addHandler({
      add: (d) => {
        this.deploymentWrites.observed(d);
        this.queue.add(objectKeyOf(d));
      },
      update: (_old, cur) => {
        this.deploymentWrites.observed(cur);
        this.queue.add(objectKeyOf(cur));
      },
      delete: (d) => {
        this.deploymentWrites.deleted(d);
        this.selectors.delete(d.metadata.uid ?? '');
        this.queue.add(objectKeyOf(d));
      },
    });
    this.replicaSets.addHandler({
      add: (rs) => {
        this.rsWrites.observed(rs);
        this.onReplicaSetAdd(rs);
      },
      update: (old, cur) => {
        this.rsWrites.observed(cur);
        this.onReplicaSetUpdate(old, cur);
      },
      delete: (rs) => {
        this.rsWrites.deleted(rs);
        this.onReplicaSetDelete(rs);
      },
    });
    this.pods.addHandler({ delete: (p) => this.onPodDelete(p) });
  }

  // ---- informer handlers ------------------------------------------------------------------------

  private resolve(namespace: string | undefined, ref: OwnerReference): Deployment | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.store.get(`${namespace}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private selectorOf(d: Deployment): Selector | undefined {
    const uid = d.metadata.uid ?? '';
    const rv = d.metadata.resourceVersion ?? '';
    const hit = this.selectors.get(uid);
    if (hit && hit.rv === rv) return hit.selector;
    let selector: Selector | undefined;
    try {
      selector = selectorFromLabelSelector(d.spec?.selector);
    } catch {
      selector = undefined;
    }
    this.selectors.set(uid, { rv, selector });
    return selector;
  }

  /** getDeploymentsForReplicaSet: Deployments of the namespace whose (non-empty) selector matches an orphan. */
  private deploymentsMatching(rs: ReplicaSet): Deployment[] {
    const out: Deployment[] = [];
    for (const d of this.deployments.store.byIndex('namespace', rs.metadata.namespace ?? '')) {
      const s = this.selectorOf(d);
      if (s && !s.empty() && s.matches(rs.metadata.labels)) out.push(d);
    }
    return out;
  }

  private onReplicaSetAdd(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) return this.onReplicaSetDelete(rs);
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.resolve(rs.metadata.namespace, ref);
      if (d) this.queue.add(objectKeyOf(d));
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.queue.add(objectKeyOf(d));
  }

  private onReplicaSetUpdate(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const d = this.resolve(old.metadata.namespace, oldRef);
      if (d) this.queue.add(objectKeyOf(d));
    }
    if (curRef) {
      const d = this.resolve(cur.metadata.namespace, curRef);
      if (d) this.queue.add(objectKeyOf(d));
      return;
    }
    const labelsChanged = !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(cur)) this.queue.add(objectKeyOf(d));
  }

  private onReplicaSetDelete(rs: ReplicaSet): void {
    const ref = getControllerOf(rs);
    if (!ref) return;
    const d = this.resolve(rs.metadata.namespace, ref);
    if (d) this.queue.add(objectKeyOf(d));
  }

  /** A Recreate rollout waits for the old pods to be gone: a deleted pod may unblock it. */
  private onPodDelete(pod: KObject): void {
    const rsRef = getControllerOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.store.get(`${pod.metadata.namespace}/${rsRef.name}`);
    if (!rs || rs.metadata.uid !== rsRef.uid) return;
    const dRef = getControllerOf(rs);
    const d = dRef && this.resolve(rs.metadata.namespace, dRef);
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue.add(objectKeyOf(d));
  }

  // ---- sync ---------------------------------------------------------------------------------------

  /** getReplicaSetsForDeployment: claim the namespace's ReplicaSets; private copies of what we own. */
  private async claimReplicaSets(cached: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const ns = cached.metadata.namespace;
    const refs = new ControllerRefManager<ReplicaSet>({
      owner: cached,
      gvk: DEPLOYMENT_GVK,
      selector,
      resource: this.rsClient,
      fieldManager: FIELD_MANAGER,
      canAdopt: recheckDeletionTimestamp('Deployment', cached, () => this.deploymentClient.get(ns, cached.metadata.name!)),
    });
    // The cache, overlaid with our newer writes, plus ReplicaSets we created that it has not shown yet.
    const candidates = this.replicaSets.store.byIndex('namespace', ns ?? '').map((rs) => this.rsWrites.latest(rs));
    const inCache = (rs: ReplicaSet) => this.replicaSets.store.get(objectKeyOf(rs))?.metadata.uid === rs.metadata.uid;
    candidates.push(...this.rsWrites.unseen(inCache, (rs) => rs.metadata.namespace === ns));
    const { claimed, errors } = await refs.claim(candidates);
    if (errors.length) throw errors[0];
    return claimed.map((rs) => cloneJson(rs));
  }

  /** getPodMapForDeployment: the pods each claimed ReplicaSet controls (Recreate only needs it). */
  private podMap(rsList: readonly ReplicaSet[]): PodMap {
    const m: PodMap = new Map();
    for (const rs of rsList) {
      const uid = rs.metadata.uid ?? '';
      m.set(uid, this.pods.store.byIndex('controller', uid));
    }
    return m;
  }

  async sync(key: string): Promise<void> {
    const stored = this.deployments.store.get(key);
    if (!stored) return;
    const cached = this.deploymentWrites.latest(stored);
    const d = cloneJson(cached);
    const sel = d.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.syncer.env.event(d, 'Warning', 'SelectingAll', Messages.selectingAll);
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        await this.syncer.writeStatus(d);
      }
      return;
    }
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(sel);
    } catch (err) {
      throw new Error(`deployment ${key} has invalid label selector: ${(err as Error).message}`);
    }
    const rsList = await this.claimReplicaSets(cached, selector);
    try {
      await syncDeployment(this.syncer, d, rsList, () => this.podMap(rsList));
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      throw err;
    }
  }
}

export const deploymentControllerFactory: ControllerFactory = (ctx) => new DeploymentController(ctx);
