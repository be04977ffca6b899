// A rate-limited work queue of keys, as client-go's: a key waiting to be processed is held once
// (dirty set), and a key being processed is never handed to a second worker (processing set);
// re-adding it while processing makes it come back after `done`. Back-off per key is
// exponential (5 ms doubling to 1000 s), combined with an overall token bucket.

import { realClock, type Clock } from '../util/clock.js';

export interface RateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Overall rate (tokens per second) and burst. */
  qps?: number;
  burst?: number;
}

export class WorkQueue {
  private queue: string[] = [];
  private head = 0;
  private dirty = new Set<string>();
  private processing = new Set<string>();
  private waiters: ((k: string | undefined) => void)[] = [];
  private failures = new Map<string, number>();
  private delayed = new Map<string, { at: number; cancel: () => void }>();
  private shuttingDown = false;
  private tokens: number;
  private lastRefill: number;
  private readonly o: Required<RateLimiterOptions>;

  constructor(
    private readonly clock: Clock = realClock,
    opts: RateLimiterOptions = {},
  ) {
    this.o = { baseDelayMs: 5, maxDelayMs: 1000_000, qps: 50, burst: 300, ...opts };
    this.tokens = this.o.burst;
    this.lastRefill = clock.now().getTime();
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  /** Adds `key` after `ms`; an earlier pending schedule for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now().getTime() + ms;
    const cur = this.delayed.get(key);
    if (cur && cur.at <= at) return;
    cur?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** Re-adds after the key's back-off (grows with each call until forget). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const perItem = Math.min(this.o.baseDelayMs * 2 ** n, this.o.maxDelayMs);
    this.addAfter(key, Math.max(perItem, this.bucketDelay()));
  }

  private bucketDelay(): number {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.o.qps);
    this.lastRefill = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.o.qps) * 1000;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process, or undefined once shut down. Call done(key) when finished. */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

/**
 * Runs `workers` loops that take keys and call `reconcile`. A thrown error re-queues the key
 * with back-off; `{ requeueAfterMs }` schedules a timed retry; success forgets the back-off.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  reconcile: (key: string) => Promise<void | { requeueAfterMs?: number }>,
  onError: (key: string, err: unknown) => void = (k, e) => console.error(`reconcile ${k}:`, e),
): Promise<void> {
  const loop = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await reconcile(key);
        queue.forget(key);
        if (r && r.requeueAfterMs !== undefined) queue.addAfter(key, r.requeueAfterMs);
      } catch (err) {
        onError(key, err);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
