// Waiting on a container's supervisor: k8ts-shim (the process runtime's helper, started with
// spawnShim) running `runc run` in its own session, so it outlives the agent; and runc's own
// words when the start failed.

import { readFileSync } from 'node:fs';

/** Polls `check` (fast at first) until it answers; rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting for runc');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 25);
  }
}

/** The last error runc logged (its JSON log), in the words of a failed create. */
export function runcError(logFile: string): string | undefined {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const e = JSON.parse(line) as { level?: string; msg?: string };
      if ((e.level === 'error' || e.level === 'fatal') && e.msg) msg = e.msg;
    } catch {
      /* not JSON */
    }
  }
  return msg?.replace(/^runc run failed: /, 'runc create failed: ');
}
