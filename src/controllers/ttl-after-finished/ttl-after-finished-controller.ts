// The TTL-after-finished controller (pkg/controller/ttlafterfinished, v1.32): a Job with
// spec.ttlSecondsAfterFinished is deleted that many seconds after it finished (the
// lastTransitionTime of its Complete or Failed condition). Before deleting, the Job is read afresh
// (the cached TTL may be stale); the delete cascades in the foreground (upstream's policy: the Job
// stays, "Terminating", until the garbage collector has removed its pods) and is conditioned on
// the uid, so a new Job of the same name is never hit. No events are recorded.

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import type { Clock } from '../../util/clock.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';

/** ConcurrentTTLSyncs. */
const WORKERS = 5;

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string | null;
}

function finishedCondition(job: KObject): Condition | undefined {
  return ((job.status?.conditions ?? []) as Condition[]).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** needsCleanup: a TTL is set and the Job finished. */
export function needsCleanup(job: KObject): boolean {
  return typeof job.spec?.ttlSecondsAfterFinished === 'number' && finishedCondition(job) !== undefined;
}

/**
 * ms until the Job's TTL expires (≤ 0: expired). Throws when the finished condition has no
 * transition time (jobFinishTime's error).
 */
export function ttlRemainingMs(job: KObject, now: Date): number {
  const c = finishedCondition(job);
  if (!c) throw new Error(`unable to find the status of the finished Job ${job.metadata.namespace}/${job.metadata.name}`);
  const finishAt = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (Number.isNaN(finishAt)) throw new Error(`unable to find the time when the Job ${job.metadata.namespace}/${job.metadata.name} finished`);
  // A finish time in the future (clock skew) just defers the cleanup.
  return finishAt + (job.spec.ttlSecondsAfterFinished as number) * 1000 - now.getTime();
}

export class TtlAfterFinishedController extends KeyedController implements Controller {
  readonly name = 'ttl-after-finished';
  protected readonly keyed: KeyedWorkers;
  private readonly jobs: Informer;
  private readonly jobClient: ResourceClient;
  private readonly clock: Clock;

  constructor(ctx: ControllerContext) {
    super();
    this.clock = ctx.clock;
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      // After a leadership loss: the finished Jobs still waiting for their TTL.
      allKeys: () => this.jobs.store.list().filter((j) => !j.metadata.deletionTimestamp && needsCleanup(j)).map(objectKeyOf),
      onError: (key, err) => console.error(`ttl-after-finished-controller: cleaning up Job ${key}: ${(err as Error)?.message ?? err}`),
    });
    this.jobs = ctx.informers.for(R.jobs);
    this.jobClient = new ResourceClient(ctx.client, R.jobs);
  }

  setup(): void {
    const consider = (job: KObject) => {
      if (!job.metadata.deletionTimestamp && needsCleanup(job)) this.queue.add(objectKeyOf(job));
    };
    this.jobs.addHandler({ add: consider, update: (_old, cur) => consider(cur) });
  }

  /** processJob: returns a requeue time while the TTL has not expired. */
  async sync(key: string): Promise<void | { requeueAfterMs: number }> {
    const job = this.jobs.store.get(key);
    if (!job || job.metadata.deletionTimestamp || !needsCleanup(job)) return;
    const left = ttlRemainingMs(job, this.clock.now());
    if (left > 0) return { requeueAfterMs: left };
    let fresh: KObject;
    try {
      fresh = await this.jobClient.get(job.metadata.namespace, job.metadata.name!);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (fresh.metadata.deletionTimestamp || !needsCleanup(fresh)) return;
    const freshLeft = ttlRemainingMs(fresh, this.clock.now());
    if (freshLeft > 0) return { requeueAfterMs: freshLeft };
    try {
      await this.jobClient.delete(fresh.metadata.namespace, fresh.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
