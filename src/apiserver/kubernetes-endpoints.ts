// The API server's own endpoints (upstream's pkg/controlplane/reconcilers and the
// "kubernetes service" controller, v1.32): the `kubernetes` Service in `default` points at this
// server. Its Endpoints `kubernetes` has one address (the server's) with the port `https`, and is
// labelled `endpointslice.kubernetes.io/skip-mirror: "true"`; its EndpointSlice `kubernetes`
// (labelled only `kubernetes.io/service-name: kubernetes`) says the same. The Service's
// targetPort follows the port the server listens on. Reconciled at start and every 10 s, so a
// deleted or edited object comes back.
//
// Upstream refuses loopback endpoint addresses (ValidateNonSpecialIP), including for its own
// `kubernetes` Endpoints when it advertises 127.0.0.1 (it then logs "unable to sync kubernetes
// service"). k8ts usually listens on 127.0.0.1 only, so these two writes (and no others) accept a
// loopback address.

import { networkInterfaces } from 'node:os';
import { ApiError } from '../api/errors.js';
import { deepEqual } from '../api/equality.js';
import type { KObject } from '../api/types.js';
import { validateEndpoints } from '../kinds/core/endpoints.js';
import { validateEndpointSlice } from '../kinds/discovery/endpoint-slice.js';
import type { KindDef } from '../kinds/types.js';
import type { Clock } from '../util/clock.js';
import type { ApiServerContext } from './context.js';

export const KUBERNETES_SERVICE = 'kubernetes';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const RECONCILE_INTERVAL_MS = 10_000;

/** The address other components reach this server at: the listen address, or for a wildcard one the first external IPv4. */
export function advertiseAddress(host: string): string {
  if (host === 'localhost' || host === '') return '127.0.0.1';
  if (host !== '0.0.0.0' && host !== '::' && /^[0-9.]+$|:/.test(host)) return host;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function kubernetesEndpoints(ip: string, port: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels: { [SKIP_MIRROR_LABEL]: 'true' } },
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
}

export function kubernetesEndpointSlice(ip: string, port: number): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels: { [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE } },
    addressType: ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

/** Whether `cur` carries every label of `want` (other labels are the user's and kept). */
function hasLabels(cur: KObject, want: KObject): boolean {
  return Object.entries(want.metadata.labels ?? {}).every(([k, v]) => cur.metadata.labels?.[k] === v);
}

export class KubernetesEndpointsReconciler {
  private cancel?: () => void;
  private stopped = false;
  private readonly epDef: KindDef;
  private readonly sliceDef: KindDef;
  private readonly svcDef: KindDef;

  constructor(
    private readonly ctx: ApiServerContext,
    private readonly ip: string,
    private readonly port: number,
    private readonly clock: Clock,
  ) {
    const ep = ctx.table.lookup('', 'v1', 'endpoints');
    const slice = ctx.table.lookup('discovery.k8s.io', 'v1', 'endpointslices');
    const svc = ctx.table.lookup('', 'v1', 'services');
    if (!ep || !slice || !svc) throw new Error('kubernetes endpoints reconciler: endpoints, endpointslices and services must be served');
    this.epDef = { ...ep, validate: (o) => validateEndpoints(o, { allowLoopback: true }) };
    this.sliceDef = { ...slice, validate: (o, c) => validateEndpointSlice(o, c.operation, { allowLoopback: true }) };
    this.svcDef = svc;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.reconcile()
        .catch((err) => console.error(`kubernetes endpoints: ${(err as Error)?.message ?? err}`))
        .finally(() => {
          if (!this.stopped) this.cancel = this.clock.setTimer(RECONCILE_INTERVAL_MS, tick);
        });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  async reconcile(): Promise<void> {
    await this.ensureServicePort();
    await this.ensure(this.epDef, kubernetesEndpoints(this.ip, this.port), (cur, want) => deepEqual(cur.subsets, want.subsets) && hasLabels(cur, want));
    await this.ensure(this.sliceDef, kubernetesEndpointSlice(this.ip, this.port), (cur, want) =>
      deepEqual(cur.endpoints, want.endpoints) && deepEqual(cur.ports, want.ports) && hasLabels(cur, want) && cur.addressType === want.addressType,
    );
  }

  private write() {
    return { dryRun: false, manager: 'kube-apiserver', warnings: [] as string[] };
  }

  private current(def: KindDef): KObject | undefined {
    try {
      return this.ctx.objects.get(def, 'default', KUBERNETES_SERVICE);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** The Service's https port targets the port this server listens on (a restart may change it). */
  private async ensureServicePort(): Promise<void> {
    const svc = this.current(this.svcDef);
    if (!svc) return;
    const spec = (svc.spec ?? {}) as { ports?: { name?: string; targetPort?: unknown }[] };
    const https = spec.ports?.find((p) => p.name === 'https');
    if (!https || https.targetPort === this.port) return;
    const next = structuredClone(svc);
    (next.spec as typeof spec).ports!.find((p) => p.name === 'https')!.targetPort = this.port;
    await this.ctx.objects.update(this.svcDef, 'default', KUBERNETES_SERVICE, next, this.write());
  }

  private async ensure(def: KindDef, want: KObject, same: (cur: KObject, want: KObject) => boolean): Promise<void> {
    const cur = this.current(def);
    if (!cur) {
      try {
        await this.ctx.objects.create(def, 'default', want, this.write());
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
      }
      return;
    }
    if (same(cur, want)) return;
    if (def.kind === 'EndpointSlice' && cur.addressType !== want.addressType) {
      await this.ctx.objects.delete(def, 'default', KUBERNETES_SERVICE, {}, this.write());
      await this.ctx.objects.create(def, 'default', want, this.write());
      return;
    }
    const next: KObject = { ...cur, ...want, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), ...want.metadata.labels } } };
    await this.ctx.objects.update(def, 'default', KUBERNETES_SERVICE, next, this.write());
  }
}
