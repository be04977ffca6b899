// A controller's work queue and workers, restartable: the controller manager stops controllers
// when leadership is lost and starts them again when it comes back. A shut-down queue cannot be
// reused and the events seen meanwhile were dropped, so a restart takes a fresh queue and re-adds
// every key the controller owns (level-triggered: the reconcilers converge from the cache).

import { runWorkers, WorkQueue, type RateLimiterOptions } from '../../client/work-queue.js';
import type { Clock } from '../../util/clock.js';

export interface KeyedWorkersOptions {
  clock: Clock;
  workers: number;
  reconcile: (key: string) => Promise<void | { requeueAfterMs?: number }>;
  /** Every key to reconcile after a restart (e.g. the keys of the owner informer's cache). */
  allKeys: () => Iterable<string>;
  /** Called on a restart before the keys are re-added (drop per-leadership caches). */
  onRestart?: () => void;
  onError?: (key: string, err: unknown) => void;
  rateLimits?: RateLimiterOptions;
}

export class KeyedWorkers {
  private current: WorkQueue;
  private halted = false;
  private workers?: Promise<void>;

  constructor(private readonly o: KeyedWorkersOptions) {
    this.current = new WorkQueue(o.clock, o.rateLimits);
  }

  /** The live queue; handlers always add to the current one. */
  get queue(): WorkQueue {
    return this.current;
  }

  start(): void {
    if (this.halted) {
      this.halted = false;
      this.current = new WorkQueue(this.o.clock, this.o.rateLimits);
      this.o.onRestart?.();
      for (const key of this.o.allKeys()) this.current.add(key);
    }
    this.workers = runWorkers(this.current, this.o.workers, this.o.reconcile, this.o.onError);
  }

  stop(): void {
    this.halted = true;
    this.current.shutDown();
  }

  /** Resolves when the workers have exited after stop(). */
  async stopped(): Promise<void> {
    await this.workers;
  }
}
