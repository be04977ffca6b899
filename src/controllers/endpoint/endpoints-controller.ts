// The Endpoints controller (pkg/controller/endpoint/endpoints_controller.go, v1.32): every
// Service with a selector (and not of type ExternalName) has an Endpoints object of its name
// listing its pods: ready ones under `addresses`, the others under `notReadyAddresses` (all
// under `addresses` with publishNotReadyAddresses), each on the ports its targetPorts resolve
// to. Labels follow the Service's (plus `service.kubernetes.io/headless` for headless ones), the
// annotation `endpoints.kubernetes.io/last-change-trigger-time` says when the change that led
// to a write happened, and past 1000 addresses the list is cut and annotated
// `endpoints.kubernetes.io/over-capacity: truncated`. Selector-less Services are left alone
// (their Endpoints are the user's); a deleted Service's Endpoints are deleted.

import { ApiError } from '../../api/errors.js';
import { deepEqual } from '../../api/equality.js';
import type { KObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { computeSubsets, OVER_CAPACITY_ANNOTATION, truncateSubsets, type EndpointSubset } from './endpoints.js';
import { HEADLESS_LABEL, isHeadless, LAST_CHANGE_TRIGGER_TIME, managesEndpoints, rfc3339Nano, selectsPod, servicesSelecting, TriggerTimeTracker } from './pod-endpoints.js';

/** --concurrent-endpoint-syncs default. */
const WORKERS = 5;

const keyOf = (o: KObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** Labels the Endpoints should carry: the Service's, with the headless label set or removed. */
export function endpointsLabels(svc: KObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/**
 * The Endpoints to write for `svc` over `current` (undefined to create), or undefined when
 * `current` is already right. `triggerTime` is the tracker's answer for this sync.
 */
export function desiredEndpoints(svc: KObject, pods: readonly KObject[], current: KObject | undefined, triggerTime: string | undefined): KObject | undefined {
  const subsets: EndpointSubset[] = computeSubsets(svc, pods);
  const truncated = truncateSubsets(subsets);
  const labels = endpointsLabels(svc);
  if (current) {
    const curLabels = current.metadata.labels ?? {};
    const capacityOk = (current.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] === 'truncated') === truncated;
    if (deepEqual(current.subsets ?? [], subsets) && deepEqual(curLabels, labels) && capacityOk) return undefined;
  }
  const next: KObject = current
    ? structuredClone(current)
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace } };
  const annotations: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
  if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  if (Object.keys(annotations).length) next.metadata.annotations = annotations;
  else delete next.metadata.annotations;
  if (Object.keys(labels).length) next.metadata.labels = labels;
  else delete next.metadata.labels;
  next.subsets = subsets;
  return next;
}

export class EndpointsController extends KeyedController implements Controller {
  readonly name = 'endpoint';
  protected readonly keyed: KeyedWorkers;
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly endpoints: Informer;
  private readonly client: ResourceClient;
  private readonly triggers = new TriggerTimeTracker();
  /** What this controller last wrote per key, for syncs that run before the cache shows the write. */
  private readonly written = new Map<string, KObject>();

  constructor(ctx: ControllerContext) {
    super();
    this.services = ctx.informers.for(R.services);
    this.pods = ctx.informers.for(R.pods);
    this.endpoints = ctx.informers.for(R.endpoints);
    this.client = new ResourceClient(ctx.client, R.endpoints);
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (key) => this.syncService(key),
      allKeys: () => this.services.store.keys(),
      onRestart: () => {
        this.triggers.clear();
        this.written.clear();
      },
      onError: (key, err) => console.error(`endpoints-controller: service ${key}: ${(err as Error)?.message ?? err}`),
    });
  }

  setup(): void {
    const enqueue = (svc: KObject) => this.queue.add(keyOf(svc));
    this.services.addHandler({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    const podChanged = (...pods: KObject[]) => {
      for (const svc of servicesSelecting(this.services.store, pods)) enqueue(svc);
    };
    this.pods.addHandler({
      add: (p) => podChanged(p),
      update: (o, n) => podChanged(o, n),
      delete: (p) => podChanged(p),
    });
    // A deleted Endpoints object of a managed Service comes back.
    this.endpoints.addHandler({
      delete: (ep) => {
        this.written.delete(keyOf(ep));
        const svc = this.services.store.get(keyOf(ep));
        if (svc && managesEndpoints(svc)) this.queue.add(keyOf(ep));
      },
    });
  }

  /** As upstream's checkLeftoverEndpoints: Endpoints whose Service is gone (deleted while no controller ran) are deleted. */
  override start(): void {
    super.start();
    for (const key of this.endpoints.store.keys()) if (!this.services.store.get(key)) this.queue.add(key);
  }

  async syncService(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.services.store.get(key);
    if (!svc) {
      this.triggers.forget(key);
      this.written.delete(key);
      try {
        await this.client.delete(ns, name);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
      return;
    }
    if (!managesEndpoints(svc)) return;
    const pods = this.pods.store.byIndex('namespace', ns).filter((p) => selectsPod(svc, p));
    const trigger = this.triggers.compute(key, svc, pods);
    const next = desiredEndpoints(svc, pods, this.current(key), trigger);
    if (!next) return;
    const stored = next.metadata.resourceVersion ? await this.client.update(next) : await this.client.create(ns, next);
    this.written.set(key, stored);
  }

  /** The cached Endpoints, or what this controller wrote last if the cache has not caught up with it. */
  private current(key: string): KObject | undefined {
    const cached = this.endpoints.store.get(key);
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (cached && BigInt(cached.metadata.resourceVersion ?? '0') >= BigInt(mine.metadata.resourceVersion ?? '0')) {
      this.written.delete(key);
      return cached;
    }
    return mine;
  }
}
