// The EndpointSlice controller (pkg/controller/endpointslice, v1.32): every Service with a
// selector (and not of type ExternalName) has EndpointSlices named `<service>-<random>`, labelled
// `kubernetes.io/service-name: <service>` and `endpointslice.kubernetes.io/managed-by:
// endpointslice-controller.k8s.io`, owned by the Service (so the garbage collector removes them
// with it), listing its pods with ready/serving/terminating conditions, node name and zone; see
// slices.ts for how endpoints are spread over slices.
//
// Slices are created with generateName, so the informer cache may not show a slice this
// controller just wrote; as upstream's EndpointSliceTracker, a sync that finds the cache behind
// its own writes waits for it (requeues) instead of acting on stale slices.

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { managesEndpoints, selectsPod, servicesSelecting, TriggerTimeTracker } from '../endpoint/pod-endpoints.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, reconcileSlices, SERVICE_NAME_LABEL, ZONE_LABEL } from './slices.js';

/** --concurrent-service-endpoint-syncs default. */
const WORKERS = 5;
const STALE_RETRY_MS = 100;

const keyOf = (o: KObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** Which slice writes of ours the cache must show before a Service is synced again. */
export class SliceTracker {
  private expected = new Map<string, Map<string, bigint | 'deleted'>>();

  wrote(serviceKey: string, slice: KObject): void {
    this.for(serviceKey).set(slice.metadata.name!, BigInt(slice.metadata.resourceVersion ?? '0'));
  }

  deleted(serviceKey: string, slice: KObject): void {
    this.for(serviceKey).set(slice.metadata.name!, 'deleted');
  }

  /** Whether the cache is behind a write; satisfied expectations are dropped. */
  stale(serviceKey: string, cached: (name: string) => KObject | undefined): boolean {
    const m = this.expected.get(serviceKey);
    if (!m) return false;
    let behind = false;
    for (const [name, want] of m) {
      const cur = cached(name);
      const ok = want === 'deleted' ? !cur : !!cur && BigInt(cur.metadata.resourceVersion ?? '0') >= want;
      if (ok) m.delete(name);
      else behind = true;
    }
    if (m.size === 0) this.expected.delete(serviceKey);
    return behind;
  }

  forget(serviceKey: string): void {
    this.expected.delete(serviceKey);
  }

  clear(): void {
    this.expected.clear();
  }

  private for(key: string): Map<string, bigint | 'deleted'> {
    let m = this.expected.get(key);
    if (!m) this.expected.set(key, (m = new Map()));
    return m;
  }
}

export class EndpointSliceController extends KeyedController implements Controller {
  readonly name = 'endpointslice';
  protected readonly keyed: KeyedWorkers;
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly slices: Informer;
  private readonly client: ResourceClient;
  private readonly triggers = new TriggerTimeTracker();
  private readonly tracker = new SliceTracker();

  constructor(ctx: ControllerContext) {
    super();
    this.services = ctx.informers.for(R.services);
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for(R.nodes);
    this.slices = ctx.informers.for(R.endpointslices);
    this.client = new ResourceClient(ctx.client, R.endpointslices);
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.syncService(key),
      allKeys: () => this.services.store.keys(),
      onRestart: () => {
        this.triggers.clear();
        this.tracker.clear();
      },
      onError: (key, err) => console.error(`endpointslice-controller: service ${key}: ${(err as Error)?.message ?? err}`),
    });
  }

  setup(): void {
    const enqueue = (svc: KObject) => this.queue.add(keyOf(svc));
    this.services.addHandler({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    const podChanged = (...pods: KObject[]) => {
      for (const svc of servicesSelecting(this.services.store, pods)) enqueue(svc);
    };
    this.pods.addHandler({ add: (p) => podChanged(p), update: (o, n) => podChanged(o, n), delete: (p) => podChanged(p) });
    // A node's zone is on its endpoints: a zone change resyncs the Services with pods there.
    this.nodes.addHandler({
      update: (o, n) => {
        if (o.metadata.labels?.[ZONE_LABEL] === n.metadata.labels?.[ZONE_LABEL]) return;
        for (const pod of this.pods.store.list()) if ((pod.spec as { nodeName?: string } | undefined)?.nodeName === n.metadata.name) podChanged(pod);
      },
    });
    // Slices we manage that someone else changed or deleted are put right.
    const sliceChanged = (sl: KObject) => {
      const svcName = sl.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svcName && sl.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME) this.queue.add(`${sl.metadata.namespace}/${svcName}`);
    };
    this.slices.addHandler({ add: sliceChanged, update: (_o, n) => sliceChanged(n), delete: sliceChanged });
  }

  /** The slices of the Service this controller manages (by label, as upstream's lister selector). */
  private managedSlices(ns: string, name: string): KObject[] {
    return this.slices.store
      .byIndex('namespace', ns)
      .filter((sl) => sl.metadata.labels?.[SERVICE_NAME_LABEL] === name && sl.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME);
  }

  async syncService(key: string): Promise<void | { requeueAfterMs?: number }> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.services.store.get(key);
    if (!svc) {
      // The garbage collector deletes the slices (they are owned by the Service).
      this.triggers.forget(key);
      this.tracker.forget(key);
      return;
    }
    if (!managesEndpoints(svc)) return;
    if (this.tracker.stale(key, (n) => this.slices.store.get(`${ns}/${n}`))) return { requeueAfterMs: STALE_RETRY_MS };
    // Only slices owned by this Service object (not by an earlier one of the same name).
    const existing = this.managedSlices(ns, name).filter((sl) => sl.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid));
    const pods = this.pods.store.byIndex('namespace', ns).filter((p) => selectsPod(svc, p));
    const trigger = this.triggers.compute(key, svc, pods);
    const changes = reconcileSlices(svc, pods, (n) => this.nodes.store.get(n), existing, trigger);
    const errors: string[] = [];
    for (const sl of changes.create) {
      try {
        this.tracker.wrote(key, await this.client.create(ns, sl));
      } catch (err) {
        errors.push((err as Error)?.message ?? String(err));
      }
    }
    for (const sl of changes.update) {
      try {
        this.tracker.wrote(key, await this.client.update(sl));
      } catch (err) {
        errors.push((err as Error)?.message ?? String(err));
      }
    }
    for (const sl of changes.delete) {
      try {
        await this.client.delete(ns, sl.metadata.name!);
        this.tracker.deleted(key, sl);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) this.tracker.deleted(key, sl);
        else errors.push((err as Error)?.message ?? String(err));
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }
}
