// Events expire (kube-apiserver's --event-ttl, default 1h). Upstream attaches an etcd lease to
// every event write, so an event goes an hour after it was last written; k8ts' stores have no
// leases, so the API server sweeps: every minute (or a quarter of the TTL, if shorter) it deletes
// the events whose last write is older than the TTL. The last write is the latest of the times an
// event carries: its managers' write times (managedFields), lastTimestamp, series.lastObservedTime,
// eventTime and creationTimestamp. Deletions go through the normal path, so watchers see them.

import { ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { resourcePrefix } from '../storage/store.js';
import type { Clock } from '../util/clock.js';
import type { ApiServerContext } from './context.js';
import { ObjectStore } from './object-store.js';

export const DEFAULT_EVENT_TTL_MS = 3600_000;
const MAX_SWEEP_INTERVAL_MS = 60_000;

/** When an event was last written, as far as the event itself tells (ms since the epoch; NaN if it tells nothing). */
export function eventLastWritten(ev: KObject): number {
  const times: unknown[] = [
    ev.metadata.creationTimestamp,
    ev.lastTimestamp,
    ev.eventTime,
    (ev.series as { lastObservedTime?: unknown } | undefined)?.lastObservedTime,
    ...(ev.metadata.managedFields ?? []).map((e) => e.time),
  ];
  let last = NaN;
  for (const t of times) {
    if (typeof t !== 'string') continue;
    const ms = Date.parse(t);
    if (Number.isFinite(ms) && !(ms <= last)) last = ms;
  }
  return last;
}

export class EventTtlSweeper {
  private cancel?: () => void;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly ctx: ApiServerContext,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  start(): void {
    const interval = Math.max(1000, Math.min(MAX_SWEEP_INTERVAL_MS, Math.floor(this.ttlMs / 4)));
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((err) => console.error(`event ttl: ${(err as Error)?.message ?? err}`))
        .finally(() => {
          if (!this.stopped) this.cancel = this.clock.setTimer(interval, tick);
        });
    };
    this.cancel = this.clock.setTimer(interval, tick);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  /** Deletes the expired events; returns how many went. */
  async sweep(): Promise<number> {
    const def = this.ctx.table.lookup('', 'v1', 'events');
    if (!def) return 0;
    const cutoff = this.clock.now().getTime() - this.ttlMs;
    const expired: KObject[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = this.ctx.cache.list(resourcePrefix('', 'events', undefined), { limit: 1000, startAfter });
      for (const e of page.items) {
        const ev = ObjectStore.materialize(e);
        if (eventLastWritten(ev) < cutoff) expired.push(ev);
      }
      if (!page.more || page.items.length === 0) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    let deleted = 0;
    for (const ev of expired) {
      if (this.stopped) break;
      try {
        await this.ctx.objects.delete(def, ev.metadata.namespace, ev.metadata.name!, { preconditions: { uid: ev.metadata.uid, resourceVersion: ev.metadata.resourceVersion } }, { dryRun: false, manager: 'k8ts', warnings: [] });
        deleted++;
      } catch (err) {
        // Gone meanwhile, or written again since the list (then it lives on): both are fine.
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
    return deleted;
  }
}
