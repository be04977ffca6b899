// Crash-loop back-off, with the arithmetic of client-go's flowcontrol.Backoff as the kubelet
// uses it (10 s initial, 300 s cap, no jitter):
// - a container that exited at `finishedAt` may restart once `now - finishedAt >= delay`;
// - the first restart finds no entry and goes at once; each restart then doubles the delay;
// - an entry whose last restart is more than 2 x max (10 min) before the new exit is stale:
//   the container ran long enough, so the next restart is immediate again and the delay resets.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

export interface BackoffEntry {
  delayMs: number;
  /** When the delay was last advanced (the last restart), epoch ms. */
  lastUpdate: number;
}

export class CrashBackoff {
  private entries = new Map<string, BackoffEntry>();

  constructor(
    private readonly initialMs = INITIAL_BACKOFF_MS,
    private readonly maxMs = MAX_BACKOFF_MS,
  ) {}

  private expired(eventTime: number, e: BackoffEntry): boolean {
    return eventTime - e.lastUpdate > 2 * this.maxMs;
  }

  /** IsInBackOffSince: still waiting to restart a container that finished at `finishedAt`. */
  inBackoff(key: string, finishedAt: number, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(finishedAt, e)) return false;
    return now - finishedAt < e.delayMs;
  }

  /** When the back-off for an exit at `finishedAt` ends (epoch ms), or undefined when not backing off. */
  releaseAt(key: string, finishedAt: number, now: number): number | undefined {
    return this.inBackoff(key, finishedAt, now) ? finishedAt + this.entries.get(key)!.delayMs : undefined;
  }

  /** Next: records a restart now (after an exit at `finishedAt`), growing the delay. */
  next(key: string, finishedAt: number, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(finishedAt, e)) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  /** The current delay (0 without an entry), as shown in "back-off 20s restarting ...". */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key with this prefix (a pod's containers when the pod goes away). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** GC: drops entries not advanced for 2 x max. */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
