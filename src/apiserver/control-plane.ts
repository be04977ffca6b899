// Assembles the API server over a store: watch cache, object store, context, HTTP(S) server,
// and the objects every cluster starts with. Stopping releases everything in reverse order.

import { apiErr, ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { allKinds } from '../kinds/registry.js';
import type { KindDef } from '../kinds/types.js';
import { getSchema } from '../openapi/schemas.js';
import { KUBE_DNS_NAMESPACE, kubeDnsService } from '../proxy/kube-dns-service.js';
import { resourcePrefix, type Store } from '../storage/store.js';
import { WatchCache } from '../storage/watch-cache.js';
import { realClock, type Clock } from '../util/clock.js';
import { ApiServerContext, PROTECTED_NAMESPACES } from './context.js';
import { advertiseAddress, KubernetesEndpointsReconciler } from './kubernetes-endpoints.js';
import { ObjectStore } from './object-store.js';
import { DEFAULT_EVENT_TTL_MS, EventTtlSweeper } from './event-ttl.js';
import { ResourceTable } from './resources.js';
import { ApiServer } from './server.js';

export interface ControlPlaneOptions {
  store: Store;
  host: string;
  port: number;
  tls?: { key: string; cert: string };
  tokens: string[];
  clock?: Clock;
  kinds?: KindDef[];
  /**
   * Enables the ServiceAccount admission plugin (pods must name an existing ServiceAccount; the
   * ServiceAccounts controller must then run). `k8ts up` enables it.
   */
  serviceAccountAdmission?: boolean;
  /** How long an event lives after its last write (kube-apiserver --event-ttl; default 1 h; 0 keeps events forever). */
  eventTtlMs?: number;
}

export interface ControlPlane {
  server: ApiServer;
  ctx: ApiServerContext;
  stop(): Promise<void>;
}

/** Objects a new cluster has: the system namespaces, the `kubernetes` and `kube-dns` Services and the RuntimeClasses. */
async function bootstrap(ctx: ApiServerContext, port: number): Promise<void> {
  const w = { dryRun: false, manager: 'k8ts', warnings: [] as string[] };
  const ensure = async (group: string, plural: string, namespace: string | undefined, obj: KObject) => {
    const def = ctx.table.lookup(group, group ? 'v1' : 'v1', plural);
    if (!def || ctx.cache.get(ctx.objects.key(def, namespace, obj.metadata.name!))) return;
    try {
      await ctx.objects.create(def, namespace, obj, w);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  };
  for (const name of PROTECTED_NAMESPACES) {
    await ensure('', 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
  }
  await ensure('', 'services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
  });
  // The cluster DNS Service (its endpoints are published by whoever serves DNS: src/proxy/dns-endpoints.ts).
  await ensure('', 'services', KUBE_DNS_NAMESPACE, kubeDnsService()).catch((err: unknown) => console.error(`kube-dns Service: ${(err as Error).message}`));
  for (const handler of ['sim', 'process', 'runc']) {
    await ensure('node.k8s.io', 'runtimeclasses', undefined, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: handler }, handler });
  }
}

/**
 * Before events.k8s.io/v1 became a view of core/v1 Events, k8ts stored its events separately under
 * their own prefix; nothing serves those keys any more, so they go once at start.
 */
async function dropLegacyEventsKeys(store: Store): Promise<void> {
  const prefix = resourcePrefix('events.k8s.io', 'events');
  for (;;) {
    const page = await store.list(prefix, { limit: 500 });
    if (page.items.length === 0) return;
    let deleted = 0;
    for (const e of page.items) if (await store.delete(e.key, e.modRevision).then(() => true, () => false)) deleted++;
    if (!page.more || deleted === 0) return;
  }
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = opts.clock ?? realClock;
  const table = new ResourceTable(opts.kinds ?? allKinds());
  await dropLegacyEventsKeys(opts.store);
  const cache = new WatchCache(opts.store);
  await cache.start();
  const objects = new ObjectStore({ store: opts.store, cache, clock, schemas: getSchema, garbageCollector: true });
  const ctx = new ApiServerContext(table, objects, cache, clock, getSchema);
  ctx.serviceAccountAdmission = opts.serviceAccountAdmission ?? false;
  let ready = false;
  const server = new ApiServer(ctx, { host: opts.host, port: opts.port, tls: opts.tls, tokens: opts.tokens, ready: () => ready });
  await server.listen();
  await bootstrap(ctx, server.port);
  ctx.resumeTerminatingNamespaces();
  const served = (group: string, plural: string) => !!table.lookup(group, 'v1', plural);
  const endpoints =
    served('', 'endpoints') && served('discovery.k8s.io', 'endpointslices') && served('', 'services')
      ? new KubernetesEndpointsReconciler(ctx, advertiseAddress(opts.host), server.port, clock)
      : undefined;
  endpoints?.start();
  const ttl = opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
  const eventTtl = ttl > 0 ? new EventTtlSweeper(ctx, ttl, clock) : undefined;
  eventTtl?.start();
  ready = true;
  return {
    server,
    ctx,
    async stop() {
      ready = false;
      endpoints?.stop();
      await eventTtl?.stop();
      ctx.stop();
      await server.close();
      await cache.stop();
    },
  };
}

export { apiErr };
