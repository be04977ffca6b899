// A small in-process cluster for the DaemonSet and StatefulSet integration tests: API server over
// a memory store, the real scheduler, sim node agents (more can join later), and a controller
// manager with the controllers under test plus the garbage collector. Helpers poll with deadlines.

import type { KObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/control-plane.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { RestClient, type WatchEvent, type WatchHandle } from '../../src/client/rest-client.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { ControllerManager, type ControllerFactory } from '../../src/controllers/runtime/manager.js';
import { createRuntime, Kubelet } from '../../src/kubelet/index.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';

export const NS = 'default';

export class TestCluster {
  cp!: ControlPlane;
  client!: RestClient;
  manager!: ControllerManager;
  scheduler!: Scheduler;
  readonly kubelets = new Map<string, Kubelet>();
  private readonly nodeClients: RestClient[] = [];
  pods!: ResourceClient;
  nodes!: ResourceClient;
  events!: ResourceClient;
  revisions!: ResourceClient;
  claims!: ResourceClient;

  async start(nodeNames: string[], factories: ControllerFactory[]): Promise<void> {
    this.cp = await startControlPlane({ store: new MemoryStore(), host: '127.0.0.1', port: 0, tokens: [] });
    this.client = new RestClient({ server: `http://127.0.0.1:${this.cp.server.port}` });
    this.pods = new ResourceClient(this.client, R.pods);
    this.nodes = new ResourceClient(this.client, R.nodes);
    this.events = new ResourceClient(this.client, R.events);
    this.revisions = new ResourceClient(this.client, R.controllerrevisions);
    this.claims = new ResourceClient(this.client, R.persistentvolumeclaims);
    for (const n of nodeNames) await this.addNode(n);
    this.scheduler = new Scheduler({ client: this.client, onError: () => {} });
    await this.scheduler.start();
    this.manager = new ControllerManager({ client: this.client, leaderElection: false }, [...factories, garbageCollectorFactory]);
    await this.manager.start();
  }

  /** A sim node agent with its own connection (each holds long-lived watches, as a real kubelet does). */
  async addNode(name: string, labels?: Record<string, string>): Promise<void> {
    const client = new RestClient({ server: `http://127.0.0.1:${this.cp.server.port}` });
    this.nodeClients.push(client);
    const k = new Kubelet({ client, nodeName: name, runtime: createRuntime('sim'), labels, log: () => {} });
    this.kubelets.set(name, k);
    await k.start();
  }

  async stop(): Promise<void> {
    this.manager.stop();
    this.scheduler.stop();
    await Promise.all([...this.kubelets.values()].map((k) => k.stop()));
    for (const nc of this.nodeClients) nc.close();
    this.client.close();
    await this.cp.stop();
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

export const controllerUid = (o: KObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;
export const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

/** Polls `check` until it returns something other than undefined/false, or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
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

/** GET, or undefined on 404. */
export async function getOrUndefined(rc: ResourceClient, ns: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await rc.get(ns, name);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}
