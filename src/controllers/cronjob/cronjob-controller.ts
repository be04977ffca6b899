// The CronJob controller (CronJobControllerV2, pkg/controller/cronjob/cronjob_controllerv2.go,
// v1.32): a work queue of CronJob keys, each synced when it or one of its Jobs changes and again
// just after its next schedule time (on the injected clock). The sync is in sync-cronjob.ts.

import { deepEqual } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import { objectKeyOf, type Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { Clock } from '../../util/clock.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { getControllerOf } from '../shared/controller-ref.js';
import { CRONJOB_GVK } from './job-from-template.js';
import { CronJobSyncer, requeueForScheduleChange, type CronJob, type CronJobApi } from './sync-cronjob.js';

export const COMPONENT = 'cronjob-controller';
const FIELD_MANAGER = 'kube-controller-manager';
/** ConcurrentCronJobSyncs. */
const WORKERS = 5;
/** Job index: `<namespace>/<name>` of the controlling CronJob (getJobsToBeReconciled matches by name). */
const BY_CRONJOB = 'cronjob-controller/by-cronjob';

const byCronJob = (o: KObject) => {
  const ref = getControllerOf(o);
  return ref && ref.kind === CRONJOB_GVK.kind ? [`${o.metadata.namespace ?? ''}/${ref.name}`] : [];
};

export class CronJobController extends KeyedController implements Controller {
  readonly name = 'cronjob';
  protected readonly keyed: KeyedWorkers;
  readonly syncer: CronJobSyncer;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext) {
    super();
    this.clock = ctx.clock;
    // After a leadership loss: a fresh queue, refilled from the cache (each sync requeues itself).
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.sync(key),
      allKeys: () => this.cronJobs.store.keys(),
      onError: (key, err) => {
        // A conflict only means our cache was behind our own last status write: retried quietly.
        if (err instanceof ApiError && err.code === 409) return;
        console.error(`${COMPONENT}: error syncing CronJobController ${key}, requeuing: ${(err as Error)?.message ?? err}`);
      },
    });
    this.cronJobs = ctx.informers.for<CronJob>(R.cronjobs);
    this.jobs = ctx.informers.for(R.jobs);
    this.recorder = ctx.recorder(COMPONENT);
    const cronJobClient = new ResourceClient<CronJob>(ctx.client, R.cronjobs);
    const jobClient = new ResourceClient(ctx.client, R.jobs);
    const api: CronJobApi = {
      getCronJob: (ns, name) => cronJobClient.get(ns, name),
      getJob: (ns, name) => jobClient.get(ns, name),
      createJob: (ns, job) => jobClient.create(ns, job, { fieldManager: FIELD_MANAGER }),
      deleteJob: async (ns, name) => void (await jobClient.delete(ns, name, { propagationPolicy: 'Background' })),
      updateStatus: (cj) => cronJobClient.updateStatus(cj, { fieldManager: FIELD_MANAGER }),
    };
    this.syncer = new CronJobSyncer({ clock: ctx.clock, api, recorder: this.recorder });
  }

  setup(): void {
    this.jobs.store.addIndex(BY_CRONJOB, byCronJob);
    this.cronJobs.addHandler({
      add: (cj) => this.queue.add(objectKeyOf(cj)),
      update: (old, cur) => this.onCronJobUpdate(old, cur),
      delete: (cj) => this.queue.add(objectKeyOf(cj)),
    });
    this.jobs.addHandler({
      add: (j) => this.enqueueOwner(j),
      update: (old, cur) => this.onJobUpdate(old, cur),
      delete: (j) => this.enqueueOwner(j),
    });
  }

  private resolve(namespace: string | undefined, ref: OwnerReference): CronJob | undefined {
    if (ref.kind !== CRONJOB_GVK.kind) return undefined;
    const cj = this.cronJobs.store.get(`${namespace}/${ref.name}`);
    return cj && cj.metadata.uid === ref.uid ? cj : undefined;
  }

  private enqueueOwner(job: KObject, ref = getControllerOf(job)): void {
    if (!ref) return;
    const cj = this.resolve(job.metadata.namespace, ref);
    if (cj) this.queue.add(objectKeyOf(cj));
  }

  private onJobUpdate(old: KObject, cur: KObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    if (oldRef && !deepEqual(curRef, oldRef)) this.enqueueOwner(old, oldRef);
    this.enqueueOwner(cur, curRef);
  }

  /** A schedule or zone change: come back at the new next time; any other change: sync now. */
  private onCronJobUpdate(old: CronJob, cur: CronJob): void {
    const key = objectKeyOf(cur);
    if (old.spec?.schedule !== cur.spec?.schedule || (old.spec?.timeZone ?? null) !== (cur.spec?.timeZone ?? null)) {
      const r = requeueForScheduleChange(this.syncer, cur, this.clock.now().getTime());
      if (r.error !== undefined) {
        this.recorder.event({ ...cur, ...CRONJOB_GVK }, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cur.spec.schedule}`);
        return;
      }
      if (r.ms !== undefined) this.queue.addAfter(key, r.ms);
      return;
    }
    this.queue.add(key);
  }

  /** Jobs whose controller reference names this CronJob (getJobsToBeReconciled). */
  private jobsOf(cj: CronJob): KObject[] {
    return this.jobs.store.byIndex(BY_CRONJOB, `${cj.metadata.namespace ?? ''}/${cj.metadata.name}`);
  }

  async sync(key: string): Promise<void | { requeueAfterMs?: number }> {
    const cj = this.cronJobs.store.get(key);
    if (!cj) return;
    const r = await this.syncer.sync(cj, this.jobsOf(cj));
    return r.requeueAfterMs === undefined ? undefined : { requeueAfterMs: Math.max(0, r.requeueAfterMs) };
  }
}
