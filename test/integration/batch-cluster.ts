// An in-process cluster for the Job and CronJob integration tests: the API server over a memory
// store, the real scheduler, sim node agents, and a controller manager with the Job, CronJob,
// TTL-after-finished controllers and the garbage collector. Everything shares one clock; with a
// VirtualClock the test makes time pass faster (`speed`) so that back-offs, TTLs and cron minutes
// take moments. Helpers poll the API with real-time deadlines.

import type { KObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/control-plane.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { RestClient } from '../../src/client/rest-client.js';
import { cronJobControllerFactory } from '../../src/controllers/cronjob/index.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { jobControllerFactory } from '../../src/controllers/job/index.js';
import { ControllerManager } from '../../src/controllers/runtime/manager.js';
import { ttlAfterFinishedControllerFactory } from '../../src/controllers/ttl-after-finished/index.js';
import { createRuntime, Kubelet } from '../../src/kubelet/index.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import { VirtualClock, type Clock } from '../../src/util/clock.js';

export const NS = 'default';

export interface BatchClusterOptions {
  /** Virtual seconds per real second (undefined: real time). */
  speed?: number;
  nodes?: number;
}

export class BatchCluster {
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
    this.cp = await startControlPlane({ store: new MemoryStore(), host: '127.0.0.1', port: 0, tokens: [], clock: this.clock });
    this.client = new RestClient({ server: `http://127.0.0.1:${this.cp.server.port}` });
    this.jobs = new ResourceClient(this.client, R.jobs);
    this.cronjobs = new ResourceClient(this.client, R.cronjobs);
    this.pods = new ResourceClient(this.client, R.pods);
    this.events = new ResourceClient(this.client, R.events);
    for (let i = 1; i <= (this.opts.nodes ?? 2); i++) {
      const k = new Kubelet({ client: this.client, nodeName: `node-${i}`, runtime: createRuntime('sim', { clock: this.clock }), clock: this.clock, log: () => {} });
      this.kubelets.push(k);
      await k.start();
    }
    this.scheduler = new Scheduler({ client: this.client, clock: this.clock, onError: () => {} });
    await this.scheduler.start();
    await this.startControllers();
  }

  /** A fresh controller manager (its own informers, queues and in-memory state), as after a restart. */
  async startControllers(): Promise<void> {
    this.manager = new ControllerManager({ client: this.client, clock: this.clock, leaderElection: false }, [
      jobControllerFactory,
      cronJobControllerFactory,
      ttlAfterFinishedControllerFactory,
      garbageCollectorFactory,
    ]);
    await this.manager.start();
  }

  stopControllers(): void {
    this.manager.stop();
  }

  async stop(): Promise<void> {
    this.manager.stop();
    this.scheduler.stop();
    await Promise.all(this.kubelets.map((k) => k.stop({ killPods: true })));
    if (this.ticker) clearInterval(this.ticker);
    this.client.close();
    await this.cp.stop();
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

export const controllerUid = (o: KObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;

export function condition(obj: KObject | undefined, type: string): KObject | undefined {
  return (obj?.status?.conditions ?? []).find((c: KObject) => c.type === type && c.status === 'True');
}

/** Polls `check` until it returns something other than undefined/false, or fails after `ms` (real time). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function getOrUndefined(rc: ResourceClient, ns: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await rc.get(ns, name);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
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
