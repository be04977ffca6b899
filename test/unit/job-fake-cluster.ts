// An in-memory stand-in for the API server and the node agents, for Job sync unit tests: pods
// with finalizers and graceful deletion, Job status writes checked by the real status validation
// (so every transition the controller makes is one the API accepts), events, and the informer's
// part in expectations. Time is a VirtualClock the tests move.

import { cloneJson } from '../../src/api/equality.js';
import { ApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import { ControllerExpectations } from '../../src/controllers/shared/expectations.js';
import { BackoffStore } from '../../src/controllers/job/backoff.js';
import { FinalizerExpectations, type JobApi } from '../../src/controllers/job/env.js';
import { JobSyncer } from '../../src/controllers/job/sync-job.js';
import { JOB_TRACKING_FINALIZER, type Job, type JobSpec, type JobStatus } from '../../src/controllers/job/types.js';
import { validateJobStatusUpdate } from '../../src/kinds/batch/job-status-validation.js';
import { rfc3339, VirtualClock } from '../../src/util/clock.js';

export const KEY = 'default/pi';

export function newJob(spec: Partial<JobSpec> = {}, status?: JobStatus): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid', generation: 1, resourceVersion: '1', creationTimestamp: '2026-01-05T00:00:00Z', labels: { app: 'pi' } },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      manualSelector: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: {
        metadata: { labels: { app: 'pi', 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'pi' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'] }] },
      },
      ...spec,
    },
    status: status ?? {},
  };
}

export interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

export class FakeJobCluster implements JobApi {
  readonly clock: VirtualClock;
  job: Job;
  readonly pods = new Map<string, KObject>();
  readonly events: RecordedEvent[] = [];
  /** Every status the controller wrote, in order. */
  readonly writes: JobStatus[] = [];
  /** (ms) the controller asked to be requeued after. */
  readonly requeues: number[] = [];
  readonly expectations: ControllerExpectations;
  readonly finalizerExpectations = new FinalizerExpectations();
  readonly backoff = new BackoffStore();
  readonly syncer: JobSyncer;
  private seq = 0;

  constructor(job: Job, start = Date.parse('2026-01-05T00:00:00Z')) {
    this.clock = new VirtualClock(start);
    this.job = job;
    this.expectations = new ControllerExpectations(this.clock);
    this.syncer = new JobSyncer({
      clock: this.clock,
      api: this,
      recorder: { event: (_o, type, reason, message) => this.events.push({ type, reason, message }) },
      expectations: this.expectations,
      finalizerExpectations: this.finalizerExpectations,
      backoff: this.backoff,
      enqueueAfter: (_key, ms) => this.requeues.push(ms),
    });
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }

  // ---- JobApi ------------------------------------------------------------------------------------

  async createPod(namespace: string, pod: KObject): Promise<KObject> {
    const n = ++this.seq;
    const name = `${pod.metadata.generateName}${String(n).padStart(5, 'x')}`;
    const stored: KObject = { ...cloneJson(pod), metadata: { ...cloneJson(pod.metadata), name, namespace, uid: `pod-${n}`, resourceVersion: String(n), creationTimestamp: this.now() } };
    delete stored.metadata.generateName;
    stored.status = { phase: 'Pending' };
    this.pods.set(name, stored);
    // The informer shows the new pod.
    this.expectations.creationObserved(KEY);
    return cloneJson(stored);
  }

  async deletePod(_ns: string, name: string): Promise<void> {
    const p = this.pods.get(name);
    if (!p) throw new ApiError(404, 'NotFound', `pods "${name}" not found`);
    // Graceful: the pod stays until its containers stop (kill()), and while finalizers remain.
    if (!p.metadata.deletionTimestamp) {
      p.metadata.deletionTimestamp = this.now();
      p.metadata.deletionGracePeriodSeconds = 30;
    }
    this.expectations.deletionObserved(KEY);
  }

  async removeTrackingFinalizer(pod: KObject): Promise<void> {
    const p = this.pods.get(pod.metadata.name!);
    if (!p) throw new ApiError(404, 'NotFound', `pods "${pod.metadata.name}" not found`);
    p.metadata.finalizers = (p.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    this.finalizerExpectations.removalObserved(KEY, p.metadata.uid!);
    this.gc(p);
  }

  async updateJobStatus(job: Job): Promise<Job> {
    if (job.metadata.resourceVersion !== this.job.metadata.resourceVersion) throw new ApiError(409, 'Conflict', 'the object has been modified');
    const next: Job = { ...cloneJson(this.job), status: cloneJson(job.status ?? {}) };
    const errs = validateJobStatusUpdate(next, this.job);
    if (errs.length) throw new ApiError(422, 'Invalid', `Job.batch "pi" is invalid: ${errs.map((e) => `${e.field}: ${e.detail ?? e.type}`).join(', ')}`);
    next.metadata.resourceVersion = String(Number(this.job.metadata.resourceVersion) + 1);
    this.job = next;
    this.writes.push(cloneJson(next.status ?? {}));
    return cloneJson(next);
  }

  // ---- the world ---------------------------------------------------------------------------------

  /** A pod being deleted goes once terminal and free of finalizers. */
  private gc(p: KObject): void {
    if (p.metadata.deletionTimestamp && !p.metadata.finalizers?.length && (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')) this.pods.delete(p.metadata.name!);
  }

  /** One controller sync, as the work queue would run it. */
  async sync(): Promise<void> {
    const satisfied = this.expectations.satisfied(KEY);
    const owned = [...this.pods.values()].filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === this.job.metadata.uid)).map((p) => cloneJson(p));
    await this.syncer.sync(KEY, cloneJson(this.job), owned, satisfied);
  }

  /** The user changes the spec (generation bump). */
  updateSpec(change: Partial<JobSpec>): void {
    this.job = { ...this.job, spec: { ...this.job.spec, ...change }, metadata: { ...this.job.metadata, generation: (this.job.metadata.generation ?? 1) + 1, resourceVersion: String(Number(this.job.metadata.resourceVersion) + 1) } };
  }

  podList(): KObject[] {
    return [...this.pods.values()];
  }

  active(): KObject[] {
    return this.podList().filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  }

  pod(name: string): KObject {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  /** The kubelet starts the pod's containers (Ready). */
  run(name: string, restartCount = 0): void {
    const p = this.pod(name);
    p.status = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: this.now() }],
      containerStatuses: [{ name: 'c', ready: true, restartCount, state: { running: { startedAt: this.now() } } }],
    };
  }

  /** The containers exit: code 0 = Succeeded, else Failed. */
  exit(name: string, exitCode = 0, extraConditions: { type: string; status: string }[] = []): void {
    const p = this.pod(name);
    const t = this.now();
    p.status = {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions: [...extraConditions, { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: t }],
      containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: t } } }],
    };
    this.gc(p);
  }

  /** The kubelet kills a pod being deleted (SIGTERM honoured: exit 137 = Failed). */
  kill(name: string): void {
    this.exit(name, 137);
  }

  conditions(): string[] {
    return (this.job.status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`);
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }
}
