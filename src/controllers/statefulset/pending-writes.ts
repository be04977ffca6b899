// Pod creates and deletes a StatefulSet pass issued that the informer has not shown yet, by pod
// name (StatefulSet pods have fixed names). A pass waits for them, so that a lagging watch neither
// repeats a create (AlreadyExists) nor a delete (a second SuccessfulDelete event). Entries older
// than the TTL are ignored: a lost watch event must not wedge a set forever.

import type { Clock } from '../../util/clock.js';
import { EXPECTATIONS_TTL_MS } from '../shared/expectations.js';

interface Pending {
  creates: Set<string>;
  deletes: Set<string>;
  /** When the last write was recorded (ms on the clock). */
  at: number;
}

export class PendingWrites {
  private readonly items = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  private entry(key: string): Pending {
    let e = this.items.get(key);
    if (!e) this.items.set(key, (e = { creates: new Set(), deletes: new Set(), at: 0 }));
    e.at = this.clock.now().getTime();
    return e;
  }

  created(key: string, pod: string): void {
    this.entry(key).creates.add(pod);
  }

  deleted(key: string, pod: string): void {
    this.entry(key).deletes.add(pod);
  }

  /** The informer shows the pod (it exists). */
  observedPod(key: string, pod: string): void {
    this.items.get(key)?.creates.delete(pod);
  }

  /** The informer shows the pod going away (deletionTimestamp set, or gone). */
  observedDeletion(key: string, pod: string): void {
    const e = this.items.get(key);
    if (!e) return;
    e.creates.delete(pod);
    e.deletes.delete(pod);
  }

  satisfied(key: string): boolean {
    const e = this.items.get(key);
    if (!e || (e.creates.size === 0 && e.deletes.size === 0)) return true;
    return this.clock.now().getTime() - e.at > this.ttlMs;
  }

  /** Milliseconds until an unsatisfied entry expires. */
  msUntilExpiry(key: string): number {
    const e = this.items.get(key);
    return e ? Math.max(0, e.at + this.ttlMs - this.clock.now().getTime()) + 1 : 0;
  }

  forget(key: string): void {
    this.items.delete(key);
  }
}
