// Controller expectations (pkg/controller/controller_utils.go ControllerExpectations and
// UIDTrackingControllerExpectations, v1.32). A controller that just issued N creates (or
// deletes) must not act on its cache until the informer has shown it those N objects, or it
// would create them again. It records what it expects under its own key; informer handlers
// lower the counts as they observe; the controller only manages replicas once the counts are
// fulfilled, or once they are older than the TTL (5 min: a lost watch event must not wedge
// the controller forever).

import type { Clock } from '../../util/clock.js';

/** ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** When the expectation was set (ms on the clock). */
  at: number;
}

export class ControllerExpectations {
  private readonly items = new Map<string, Expectation>();

  constructor(
    protected readonly clock: Clock,
    private readonly ttlMs: number = EXPECTATIONS_TTL_MS,
  ) {}

  /** The raw counts, for tests and logs. */
  get(key: string): { add: number; del: number } | undefined {
    const e = this.items.get(key);
    return e && { add: e.add, del: e.del };
  }

  /**
   * Whether the controller may act for `key`: no record, or the counts are fulfilled (both ≤ 0),
   * or the record is older than the TTL.
   */
  satisfied(key: string): boolean {
    const e = this.items.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now().getTime() - e.at > this.ttlMs;
  }

  /** Replaces the record with fresh counts (SetExpectations) and a fresh timestamp. */
  set(key: string, add: number, del: number): void {
    this.items.set(key, { add, del, at: this.clock.now().getTime() });
  }

  expectCreations(key: string, n: number): void {
    this.set(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.set(key, 0, n);
  }

  /** Lowers the counts (never creates a record; the timestamp is kept). */
  lower(key: string, add: number, del: number): void {
    const e = this.items.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  /** Raises the counts of an existing record (RaiseExpectations). */
  raise(key: string, add: number, del: number): void {
    const e = this.items.get(key);
    if (!e) return;
    e.add += add;
    e.del += del;
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  /** Forgets `key` (the controller object was deleted). */
  delete(key: string): void {
    this.items.delete(key);
  }
}

/**
 * Deletions tracked by pod key (UIDTrackingControllerExpectations): a pod's deletion is seen
 * twice (the update that sets deletionTimestamp, then the delete event) but must count once.
 */
export class UidTrackingExpectations extends ControllerExpectations {
  private readonly pending = new Map<string, Set<string>>();

  /** Expects the deletion of these pod keys (replaces earlier deletion expectations). */
  expectDeletionsOf(key: string, podKeys: readonly string[]): void {
    this.pending.set(key, new Set(podKeys));
    this.expectDeletions(key, podKeys.length);
  }

  /** Records that `podKey` is going away; counts only the first observation of an expected pod. */
  deletionObservedOf(key: string, podKey: string): void {
    const s = this.pending.get(key);
    if (s?.delete(podKey)) this.deletionObserved(key);
  }

  /** Pod keys whose deletion is still awaited. */
  pendingDeletions(key: string): ReadonlySet<string> {
    return this.pending.get(key) ?? new Set();
  }

  override delete(key: string): void {
    super.delete(key);
    this.pending.delete(key);
  }
}
