// Sets of completion indexes as ordered, non-overlapping, non-adjacent intervals, the form of
// status.completedIndexes / status.failedIndexes ("1,3-5,7") (pkg/controller/job/indexed_job_utils.go
// orderedIntervals). Two adjacent indexes print as "3,4", three or more as "3-5".

export interface Interval {
  first: number;
  last: number;
}

export class OrderedIntervals {
  constructor(readonly items: readonly Interval[] = []) {}

  static empty(): OrderedIntervals {
    return new OrderedIntervals([]);
  }

  /**
   * parseIndexesFromString: intervals below `completions` (ones starting at or beyond it end the
   * parse, ones reaching beyond it are cut); malformed pieces are skipped.
   */
  static parse(text: string | null | undefined, completions: number): OrderedIntervals {
    if (!text) return OrderedIntervals.empty();
    const out: Interval[] = [];
    for (const piece of text.split(',')) {
      const limits = piece.split('-');
      const first = atoi(limits[0]);
      if (first === undefined) continue;
      if (first >= completions) break;
      let last = first;
      if (limits.length > 1) {
        const l = atoi(limits[1]);
        if (l === undefined) continue;
        last = Math.min(l, completions - 1);
      }
      const prev = out[out.length - 1];
      if (prev && prev.last === first - 1) prev.last = last;
      else out.push({ first, last });
    }
    return new OrderedIntervals(out);
  }

  /** Merge with another ordered list (orderedIntervals.merge). */
  merge(other: OrderedIntervals): OrderedIntervals {
    const result: Interval[] = [];
    const push = (iv: Interval) => {
      const last = result[result.length - 1];
      if (!last || iv.first > last.last + 1) result.push({ first: iv.first, last: iv.last });
      else if (last.last < iv.last) last.last = iv.last;
    };
    const a = this.items;
    const b = other.items;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i].first < b[j].first) push(a[i++]);
      else push(b[j++]);
    }
    while (i < a.length) push(a[i++]);
    while (j < b.length) push(b[j++]);
    return new OrderedIntervals(result);
  }

  /** withOrderedIndexes: adds indexes given in ascending order. */
  withIndexes(sortedIndexes: readonly number[]): OrderedIntervals {
    if (sortedIndexes.length === 0) return this;
    return this.merge(new OrderedIntervals(sortedIndexes.map((i) => ({ first: i, last: i }))));
  }

  /** Number of indexes covered. */
  total(): number {
    let n = 0;
    for (const iv of this.items) n += iv.last - iv.first + 1;
    return n;
  }

  /** Binary search for `ix`. */
  has(ix: number): boolean {
    let lo = 0;
    let hi = this.items.length;
    while (hi > lo) {
      const mid = lo + ((hi - lo) >> 1);
      if (this.items[mid].last >= ix) hi = mid;
      else lo = mid + 1;
    }
    return hi < this.items.length && this.items[hi].first <= ix;
  }

  get length(): number {
    return this.items.length;
  }

  toString(): string {
    const parts: string[] = [];
    for (const iv of this.items) {
      if (iv.last === iv.first) parts.push(String(iv.first));
      else if (iv.last === iv.first + 1) parts.push(`${iv.first},${iv.last}`);
      else parts.push(`${iv.first}-${iv.last}`);
    }
    return parts.join(',');
  }
}

/** strconv.Atoi for the characters this format allows; undefined when not a number. */
function atoi(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?[0-9]+$/.test(s)) return undefined;
  return Number(s);
}

/** Ascending, de-duplicated copy of `indexes`. */
export function sortedUnique(indexes: Iterable<number>): number[] {
  return [...new Set(indexes)].sort((a, b) => a - b);
}
