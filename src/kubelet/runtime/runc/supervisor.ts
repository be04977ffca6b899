// Waiting on a container's supervisor: k8ts-shim (the process runtime's helper, started with
// spawnShim) running `runc run` in its own session, so it outlives the agent; and runc's own
// words when the start failed.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeShimSpec } from '../process/shim-spec.js';
import type { RuncCli } from './runc-cli.js';

export interface RunSpecInput {
  /** The container's id and directory (bundle/, pid, exit, stdin, runc.log, spec). */
  id: string;
  dir: string;
  logPath: string;
  logMaxBytes: number;
  logMaxFiles: number;
  stdin: boolean;
  /** The root overlay the shim mounts first (absent when already mounted). */
  overlay?: { dir: string; options: string; mkdirs?: string[] };
}

/** Writes `<dir>/spec`: the shim runs `runc run` for the container's bundle; returns its path. */
export function writeRunSpec(runc: RuncCli, i: RunSpecInput): string {
  const specPath = join(i.dir, 'spec');
  writeFileSync(
    specPath,
    encodeShimSpec({
      logPath: i.logPath,
      logMaxBytes: i.logMaxBytes,
      logMaxFiles: i.logMaxFiles,
      exitPath: join(i.dir, 'exit'),
      stdinPath: i.stdin ? join(i.dir, 'stdin') : undefined,
      namespaces: false,
      mounts: [],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      // The container (and its cgroup) stays until the agent has read how it ended (runc-cli.ts).
      argv: runc.argv(runc.runArgs(i.id, join(i.dir, 'bundle'), join(i.dir, 'pid'), join(i.dir, 'runc.log'))),
      reapPidFile: runc.flavour.crun ? join(i.dir, 'pid') : undefined,
      overlay: i.overlay,
    }),
  );
  return specPath;
}

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
