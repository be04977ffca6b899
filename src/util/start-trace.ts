// Pod start timeline for benchmarks: with K8TS_START_TRACE=<file> set, the node agent and the
// runc runtime append "<pod key> <stage> <epoch ms>" lines to that file (bench/runc-runtime-bench.ts
// reads them). Off, and free, when the variable is unset.

import { appendFileSync } from 'node:fs';

const file = process.env.K8TS_START_TRACE;

export const startTraceOn = !!file;

/** Records that `key` (namespace/name of a pod) reached `stage` now. */
export function startTrace(key: string, stage: string): void {
  if (!file) return;
  try {
    appendFileSync(file, `${key} ${stage} ${(performance.timeOrigin + performance.now()).toFixed(1)}\n`);
  } catch {
    /* tracing never fails a pod */
  }
}
