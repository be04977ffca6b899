// The in-process cluster the integration tests share: an API server over a memory store on a free
// port, a client for the test, and (each optional, started in the order the test calls them) sim
// node agents, the real scheduler and a controller manager. Tests keep their own ordering between
// those steps (e.g. create a namespace before nodes join) and their own assertions; `stop` tears
// down whatever was started, in reverse dependency order. Also the poll-with-deadline helpers.

import type { KObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/control-plane.js';
import { ResourceClient, type ResourceRef } from '../../src/client/resources.js';
import { RestClient } from '../../src/client/rest-client.js';
import { ControllerManager, type ControllerFactory } from '../../src/controllers/runtime/manager.js';
import { createRuntime, Kubelet } from '../../src/kubelet/index.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import type { Clock } from '../../src/util/clock.js';

export interface NodeAgentOptions {
  labels?: Record<string, string>;
  /** Give the agent its own connection (it holds long-lived watches, as a real kubelet does); default: the shared client. */
  ownClient?: boolean;
}

export class InProcessCluster {
  manager?: ControllerManager;
  scheduler?: Scheduler;
  /** Node agents in the order they joined. */
  readonly kubelets: Kubelet[] = [];
  /** Connections opened through `connect`, closed by `stop`. */
  private readonly extraClients: RestClient[] = [];

  private constructor(
    readonly cp: ControlPlane,
    /** The API server's base URL. */
    readonly server: string,
    /** The test's own client. */
    readonly client: RestClient,
    readonly clock?: Clock,
  ) {}

  /**
   * Starts the API server (with `clock`, if given, shared by everything started later).
   * ServiceAccount admission is off unless asked for (it needs the ServiceAccounts controller).
   */
  static async start(opts: { clock?: Clock; serviceAccountAdmission?: boolean } = {}): Promise<InProcessCluster> {
    const cp = await startControlPlane({
      store: new MemoryStore(),
      host: '127.0.0.1',
      port: 0,
      tokens: [],
      ...(opts.clock ? { clock: opts.clock } : {}),
      serviceAccountAdmission: opts.serviceAccountAdmission ?? false,
    });
    const server = `http://127.0.0.1:${cp.server.port}`;
    return new InProcessCluster(cp, server, new RestClient({ server }), opts.clock);
  }

  resource(info: ResourceRef): ResourceClient {
    return new ResourceClient(this.client, info);
  }

  /** A further connection (a RestClient subclass, if given) that `stop` closes. */
  connect<C extends RestClient = RestClient>(make: (server: string) => C = (server) => new RestClient({ server }) as C): C {
    const c = make(this.server);
    this.extraClients.push(c);
    return c;
  }

  /** Starts a sim node agent named `name` and waits for it to register. */
  async addNode(name: string, opts: NodeAgentOptions = {}): Promise<Kubelet> {
    const client = opts.ownClient ? this.connect() : this.client;
    const clock = this.clock;
    const k = new Kubelet({
      client,
      nodeName: name,
      runtime: clock ? createRuntime('sim', { clock }) : createRuntime('sim'),
      ...(clock ? { clock } : {}),
      ...(opts.labels ? { labels: opts.labels } : {}),
      log: () => {},
    });
    this.kubelets.push(k);
    await k.start();
    return k;
  }

  async addNodes(names: readonly string[], opts: NodeAgentOptions = {}): Promise<void> {
    for (const n of names) await this.addNode(n, opts);
  }

  async startScheduler(): Promise<Scheduler> {
    this.scheduler = new Scheduler({ client: this.client, ...(this.clock ? { clock: this.clock } : {}), onError: () => {} });
    await this.scheduler.start();
    return this.scheduler;
  }

  /** Starts a fresh controller manager (as after a restart) running `factories` over `client` (default: the shared one). */
  async startControllers(factories: ControllerFactory[], client: RestClient = this.client): Promise<ControllerManager> {
    this.manager = new ControllerManager({ client, ...(this.clock ? { clock: this.clock } : {}), leaderElection: false }, factories);
    await this.manager.start();
    return this.manager;
  }

  async stop(opts: { killPods?: boolean } = {}): Promise<void> {
    this.manager?.stop();
    this.scheduler?.stop();
    await Promise.all(this.kubelets.map((k) => (opts.killPods ? k.stop({ killPods: true }) : k.stop())));
    for (const c of this.extraClients) c.close();
    this.client.close();
    await this.cp.stop();
  }
}

export const controllerUid = (o: KObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;

/**
 * Polls `check` every `intervalMs` until it returns something other than undefined/false, or fails
 * after `ms` (real time) with the last error `check` threw, if it threw on its last attempt.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000, intervalMs = 25): Promise<T> {
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
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Like `eventually`, but any falsy result (0, '', null too) means "not yet"; polls every 20 ms. */
export function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  return eventually(what, async () => (await fn()) || undefined, timeoutMs, 20) as Promise<T>;
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
