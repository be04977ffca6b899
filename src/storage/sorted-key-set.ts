// An ordered set of strings for range scans over large key spaces (10k-1M keys).
//
// Keys live in sorted chunks of bounded size, so insert and delete cost O(log n + CHUNK) instead of
// O(n) for one flat sorted array, and a range scan seeks in O(log n) and then walks in order.
// Iterators are not stable across modification: callers consume them synchronously.

const MAX_CHUNK = 1024;

export class SortedKeySet {
  /** Non-empty sorted chunks; the last key of chunk i is below the first key of chunk i+1. */
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    const ci = this.chunkFor(key);
    if (ci < 0) return false;
    const chunk = this.chunks[ci];
    const i = lowerBound(chunk, key);
    return i < chunk.length && chunk[i] === key;
  }

  /** Adds the key; false when it was already present. */
  add(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return true;
    }
    let ci = this.chunkFor(key);
    if (ci < 0) ci = this.chunks.length - 1; // greater than everything: append to the last chunk
    const chunk = this.chunks[ci];
    const i = lowerBound(chunk, key);
    if (i < chunk.length && chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, chunk.splice(chunk.length >> 1));
    return true;
  }

  /** Removes the key; false when it was absent. */
  delete(key: string): boolean {
    const ci = this.chunkFor(key);
    if (ci < 0) return false;
    const chunk = this.chunks[ci];
    const i = lowerBound(chunk, key);
    if (i >= chunk.length || chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /**
   * Keys >= `from` (or > `from` when `exclusive`), in order. Stops when the consumer stops; pair
   * with a startsWith check for prefix scans.
   */
  *from(from: string, exclusive = false): Generator<string, void, undefined> {
    let ci = this.chunkFor(from);
    if (ci < 0) return;
    let i = lowerBound(this.chunks[ci], from);
    if (exclusive && i < this.chunks[ci].length && this.chunks[ci][i] === from) i++;
    for (; ci < this.chunks.length; ci++, i = 0) {
      const chunk = this.chunks[ci];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  /** Index of the first chunk whose last key is >= key, or -1 when key is above every key. */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid];
      if (chunk[chunk.length - 1] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.chunks.length ? lo : -1;
  }
}

function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
