// The disruption controller (pkg/controller/disruption, v1.32): keeps each PodDisruptionBudget's
// status current from the pods its selector matches and the scale of their controllers
// (Deployment, ReplicaSet, ReplicationController, StatefulSet, or any resource serving /scale):
// currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed, observedGeneration, the
// disruptedPods the eviction subresource recorded (dropped once the pod is being deleted or gone,
// or after two minutes) and the DisruptionAllowed condition (SufficientPods, InsufficientPods, or
// SyncFailed when the status cannot be computed, which also sets disruptionsAllowed to 0).
// A second queue resets DisruptionTarget=True pod conditions that stayed on a pod that was not
// deleted within two minutes (stalePodDisruptionTimeout).
// Events as upstream: NoPods, CalculateExpectedPodCountFailed, UnmanagedPods on the budget;
// MultiplePodDisruptionBudgets and NotDeleted on pods.

import { ApiError } from '../../api/errors.js';
import { cloneJson } from '../../api/equality.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient, type ResourceRef } from '../../client/resources.js';
import type { RestClient } from '../../client/rest-client.js';
import { pdbSelector, pdbsMatchingPod } from '../../kinds/policy/pdb-helpers.js';
import { rfc3339, type Clock } from '../../util/clock.js';
import { podCondition, updatePodCondition, podConditions } from '../node-lifecycle/pod-conditions.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { getControllerOf } from '../shared/controller-ref.js';
import { buildDisruptedPodMap, countHealthyPods, expectedPodCount, failSafeStatus, goLabelSelectorString, nextPdbStatus, type ControllerAndScale } from './status.js';

/** Workers for budgets (upstream runs one); stale-condition cleanup has its own. */
const WORKERS = 2;
/** stalePodDisruptionTimeout */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;
/** The event source upstream's recorder uses. */
const COMPONENT = 'controllermanager';
const FIELD_MANAGER = 'kube-controller-manager';

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;
const isConflict = (err: unknown) => err instanceof ApiError && err.code === 409;

const withKind = (o: KObject, apiVersion: string, kind: string): KObject => (o.kind && o.apiVersion ? o : { ...o, apiVersion, kind });

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export interface DisruptionControllerOptions {
  staleTimeoutMs?: number;
}

export class DisruptionController extends KeyedController implements Controller {
  readonly name = 'disruption';
  protected readonly keyed: KeyedWorkers;
  private readonly stale: KeyedWorkers;
  private readonly pods: Informer;
  private readonly pdbs: Informer;
  private readonly rcs: Informer;
  private readonly rss: Informer;
  private readonly deployments: Informer;
  private readonly statefulSets: Informer;
  private readonly pdbClient: ResourceClient;
  private readonly podClient: ResourceClient;
  private readonly client: RestClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly staleTimeoutMs: number;

  constructor(ctx: ControllerContext, o: DisruptionControllerOptions = {}) {
    super();
    this.clock = ctx.clock;
    this.client = ctx.client;
    this.staleTimeoutMs = o.staleTimeoutMs ?? STALE_POD_DISRUPTION_TIMEOUT_MS;
    this.recorder = ctx.recorder(COMPONENT);
    this.pods = ctx.informers.for(R.pods);
    this.pdbs = ctx.informers.for(R.poddisruptionbudgets);
    this.rcs = ctx.informers.for(R.replicationcontrollers);
    this.rss = ctx.informers.for(R.replicasets);
    this.deployments = ctx.informers.for(R.deployments);
    this.statefulSets = ctx.informers.for(R.statefulsets);
    this.pdbClient = new ResourceClient(ctx.client, R.poddisruptionbudgets);
    this.podClient = new ResourceClient(ctx.client, R.pods);
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      allKeys: () => this.pdbs.store.list().map(objectKeyOf),
      // A conflict (the cache had not caught up with a status write yet) is retried quietly.
      onError: (key, err) => {
        if (!isConflict(err)) console.error(`disruption-controller: syncing PodDisruptionBudget ${key}, requeuing: ${(err as Error)?.message ?? err}`);
      },
    });
    this.stale = new KeyedWorkers({
      clock: ctx.clock,
      workers: 1,
      reconcile: (key) => this.syncStalePodDisruption(key),
      allKeys: () => this.pods.store.list().filter((p) => this.staleDisruptionWait(p) !== undefined).map(objectKeyOf),
      onError: (key, err) => console.error(`disruption-controller: clearing DisruptionTarget condition of pod ${key}, requeueing: ${(err as Error)?.message ?? err}`),
    });
  }

  setup(): void {
    const enqueuePdb = (pdb: KObject) => this.queue.add(objectKeyOf(pdb));
    this.pdbs.addHandler({ add: enqueuePdb, update: (_o, cur) => enqueuePdb(cur), delete: enqueuePdb });
    const podChanged = (pod: KObject, checkStale: boolean) => {
      for (const pdb of this.pdbsForPod(pod)) enqueuePdb(pdb);
      if (checkStale) {
        const wait = this.staleDisruptionWait(pod);
        if (wait !== undefined) this.stale.queue.addAfter(objectKeyOf(pod), wait);
      }
    };
    this.pods.addHandler({ add: (p) => podChanged(p, true), update: (_o, cur) => podChanged(cur, true), delete: (p) => podChanged(p, false) });
  }

  override start(): void {
    super.start();
    this.stale.start();
  }

  override stop(): void {
    super.stop();
    this.stale.stop();
  }

  override async stopped(): Promise<void> {
    await Promise.all([super.stopped(), this.stale.stopped()]);
  }

  /**
   * getPdbForPod: the budgets covering the pod. Upstream syncs only the first and warns on the pod
   * when there are several; every one of them is synced here (each one's status depends on it).
   */
  private pdbsForPod(pod: KObject): KObject[] {
    const matching = pdbsMatchingPod(this.pdbs.store.byIndex('namespace', pod.metadata.namespace ?? ''), pod);
    if (matching.length > 1) {
      const msg = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${matching[0].metadata.name}" arbitrarily.`;
      this.recorder.event(withKind(pod, 'v1', 'Pod'), 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    return matching;
  }

  async sync(key: string): Promise<void | { requeueAfterMs: number }> {
    const pdb = this.pdbs.store.get(key);
    if (!pdb) return;
    try {
      return await this.trySync(pdb);
    } catch (err) {
      // A conflict is retried (with back-off) without the fail-safe.
      if (isConflict(err) || isNotFound(err)) throw err;
      console.error(`disruption-controller: failed to sync PDB ${key}: ${(err as Error)?.message ?? err}`);
      await this.writeStatus(pdb, failSafeStatus(pdb, (err as Error)?.message ?? String(err), rfc3339(this.clock.now())));
    }
  }

  private async trySync(pdb: KObject): Promise<void | { requeueAfterMs: number }> {
    const subject = withKind(pdb, 'policy/v1', 'PodDisruptionBudget');
    const selector = pdbSelector(pdb);
    if (!selector) {
      const err = new Error(`invalid label selector ${goLabelSelectorString(pdb.spec?.selector)}`);
      this.recorder.event(subject, 'Warning', 'NoPods', `Failed to get pods: ${err.message}`);
      throw err;
    }
    const pods = this.pods.store.byIndex('namespace', pdb.metadata.namespace ?? '').filter((p) => selector.matches(p.metadata.labels));
    if (pods.length === 0) this.recorder.event(subject, 'Normal', 'NoPods', 'No matching pods found');

    let expected;
    try {
      expected = await expectedPodCount(pdb, pods, (ref, ns) => this.findScale(ref, ns));
    } catch (err) {
      this.recorder.event(subject, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
      throw err;
    }
    if (expected.unmanagedPods.length > 0) {
      this.recorder.event(
        subject,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelectorString(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }

    const now = this.clock.now();
    const { disruptedPods, recheckAtMs, notDeleted } = buildDisruptedPodMap(pods, pdb, now);
    for (const pod of notDeleted) {
      // Upstream's message names the budget's namespace twice.
      this.recorder.event(withKind(pod, 'v1', 'Pod'), 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, disruptedPods, now);
    const next = nextPdbStatus(pdb, currentHealthy, expected.desiredHealthy, expected.expectedCount, disruptedPods, rfc3339(now));
    if (next) await this.writeStatus(pdb, next);
    if (recheckAtMs !== undefined) return { requeueAfterMs: Math.max(0, recheckAtMs - now.getTime()) };
  }

  /** writePdbStatus: an update of the status subresource, conditional on the cached revision. */
  private async writeStatus(pdb: KObject, status: unknown): Promise<void> {
    const updated = cloneJson(pdb);
    updated.status = status;
    updated.apiVersion = 'policy/v1';
    updated.kind = 'PodDisruptionBudget';
    await this.pdbClient.updateStatus(updated, { fieldManager: FIELD_MANAGER });
  }

  // ---- the finders: the controller and scale behind a pod's controllerRef ----

  private async findScale(ref: OwnerReference, namespace: string): Promise<ControllerAndScale | undefined> {
    for (const finder of [this.replicationController, this.deployment, this.replicaSet, this.statefulSet]) {
      const found = finder.call(this, ref, namespace);
      if (found) return found;
    }
    return this.scaleController(ref, namespace);
  }

  private cached(inf: Informer, namespace: string, name: string, uid: string): KObject | undefined {
    const o = inf.store.get(`${namespace}/${name}`);
    return o && o.metadata.uid === uid ? o : undefined;
  }

  private replicationController(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (ref.kind !== 'ReplicationController' || groupOf(ref.apiVersion) !== '') return undefined;
    const rc = this.cached(this.rcs, ns, ref.name, ref.uid);
    return rc ? { uid: rc.metadata.uid!, scale: rc.spec?.replicas ?? 1 } : undefined;
  }

  /** getPodDeployment: the Deployment behind the pod's ReplicaSet. */
  private deployment(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (ref.kind !== 'ReplicaSet' || !['apps', 'extensions'].includes(groupOf(ref.apiVersion))) return undefined;
    const rs = this.cached(this.rss, ns, ref.name, ref.uid);
    const dref = rs && getControllerOf(rs);
    if (!dref || dref.kind !== 'Deployment' || !['apps', 'extensions'].includes(groupOf(dref.apiVersion))) return undefined;
    const d = this.cached(this.deployments, ns, dref.name, dref.uid);
    return d ? { uid: d.metadata.uid!, scale: d.spec?.replicas ?? 1 } : undefined;
  }

  /** getPodReplicaSet: a ReplicaSet no Deployment controls. */
  private replicaSet(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (ref.kind !== 'ReplicaSet' || !['apps', 'extensions'].includes(groupOf(ref.apiVersion))) return undefined;
    const rs = this.cached(this.rss, ns, ref.name, ref.uid);
    if (!rs || getControllerOf(rs)?.kind === 'Deployment') return undefined;
    return { uid: rs.metadata.uid!, scale: rs.spec?.replicas ?? 1 };
  }

  private statefulSet(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    if (ref.kind !== 'StatefulSet' || groupOf(ref.apiVersion) !== 'apps') return undefined;
    const ss = this.cached(this.statefulSets, ns, ref.name, ref.uid);
    return ss ? { uid: ss.metadata.uid!, scale: ss.spec?.replicas ?? 1 } : undefined;
  }

  /** getScaleController: any resource of the owner's kind that serves /scale (found through discovery). */
  private async scaleController(ref: OwnerReference, ns: string): Promise<ControllerAndScale | undefined> {
    const gv = ref.apiVersion;
    const group = groupOf(gv);
    const version = gv.slice(gv.indexOf('/') + 1);
    let resources: { name: string; kind: string; group?: string; version?: string }[];
    try {
      const list = await this.client.request<{ resources?: typeof resources }>('GET', group ? `/apis/${gv}` : `/api/${version}`);
      resources = list.resources ?? [];
    } catch (err) {
      if (isNotFound(err)) throw new Error(`no matches for kind "${ref.kind}" in version "${gv}"`);
      throw err;
    }
    const main = resources.find((r) => !r.name.includes('/') && r.kind === ref.kind);
    if (!main) throw new Error(`no matches for kind "${ref.kind}" in version "${gv}"`);
    const gr = group ? `${main.name}.${group}` : main.name;
    const scaleSub = resources.find((r) => r.name === `${main.name}/scale` && r.kind === 'Scale');
    if (!scaleSub) throw new Error(`${gr} does not implement the scale subresource`);
    const refRes: ResourceRef = { group, version, plural: main.name, namespaced: true };
    let scale: KObject;
    try {
      scale = await this.client.request<KObject>('GET', new ResourceClient(this.client, refRes).path(ns, ref.name, 'scale'));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (scale.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
  }

  // ---- stale DisruptionTarget conditions ----

  /**
   * nonTerminatingPodHasStaleDisruptionCondition: ms until the pod's DisruptionTarget=True
   * condition is stale (0: now), or undefined when it has none that can go stale (being deleted,
   * terminal, or set by the kubelet).
   */
  private staleDisruptionWait(pod: KObject): number | undefined {
    if (pod.metadata.deletionTimestamp) return undefined;
    const c = podCondition(pod, 'DisruptionTarget');
    const phase = pod.status?.phase;
    if (!c || c.status !== 'True' || c.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
    return Math.max(0, this.staleTimeoutMs - (this.clock.now().getTime() - (Number.isNaN(since) ? 0 : since)));
  }

  private async syncStalePodDisruption(key: string): Promise<void | { requeueAfterMs: number }> {
    const pod = this.pods.store.get(key);
    if (!pod) return;
    const wait = this.staleDisruptionWait(pod);
    if (wait === undefined) return;
    if (wait > 0) return { requeueAfterMs: wait };
    const { conditions, changed } = updatePodCondition(podConditions(pod), { type: 'DisruptionTarget', status: 'False' }, rfc3339(this.clock.now()));
    if (!changed) return;
    const updated: KObject = { ...cloneJson(pod), apiVersion: 'v1', kind: 'Pod' };
    updated.status = { ...(updated.status ?? {}), conditions };
    try {
      await this.podClient.updateStatus(updated, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
