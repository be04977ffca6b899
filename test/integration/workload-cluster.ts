// A small in-process cluster for the DaemonSet and StatefulSet integration tests: API server over
// a memory store, the real scheduler, sim node agents (more can join later), and a controller
// manager with the controllers under test plus the garbage collector. Helpers poll with deadlines.

import type { KObject } from '../../src/api/types.js';
import type { ControlPlane } from '../../src/apiserver/control-plane.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import type { RestClient, WatchEvent, WatchHandle } from '../../src/client/rest-client.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import type { ControllerFactory, ControllerManager } from '../../src/controllers/runtime/manager.js';
import type { Kubelet } from '../../src/kubelet/index.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { controllerUid, InProcessCluster } from './in-process-cluster.js';

export { controllerUid, eventually, getOrUndefined } from './in-process-cluster.js';

export const NS = 'default';

export class TestCluster {
  private cluster!: InProcessCluster;
  cp!: ControlPlane;
  client!: RestClient;
  manager!: ControllerManager;
  scheduler!: Scheduler;
  readonly kubelets = new Map<string, Kubelet>();
  pods!: ResourceClient;
  nodes!: ResourceClient;
  events!: ResourceClient;
  revisions!: ResourceClient;
  claims!: ResourceClient;

  async start(nodeNames: string[], factories: ControllerFactory[]): Promise<void> {
    this.cluster = await InProcessCluster.start();
    this.cp = this.cluster.cp;
    this.client = this.cluster.client;
    this.pods = this.cluster.resource(R.pods);
    this.nodes = this.cluster.resource(R.nodes);
    this.events = this.cluster.resource(R.events);
    this.revisions = this.cluster.resource(R.controllerrevisions);
    this.claims = this.cluster.resource(R.persistentvolumeclaims);
    for (const n of nodeNames) await this.addNode(n);
    this.scheduler = await this.cluster.startScheduler();
    this.manager = await this.cluster.startControllers([...factories, garbageCollectorFactory]);
  }

  /** A sim node agent with its own connection (each holds long-lived watches, as a real kubelet does). */
  async addNode(name: string, labels?: Record<string, string>): Promise<void> {
    this.kubelets.set(name, await this.cluster.addNode(name, { labels, ownClient: true }));
  }

  stop(): Promise<void> {
    return this.cluster.stop();
  }

  /** Pods controlled by `owner` (terminating ones too unless `active`), sorted by name. */
  async ownedPods(owner: KObject, active = true): Promise<KObject[]> {
    const list = await this.pods.list(owner.metadata.namespace ?? NS);
    return list.items
      .filter((p) => controllerUid(p) === owner.metadata.uid && (!active || !p.metadata.deletionTimestamp))
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  }

  async eventsOf(owner: KObject, reason?: string): Promise<KObject[]> {
    return (await this.events.list(owner.metadata.namespace ?? NS)).items.filter((e) => e.involvedObject?.uid === owner.metadata.uid && (reason === undefined || e.reason === reason));
  }

  /** ControllerRevisions controlled by `owner`, by revision number. */
  async revisionsOf(owner: KObject): Promise<KObject[]> {
    const list = await this.revisions.list(owner.metadata.namespace ?? NS);
    return list.items.filter((r) => controllerUid(r) === owner.metadata.uid).sort((a, b) => a.revision - b.revision);
  }

  /** Lists then watches pods of a namespace; `events` starts with the listed pods as ADDED, then every event in order. */
  watchPods(labelSelector: string, ns = NS): { events: WatchEvent[]; stop(): void; ready: Promise<void> } {
    const events: WatchEvent[] = [];
    let handle: WatchHandle | undefined;
    const ready = (async () => {
      const list = await this.pods.list(ns, { labelSelector });
      for (const p of list.items) events.push({ type: 'ADDED', object: p });
      handle = this.pods.watch(ns, { labelSelector, resourceVersion: list.metadata.resourceVersion }, (ev) => events.push(ev));
    })();
    return { events, ready, stop: () => handle?.stop() };
  }
}

export const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
