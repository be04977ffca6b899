// The Job controller (pkg/controller/job/job_controller.go, v1.32): informer handlers, the Job
// work queue and the orphan-pod queue. The sync itself is in sync-job.ts.
//
// Handlers only lower expectations and enqueue:
//  - Job added, deleted or its spec changed: sync at once; status-only changes and pod events are
//    folded into one sync a second later (syncJobBatchPeriod);
//  - a pod whose Job is gone or finished, or that lost its owner, still holding the tracking
//    finalizer goes to the orphan queue, which removes the finalizer so the pod can be deleted.
// A sync claims the Job's pods (adopting orphans that match the selector, with the tracking
// finalizer), then runs the sync steps.

import { deepEqual } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import { selectorFromLabelSelector, type Selector } from '../../api/labels.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { WorkQueue } from '../../client/work-queue.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Clock } from '../../util/clock.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { ControllerRefManager, getControllerOf, recheckDeletionTimestamp } from '../shared/controller-ref.js';
import { ControllerExpectations } from '../shared/expectations.js';
import { BackoffStore } from './backoff.js';
import { isJobFinished } from './conditions.js';
import { FinalizerExpectations, type JobApi, type JobSyncEnv } from './env.js';
import { hasTrackingFinalizer } from './job-pods.js';
import { JobSyncer, managedByExternal } from './sync-job.js';
import { API_BACKOFF_MS, COMPONENT, FIELD_MANAGER, JOB_GVK, JOB_TRACKING_FINALIZER, MAX_API_BACKOFF_MS, SYNC_BATCH_PERIOD_MS, withGvk, type Job, type Pod } from './types.js';

/** ConcurrentJobSyncs. */
const WORKERS = 5;
/** Pod index: namespace of pods without a controller (adoption candidates). */
const ORPHANS_INDEX = 'job-controller/orphans-by-namespace';

const orphansByNamespace = (o: KObject) => (getControllerOf(o) ? [] : [o.metadata.namespace ?? '']);
const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

export interface JobControllerOptions {
  /** syncJobBatchPeriod (ms). */
  batchPeriodMs?: number;
  workers?: number;
}

export class JobController implements Controller {
  readonly name = 'job';
  private readonly jobWorkers: KeyedWorkers;
  private readonly orphanWorkers: KeyedWorkers;
  /** The live Job queue (a fresh one after each restart). */
  get queue(): WorkQueue {
    return this.jobWorkers.queue;
  }
  /** Pods whose tracking finalizer may have to go (a fresh queue after each restart). */
  get orphanQueue(): WorkQueue {
    return this.orphanWorkers.queue;
  }
  readonly expectations: ControllerExpectations;
  readonly finalizerExpectations = new FinalizerExpectations();
  readonly backoff = new BackoffStore();
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer;
  private readonly jobClient: ResourceClient<Job>;
  private readonly podClient: ResourceClient;
  private readonly clock: Clock;
  private readonly syncer: JobSyncer;
  private readonly batchMs: number;
  private readonly workerCount: number;
  /** Parsed selectors by Job uid, reused while the resourceVersion is unchanged. */
  private readonly selectors = new Map<string, { rv: string; selector: Selector | undefined }>();
  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    this.clock = ctx.clock;
    this.batchMs = opts.batchPeriodMs ?? SYNC_BATCH_PERIOD_MS;
    this.workerCount = opts.workers ?? WORKERS;
    // A conflict only means our cache was behind our own last write: retried quietly.
    const log = (what: string) => (key: string, err: unknown) => {
      if (!(err instanceof ApiError && err.code === 409)) console.error(`${COMPONENT}: ${what} ${key}: ${(err as Error)?.message ?? err}`);
    };
    // The Job queue's rate limiter: per-key exponential back-off only (DefaultJobApiBackOff..MaxJobApiBackOff).
    const rateLimits = { baseDelayMs: API_BACKOFF_MS, maxDelayMs: MAX_API_BACKOFF_MS, qps: 1e9, burst: 1e9 };
    // After a leadership loss both queues start over from the caches (level-triggered): every Job,
    // and every pod that still carries the tracking finalizer.
    this.jobWorkers = new KeyedWorkers({ clock: ctx.clock, workers: this.workerCount, rateLimits, reconcile: (key) => this.sync(key), allKeys: () => this.jobs.store.keys(), onError: log('syncing job') });
    this.orphanWorkers = new KeyedWorkers({
      clock: ctx.clock,
      workers: 1,
      rateLimits,
      reconcile: (key) => this.syncOrphanPod(key),
      allKeys: () => this.pods.store.list().filter(hasTrackingFinalizer).map(objectKeyOf),
      onError: log('syncing orphan pod'),
    });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.jobs = ctx.informers.for<Job>(R.jobs);
    this.pods = ctx.informers.for(R.pods);
    this.jobClient = new ResourceClient<Job>(ctx.client, R.jobs);
    this.podClient = new ResourceClient(ctx.client, R.pods);
    const api: JobApi = {
      createPod: (ns, pod) => this.podClient.create(ns, pod, { fieldManager: FIELD_MANAGER }),
      deletePod: async (ns, name) => void (await this.podClient.delete(ns, name)),
      removeTrackingFinalizer: (pod) => this.removeFinalizer(pod),
      updateJobStatus: (job) => this.jobClient.updateStatus(withGvk(job), { fieldManager: FIELD_MANAGER }),
    };
    const env: JobSyncEnv = {
      clock: ctx.clock,
      api,
      recorder: ctx.recorder(COMPONENT),
      expectations: this.expectations,
      finalizerExpectations: this.finalizerExpectations,
      backoff: this.backoff,
      enqueueAfter: (key, ms) => this.queue.addAfter(key, ms),
    };
    this.syncer = new JobSyncer(env);
  }

  setup(): void {
    this.pods.store.addIndex(ORPHANS_INDEX, orphansByNamespace);
    this.jobs.addHandler({
      add: (j) => this.queue.add(objectKeyOf(j)),
      update: (old, cur) => this.onJobUpdate(old, cur),
      delete: (j) => this.onJobDelete(j),
    });
    this.pods.addHandler({
      add: (p) => this.onPodAdd(p),
      update: (old, cur) => this.onPodUpdate(old, cur),
      delete: (p) => this.onPodDelete(p, true),
    });
  }

  start(): void {
    this.jobWorkers.start();
    this.orphanWorkers.start();
  }

  stop(): void {
    this.jobWorkers.stop();
    this.orphanWorkers.stop();
  }

  /** Resolves when the workers exit after stop() (tests). */
  async stopped(): Promise<void> {
    await Promise.all([this.jobWorkers.stopped(), this.orphanWorkers.stopped()]);
  }

  // ---- handlers -----------------------------------------------------------------------------------

  private enqueueBatched(job: Job): void {
    this.queue.addAfter(objectKeyOf(job), this.batchMs);
  }

  private resolve(namespace: string | undefined, ref: OwnerReference): Job | undefined {
    if (ref.kind !== JOB_GVK.kind) return undefined;
    const j = this.jobs.store.get(`${namespace}/${ref.name}`);
    return j && j.metadata.uid === ref.uid ? j : undefined;
  }

  private selectorOf(job: Job): Selector | undefined {
    const uid = job.metadata.uid ?? '';
    const rv = job.metadata.resourceVersion ?? '';
    const hit = this.selectors.get(uid);
    if (hit && hit.rv === rv) return hit.selector;
    let selector: Selector | undefined;
    try {
      selector = selectorFromLabelSelector(job.spec?.selector);
    } catch {
      selector = undefined;
    }
    this.selectors.set(uid, { rv, selector });
    return selector;
  }

  /** getPodJobs: Jobs of the pod's namespace whose (non-empty) selector matches it. */
  private podJobs(pod: Pod): Job[] {
    const out: Job[] = [];
    for (const j of this.jobs.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      const s = this.selectorOf(j);
      if (s && !s.empty() && s.matches(pod.metadata.labels)) out.push(j);
    }
    return out;
  }

  private onJobUpdate(old: Job, cur: Job): void {
    const key = objectKeyOf(cur);
    if (old.metadata.uid !== cur.metadata.uid) {
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
    }
    // A spec change is acted on at once; status updates (ours, mostly) are batched.
    if (cur.metadata.generation === old.metadata.generation) this.enqueueBatched(cur);
    else this.queue.add(key);
    // Backup: a finished Job must not leave finalizers behind.
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const start = cur.status?.startTime;
    const ads = cur.spec?.activeDeadlineSeconds;
    if (start && typeof ads === 'number' && ads !== old.spec?.activeDeadlineSeconds) {
      this.queue.addAfter(key, ads * 1000 - (this.clock.now().getTime() - Date.parse(start)));
    }
  }

  private onJobDelete(job: Job): void {
    this.queue.add(objectKeyOf(job));
    this.selectors.delete(job.metadata.uid ?? '');
    this.cleanupPodFinalizers(job);
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // A restarted controller can see a pod that is already going away as new.
      this.onPodDelete(pod, false);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const job = this.resolve(pod.metadata.namespace, ref);
      if (!job) return;
      this.expectations.creationObserved(objectKeyOf(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKeyOf(pod));
    for (const j of this.podJobs(pod)) this.enqueueBatched(j);
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion shows first as an update: count the deletion now.
      this.onPodDelete(cur, false);
      return;
    }
    const finalizerRemoved = !hasTrackingFinalizer(cur);
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    const uid = cur.metadata.uid ?? '';
    if (refChanged && oldRef) {
      const j = this.resolve(old.metadata.namespace, oldRef);
      if (j) {
        if (finalizerRemoved) this.finalizerExpectations.removalObserved(objectKeyOf(j), uid);
        this.enqueueBatched(j);
      }
    }
    if (curRef) {
      const j = this.resolve(cur.metadata.namespace, curRef);
      if (!j) return;
      if (finalizerRemoved) this.finalizerExpectations.removalObserved(objectKeyOf(j), uid);
      this.enqueueBatched(j);
      return;
    }
    if (hasTrackingFinalizer(cur)) this.orphanQueue.add(objectKeyOf(cur));
    if (refChanged || !deepEqual(cur.metadata.labels ?? {}, old.metadata.labels ?? {})) {
      for (const j of this.podJobs(cur)) this.enqueueBatched(j);
    }
  }

  private onPodDelete(pod: Pod, final: boolean): void {
    const ref = getControllerOf(pod);
    const hasFinalizer = hasTrackingFinalizer(pod);
    if (!ref) {
      // Maybe a Job's pod the garbage collector orphaned.
      if (hasFinalizer) this.orphanQueue.add(objectKeyOf(pod));
      return;
    }
    const job = this.resolve(pod.metadata.namespace, ref);
    if (!job || isJobFinished(job)) {
      // No sync will remove this pod's finalizer.
      if (hasFinalizer) this.orphanQueue.add(objectKeyOf(pod));
      return;
    }
    const key = objectKeyOf(job);
    this.expectations.deletionObserved(key);
    if (final || !hasFinalizer) this.finalizerExpectations.removalObserved(key, pod.metadata.uid ?? '');
    this.enqueueBatched(job);
  }

  /** cleanupPodFinalizers: the Job's pods still holding the finalizer go to the orphan queue. */
  private cleanupPodFinalizers(job: Job): void {
    for (const p of this.pods.store.byIndex('controller', job.metadata.uid ?? '')) {
      if (hasTrackingFinalizer(p)) this.orphanQueue.add(objectKeyOf(p));
    }
  }

  // ---- orphan pods ----------------------------------------------------------------------------------

  private async removeFinalizer(pod: Pod): Promise<void> {
    if (!hasTrackingFinalizer(pod)) return;
    const patch = { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
    await this.podClient.patch(pod.metadata.namespace, pod.metadata.name!, 'strategic', patch, { fieldManager: FIELD_MANAGER });
  }

  /** syncOrphanPod: drop the finalizer of a pod no unfinished Job of ours controls. */
  async syncOrphanPod(key: string): Promise<void> {
    const pod = this.pods.store.get(key);
    if (!pod) return;
    const ref = getControllerOf(pod);
    if (ref) {
      // Another kind's pod: not ours to touch.
      if (ref.kind !== JOB_GVK.kind || ref.apiVersion !== JOB_GVK.apiVersion) return;
      const job = this.resolve(pod.metadata.namespace, ref);
      if (job && managedByExternal(job)) return;
      // Adopted, or still counted by a running Job.
      if (job && !isJobFinished(job)) return;
    }
    try {
      await this.removeFinalizer(pod);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- sync -------------------------------------------------------------------------------------------

  /** Owned pods (any phase) plus orphans of the namespace: the claim candidates. */
  private candidates(job: Job): Pod[] {
    return [...this.pods.store.byIndex('controller', job.metadata.uid ?? ''), ...this.pods.store.byIndex(ORPHANS_INDEX, job.metadata.namespace ?? '')];
  }

  /** getPodsForJob: claim; adopted pods also get the tracking finalizer. */
  private async podsForJob(job: Job): Promise<Pod[]> {
    const selector = selectorFromLabelSelector(job.spec?.selector);
    const ns = job.metadata.namespace;
    const refs = new ControllerRefManager({
      owner: job,
      gvk: JOB_GVK,
      selector,
      resource: this.podClient,
      fieldManager: FIELD_MANAGER,
      canAdopt: recheckDeletionTimestamp('Job', job, () => this.jobClient.get(ns, job.metadata.name!)),
    });
    const { claimed, errors } = await refs.claim(this.candidates(job));
    const uid = job.metadata.uid;
    const out: Pod[] = [];
    const adoptedWithoutFinalizer: Pod[] = [];
    for (const p of claimed) {
      // Adopted just now: the cached pod did not reference us yet.
      const adopted = !this.pods.store.get(objectKeyOf(p))?.metadata.ownerReferences?.some((r) => r.uid === uid);
      if (adopted && !hasTrackingFinalizer(p)) adoptedWithoutFinalizer.push(p);
      else out.push(p);
    }
    await Promise.all(
      adoptedWithoutFinalizer.map(async (p) => {
        try {
          out.push(await this.podClient.patch(p.metadata.namespace, p.metadata.name!, 'strategic', { metadata: { finalizers: [JOB_TRACKING_FINALIZER] } }, { fieldManager: FIELD_MANAGER }));
        } catch (err) {
          if (!isNotFound(err)) errors.push(err as Error);
        }
      }),
    );
    if (errors.length) throw errors[0];
    return out;
  }

  async sync(key: string): Promise<void> {
    const job = this.jobs.store.get(key);
    if (!job) {
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
      this.backoff.remove(key);
      return;
    }
    if (managedByExternal(job)) return;
    if (isJobFinished(job)) {
      this.backoff.remove(key);
      return;
    }
    // Expectations are checked before listing pods: a pod arriving in between defers the sync.
    const satisfied = this.expectations.satisfied(key);
    let pods: Pod[];
    try {
      pods = await this.podsForJob(job);
    } catch (err) {
      if (err instanceof ApiError && err.code === 400) {
        // An invalid selector: only a spec change can fix it.
        console.error(`${COMPONENT}: ${key}: ${err.message}`);
        return;
      }
      throw err;
    }
    await this.syncer.sync(key, job, pods, satisfied);
  }
}
