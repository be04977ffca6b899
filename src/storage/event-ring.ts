// A bounded, revision-ordered buffer of the latest events (the watch cache's replay window).
//
// Invariant: every event with revision > horizon() that was pushed is still in the buffer. When
// full, the oldest event is evicted and the horizon moves up to its revision; a watch from a
// revision below the horizon can no longer be served without gaps.

export class EventRing<T extends { revision: bigint }> {
  private readonly buf: (T | undefined)[];
  private start = 0;
  private count = 0;
  private floor: bigint;

  constructor(
    readonly capacity: number,
    horizon = 0n,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`event ring capacity must be a positive integer, got ${capacity}`);
    this.buf = new Array<T | undefined>(capacity);
    this.floor = horizon;
  }

  get length(): number {
    return this.count;
  }

  /** Events with revision > horizon() are all buffered. */
  horizon(): bigint {
    return this.floor;
  }

  /** Empties the buffer; replay is possible from `horizon` on. */
  reset(horizon: bigint): void {
    this.buf.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.floor = horizon;
  }

  /** Appends an event whose revision is above every buffered one. */
  push(ev: T): void {
    if (this.count === this.capacity) {
      const evicted = this.buf[this.start]!;
      this.floor = evicted.revision;
      this.buf[this.start] = ev;
      this.start = (this.start + 1) % this.capacity;
      return;
    }
    this.buf[(this.start + this.count) % this.capacity] = ev;
    this.count++;
  }

  /** Calls fn for each buffered event with revision > rev, oldest first. */
  forEachAfter(rev: bigint, fn: (ev: T) => void): void {
    // Binary search over logical positions 0..count-1 for the first revision > rev.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.count; i++) fn(this.at(i));
  }

  private at(i: number): T {
    return this.buf[(this.start + i) % this.capacity]!;
  }
}
