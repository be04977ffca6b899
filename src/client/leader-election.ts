// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: the holder
// renews every `retryPeriod`; others take over once `leaseDuration` has passed without renewal.
// Optimistic concurrency on the Lease's resourceVersion makes two candidates never both win.

import { ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { realClock, type Clock } from '../util/clock.js';
import { R, ResourceClient } from './resources.js';
import type { RestClient } from './rest-client.js';

export interface LeaderElectionOptions {
  client: RestClient;
  namespace?: string; // kube-system
  name: string; // e.g. k8ts-controller-manager
  identity: string;
  leaseDurationSeconds?: number; // 15
  retryPeriodMs?: number; // 2000
  clock?: Clock;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private readonly leases: ResourceClient;
  private readonly clock: Clock;
  private leading = false;
  private stopped = false;
  private cancelTimer?: () => void;

  constructor(private readonly o: LeaderElectionOptions) {
    this.leases = new ResourceClient(o.client, R.leases);
    this.clock = o.clock ?? realClock;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    if (this.leading) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) console.error(`leader election ${this.o.name}:`, (err as Error).message);
    }
    if (this.stopped) return;
    if (ok && !this.leading) {
      this.leading = true;
      this.o.onStartedLeading();
    } else if (!ok && this.leading) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
    this.cancelTimer = this.clock.setTimer(this.o.retryPeriodMs ?? 2000, () => void this.tick());
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const ns = this.o.namespace ?? 'kube-system';
    const duration = this.o.leaseDurationSeconds ?? 15;
    const now = this.clock.now();
    let lease: KObject | undefined;
    try {
      lease = await this.leases.get(ns, this.o.name);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    if (!lease) {
      await this.leases.create(ns, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.name, namespace: ns },
        spec: { holderIdentity: this.o.identity, leaseDurationSeconds: duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const holder = spec.holderIdentity;
    const expired = renewed + (spec.leaseDurationSeconds ?? duration) * 1000 < now.getTime();
    if (holder && holder !== this.o.identity && !expired) return false;
    const takeover = holder !== this.o.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.o.identity,
      leaseDurationSeconds: duration,
      renewTime: microTime(now),
      ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    await this.leases.update(lease);
    return true;
  }
}
