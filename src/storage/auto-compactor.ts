// Periodic history compaction for a Store: keeps the most recent history (by count and by age)
// and forgets the rest, so the log does not grow without bound.
//
// The target revision is the *smaller* of "current - keepRevisions" and "the revision that was
// current keepMs ago", i.e. both a minimum number of revisions and a minimum time window are
// kept. The age is judged from samples taken at each tick (no timestamps are stored per write).

import type { Store } from './store.js';
import { asError } from './watch-hub.js';

export interface CompactionPolicy {
  /** How often to check, in ms; 0 disables automatic compaction. Default 60 000. */
  intervalMs?: number;
  /** Always keep at least this many of the latest revisions. Default 10 000. */
  keepRevisions?: number;
  /** Always keep the revisions written during the last keepMs. Default 300 000 (5 minutes). */
  keepMs?: number;
  /** Injected clock (ms) for tests. */
  now?: () => number;
  /** Where compaction failures go; default: process warning. */
  onError?: (err: Error) => void;
}

export const DEFAULT_COMPACTION: Required<Omit<CompactionPolicy, 'now' | 'onError'>> = {
  intervalMs: 60_000,
  keepRevisions: 10_000,
  keepMs: 300_000,
};

export class AutoCompactor {
  private readonly intervalMs: number;
  private readonly keepRevisions: bigint;
  private readonly keepMs: number;
  private readonly now: () => number;
  private readonly onError: (err: Error) => void;
  /** (time, revision) samples, oldest first; trimmed to what the keepMs window can still need. */
  private samples: { at: number; rev: bigint }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<Store, 'currentRevision' | 'oldestRevision' | 'compact'>,
    policy: CompactionPolicy = {},
  ) {
    this.intervalMs = policy.intervalMs ?? DEFAULT_COMPACTION.intervalMs;
    this.keepRevisions = BigInt(policy.keepRevisions ?? DEFAULT_COMPACTION.keepRevisions);
    this.keepMs = policy.keepMs ?? DEFAULT_COMPACTION.keepMs;
    this.now = policy.now ?? Date.now;
    this.onError = policy.onError ?? ((err) => process.emitWarning(err));
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, this.intervalMs);
    // Compaction must never keep a process alive on its own.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One policy evaluation; exposed so tests can drive it without timers. */
  async tick(): Promise<void> {
    try {
      const now = this.now();
      const current = await this.store.currentRevision();
      this.samples.push({ at: now, rev: current });
      // The newest sample at least keepMs old bounds what may be forgotten by age.
      let ageBound = -1;
      for (let i = 0; i < this.samples.length && this.samples[i].at <= now - this.keepMs; i++) ageBound = i;
      if (ageBound < 0) return;
      const byAge = this.samples[ageBound].rev;
      this.samples = this.samples.slice(ageBound);
      const byCount = current - this.keepRevisions;
      const target = byAge < byCount ? byAge : byCount;
      const oldest = await this.store.oldestRevision();
      if (target >= oldest) await this.store.compact(target);
    } catch (err) {
      this.onError(asError(err));
    }
  }
}
