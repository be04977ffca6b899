// An in-process cluster for the Job and CronJob integration tests: the API server over a memory
// store, the real scheduler, sim node agents, and a controller manager with the Job, CronJob,
// TTL-after-finished controllers and the garbage collector. Everything shares one clock; with a
// VirtualClock the test makes time pass faster (`speed`) so that back-offs, TTLs and cron minutes
// take moments. Helpers poll the API with real-time deadlines.

import type { KObject } from '../../src/api/types.js';
import type { ControlPlane } from '../../src/apiserver/control-plane.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { cronJobControllerFactory } from '../../src/controllers/cronjob/index.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { jobControllerFactory } from '../../src/controllers/job/index.js';
import type { ControllerManager } from '../../src/controllers/runtime/manager.js';
import { ttlAfterFinishedControllerFactory } from '../../src/controllers/ttl-after-finished/index.js';
import type { Kubelet } from '../../src/kubelet/index.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { VirtualClock, type Clock } from '../../src/util/clock.js';
import { controllerUid, eventually as poll, InProcessCluster } from './in-process-cluster.js';

export { controllerUid, getOrUndefined } from './in-process-cluster.js';

export const NS = 'default';

export interface BatchClusterOptions {
  /** Virtual seconds per real second (undefined: real time). */
  speed?: number;
  nodes?: number;
}

export class BatchCluster {
  private cluster!: InProcessCluster;
  cp!: ControlPlane;
  client!: RestClient;
  manager!: ControllerManager;
  scheduler!: Scheduler;
  readonly kubelets: Kubelet[] = [];
  readonly clock: Clock;
  readonly virtual?: VirtualClock;
  jobs!: ResourceClient;
  cronjobs!: ResourceClient;
  pods!: ResourceClient;
  events!: ResourceClient;
  private ticker?: NodeJS.Timeout;

  constructor(private readonly opts: BatchClusterOptions = {}) {
    if (opts.speed) {
      this.virtual = new VirtualClock(Date.now());
      this.clock = this.virtual;
    } else {
      this.clock = { now: () => new Date(), setTimer: (ms, fn) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } };
    }
  }

  async start(): Promise<void> {
    if (this.virtual) {
      // 5 ms real steps.
      const step = (this.opts.speed! * 5) | 0;
      this.ticker = setInterval(() => this.virtual!.advance(step), 5);
    }
    this.cluster = await InProcessCluster.start({ clock: this.clock });
    this.cp = this.cluster.cp;
    this.client = this.cluster.client;
    this.jobs = this.cluster.resource(R.jobs);
    this.cronjobs = this.cluster.resource(R.cronjobs);
    this.pods = this.cluster.resource(R.pods);
    this.events = this.cluster.resource(R.events);
    for (let i = 1; i <= (this.opts.nodes ?? 2); i++) this.kubelets.push(await this.cluster.addNode(`node-${i}`));
    this.scheduler = await this.cluster.startScheduler();
    await this.startControllers();
  }

  /** A fresh controller manager (its own informers, queues and in-memory state), as after a restart. */
  async startControllers(): Promise<void> {
    this.manager = await this.cluster.startControllers([
      jobControllerFactory,
      cronJobControllerFactory,
      ttlAfterFinishedControllerFactory,
      garbageCollectorFactory,
    ]);
  }

  stopControllers(): void {
    this.manager.stop();
  }

  async stop(): Promise<void> {
    // The virtual clock keeps running until everything (pods being killed included) has stopped.
    await this.cluster.stop({ killPods: true });
    if (this.ticker) clearInterval(this.ticker);
  }

  /** Pods controlled by `owner` (any phase), sorted by name. */
  async podsOf(owner: KObject): Promise<KObject[]> {
    const list = await this.pods.list(owner.metadata.namespace ?? NS);
    return list.items.filter((p) => controllerUid(p) === owner.metadata.uid).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  }

  async jobsOf(cronJob: KObject): Promise<KObject[]> {
    const list = await this.jobs.list(cronJob.metadata.namespace ?? NS);
    return list.items.filter((j) => controllerUid(j) === cronJob.metadata.uid).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  }

  async eventsOf(obj: KObject, reason?: string): Promise<KObject[]> {
    const list = await this.events.list(obj.metadata.namespace ?? NS);
    return list.items
      .filter((e) => e.involvedObject?.uid === obj.metadata.uid && (reason === undefined || e.reason === reason))
      .sort((a, b) => String(a.firstTimestamp).localeCompare(String(b.firstTimestamp)));
  }
}

export function condition(obj: KObject | undefined, type: string): KObject | undefined {
  return (obj?.status?.conditions ?? []).find((c: KObject) => c.type === type && c.status === 'True');
}

/** Polls `check` until it returns something other than undefined/false, or fails after `ms` (real time). */
export function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  return poll(what, check, ms);
}

/** A Job as `kubectl create job NAME --image=busybox -- sh -c SCRIPT` would send it, with extras. */
export function jobObject(name: string, script: string, spec: Record<string, unknown> = {}, restartPolicy = 'Never'): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy, containers: [{ name: name, image: 'busybox:1.36', command: ['sh', '-c', script] }] } } },
  };
}
