// Assembles the API server over a store: watch cache, object store, context, HTTP(S) server,
// and the objects every cluster starts with. Stopping releases everything in reverse order.

import { apiErr, ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { allKinds } from '../kinds/registry.js';
import type { KindDef } from '../kinds/types.js';
import { getSchema } from '../openapi/schemas.js';
import type { Store } from '../storage/store.js';
import { WatchCache } from '../storage/watch-cache.js';
import { realClock, type Clock } from '../util/clock.js';
import { ApiServerContext, PROTECTED_NAMESPACES } from './context.js';
import { ObjectStore } from './object-store.js';
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
}

export interface ControlPlane {
  server: ApiServer;
  ctx: ApiServerContext;
  stop(): Promise<void>;
}

/** Objects a new cluster has: the four system namespaces. */
async function bootstrap(ctx: ApiServerContext): Promise<void> {
  const w = { dryRun: false, manager: 'k8ts', warnings: [] as string[] };
  const nsDef = ctx.namespaces;
  for (const name of PROTECTED_NAMESPACES) {
    if (ctx.cache.get(ctx.objects.key(nsDef, undefined, name))) continue;
    const obj: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
    try {
      await ctx.objects.create(nsDef, undefined, obj, w);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  }
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = opts.clock ?? realClock;
  const table = new ResourceTable(opts.kinds ?? allKinds());
  const cache = new WatchCache(opts.store);
  await cache.start();
  const objects = new ObjectStore({ store: opts.store, cache, clock, schemas: getSchema });
  const ctx = new ApiServerContext(table, objects, cache, clock, getSchema);
  let ready = false;
  const server = new ApiServer(ctx, { host: opts.host, port: opts.port, tls: opts.tls, tokens: opts.tokens, ready: () => ready });
  await bootstrap(ctx);
  ctx.resumeTerminatingNamespaces();
  await server.listen();
  ready = true;
  return {
    server,
    ctx,
    async stop() {
      ready = false;
      ctx.stop();
      await server.close();
      await cache.stop();
    },
  };
}

export { apiErr };
