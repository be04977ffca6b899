// The in-process cluster the workload benchmarks share: an API server over a MemoryStore or a
// SqliteStore, the real scheduler, N sim node agents and optionally a controller manager. Every
// component gets its own RestClient, as in `k8ts up` (src/cli/cluster.ts): a client's agent
// holds at most 64 sockets and every informer's watch keeps one, so 100 node agents sharing one
// client would starve each other. The controller manager's client counts its requests, so a
// benchmark can report API requests per pod created.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane, type ControlPlane } from '../src/apiserver/control-plane.js';
import { RestClient, type RequestOptions, type WatchEvent, type WatchHandle } from '../src/client/rest-client.js';
import { controllerFactories } from '../src/controllers/registry.js';
import { ControllerManager } from '../src/controllers/runtime/manager.js';
import { createRuntime, Kubelet } from '../src/kubelet/index.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { MemoryStore } from '../src/storage/memory/memory-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { nodePodCIDR } from '../src/cli/cluster.js';
import type { Store } from '../src/storage/store.js';

export type StoreKind = 'memory' | 'sqlite';

/** A RestClient that counts its requests by method and resource, and the watch events it receives. */
export class CountingClient extends RestClient {
  /** Experiment only: Event writes are counted but answered here instead of being sent. */
  dropEvents = false;
  /** Keyed `METHOD resource[/subresource]`, e.g. `POST pods`, `PATCH replicasets/status`. */
  readonly byRoute = new Map<string, number>();

  override request<T>(method: string, p: string, o: RequestOptions = {}): Promise<T> {
    const route = `${method} ${resourceOf(p)}`;
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    if (this.dropEvents && method !== 'GET' && route.endsWith(' events')) return Promise.resolve((typeof o.body === 'string' ? JSON.parse(o.body) : o.body) as T);
    return super.request<T>(method, p, o);
  }

  /** Watch events received, counted as `WATCH resource` in byRoute. */
  override watch<T>(p: string, query: RequestOptions['query'], onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    const route = `WATCH ${resourceOf(p)}`;
    return super.watch<T>(p, query, (ev) => {
      this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
      onEvent(ev);
    });
  }
}

/** Counts in `after` minus those in `before`. */
export function diffCounts(after: Map<string, number>, before: Map<string, number> = new Map()): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d) out.set(k, d);
  }
  return out;
}

/** `/api/v1/namespaces/default/pods/x/status` -> `pods/status`; `/apis/apps/v1/replicasets` -> `replicasets`. */
export function resourceOf(p: string): string {
  const parts = p.split('?')[0].split('/').filter(Boolean);
  // api/v1/... or apis/<group>/<version>/...
  let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, , sub] = rest;
  return sub ? `${resource}/${sub}` : (resource ?? p);
}

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function sumWrites(counts: Map<string, number>, filter: (route: string) => boolean = () => true): number {
  let n = 0;
  for (const [k, v] of counts) if (WRITE_METHODS.has(k.split(' ')[0]) && filter(k)) n += v;
  return n;
}

export function formatCounts(counts: Map<string, number>): string {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

export interface BenchClusterOptions {
  store: StoreKind;
  nodes: number;
  /**
   * Events on (default), or off: node agents record none (their `events: false`) and the
   * controllers' Event writes are answered by their client without reaching the API server
   * (an experiment to measure what events cost; the scheduler's events are still written).
   */
  events?: boolean;
  /** Pods per node (the node agent's default: 110). */
  podsPerNode?: number;
  /** Start a controller manager with every controller `k8ts up` runs. */
  controllers?: boolean;
}

export class BenchCluster {
  cp!: ControlPlane;
  url!: string;
  /** The benchmark's own client (creates, polls). */
  client!: RestClient;
  scheduler?: Scheduler;
  readonly kubelets: Kubelet[] = [];
  manager?: ControllerManager;
  /** Node agent log lines (errors they report), kept to print a few. */
  readonly agentLog: string[] = [];
  agentLogCount = 0;
  private store!: Store;
  private dir?: string;
  /** Every component's client, by component (`bench`, `kube-scheduler`, `kube-controller-manager`, `kubelet`). */
  private readonly clients: { component: string; client: CountingClient }[] = [];

  constructor(readonly o: BenchClusterOptions) {}

  async start(): Promise<void> {
    if (this.o.store === 'sqlite') {
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-bench-'));
      this.store = SqliteStore.open(path.join(this.dir, 'state.db'));
    } else {
      this.store = new MemoryStore();
    }
    this.cp = await startControlPlane({ store: this.store, host: '127.0.0.1', port: 0, tokens: [] });
    this.url = `http://127.0.0.1:${this.cp.server.port}`;
    this.client = this.newClient('bench');
    this.scheduler = new Scheduler({ client: this.newClient('kube-scheduler'), onError: (m, e) => console.error(`scheduler: ${m}: ${(e as Error)?.message ?? e}`) });
    await this.scheduler.start();
    if (this.o.controllers) {
      const dataDir = this.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-bench-'));
      this.dir = dataDir;
      this.manager = new ControllerManager({ client: this.newClient('kube-controller-manager'), leaderElection: false }, controllerFactories({ dataDir }));
      await this.manager.start();
    }
    const log = (m: string) => {
      this.agentLogCount++;
      if (this.agentLog.length < 5) this.agentLog.push(m);
    };
    await Promise.all(
      Array.from({ length: this.o.nodes }, async (_, i) => {
        const kubelet = new Kubelet({
          client: this.newClient('kubelet'),
          nodeName: `sim-node-${i + 1}`,
          runtime: createRuntime('sim'),
          podCIDR: nodePodCIDR(i + 1),
          events: this.o.events ?? true,
          capacity: this.o.podsPerNode ? { pods: this.o.podsPerNode } : undefined,
          log,
        });
        this.kubelets.push(kubelet);
        await kubelet.start();
      }),
    );
  }

  private newClient(component: string): CountingClient {
    const client = new CountingClient({ server: this.url, userAgent: `${component}/v1.32.4-k8ts` });
    client.dropEvents = this.o.events === false;
    this.clients.push({ component, client });
    return client;
  }

  /** Requests of one component's clients so far, by `METHOD resource[/subresource]`. */
  requests(component: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.clients) {
      if (c.component !== component) continue;
      for (const [k, v] of c.client.byRoute) out.set(k, (out.get(k) ?? 0) + v);
    }
    return out;
  }

  /** Requests of every component so far, by component. */
  allRequests(): Map<string, Map<string, number>> {
    return new Map([...new Set(this.clients.map((c) => c.component))].map((c) => [c, this.requests(c)]));
  }

  /** Status writes the node agents sent so far. */
  statusWrites(): number {
    return this.kubelets.reduce((n, k) => n + k.statusWrites, 0);
  }

  /** Stops the node agents and lets go of them (their pods stay in the API). */
  async stopNodeAgents(): Promise<void> {
    await Promise.all(this.kubelets.splice(0).map((k) => k.stop()));
  }

  stopScheduler(): void {
    this.scheduler?.stop();
    this.scheduler = undefined;
  }

  async stop(): Promise<void> {
    this.manager?.stop();
    this.stopScheduler();
    await this.stopNodeAgents();
    await this.cp.stop();
    for (const c of this.clients) c.client.close();
    if (this.store instanceof SqliteStore) this.store.close();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs fn(0..n-1) with at most `concurrency` calls in flight. */
export async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

/** Polls `check` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, intervalMs: number, timeoutMs: number, progress?: () => Promise<string>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${progress ? `: ${await progress()}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** RSS after a full GC when the process runs with --expose-gc (else as is). */
export function settledRss(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
  return process.memoryUsage().rss;
}
