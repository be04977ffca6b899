// flowcontrol.Backoff as the DaemonSet controller uses it for failed pods: per key, the delay
// doubles from the initial value up to the maximum each time the key is hit again, and an entry
// idle for twice the maximum starts over. Time comes from the caller (the controller's clock).

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The current delay of `key` (0 when unknown). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** IsInBackOffSinceUpdate: whether less than the current delay passed since the last hit. */
  inBackoffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) return false;
    return now - e.lastUpdate < e.backoffMs;
  }

  /** Next: records a hit, starting at the initial delay or doubling up to the maximum. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
    else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  /** Drops idle entries (GC), e.g. on every sync of their DaemonSet. */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (this.expired(e, now)) this.entries.delete(k);
  }

  private expired(e: Entry, now: number): boolean {
    return now - e.lastUpdate > 2 * this.maxMs;
  }
}
