// Slow-start batching (pkg/controller/replicaset/replica_set.go slowStartBatch, used by the
// ReplicaSet, Job, DaemonSet and StatefulSet controllers): run `fn` `count` times in batches of
// initialBatchSize, 2x, 4x ... running each batch concurrently, and stop after the first batch
// that had an error. A quota or admission error then costs one failed call, not hundreds.

/** SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export interface SlowStartResult {
  /** Calls that succeeded. count - successes were failed or never tried. */
  successes: number;
  /** The first error of the failing batch, if any. */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: (index: number) => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  let index = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(index++)));
    let error: unknown;
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else if (!failed) {
        failed = true;
        error = r.reason;
      }
    }
    if (failed) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}
