// Builds k8ts-shim from its source (shim-source.ts) once per source version and keeps the binary
// under the runtime's data dir, named by the source hash, so an upgrade builds a new one while
// shims of the old version keep running from the old file. Two agents building at once each
// write their own temporary file and rename it into place (rename is atomic).

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SHIM_SOURCE } from './shim-source.js';

export class ShimBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShimBuildError';
  }
}

/** Path of a ready k8ts-shim binary in `binDir`, compiling it with $CC (default cc) if needed. */
export function ensureShim(binDir: string): string {
  const hash = createHash('sha256').update(SHIM_SOURCE).digest('hex').slice(0, 12);
  const target = join(binDir, `k8ts-shim-${hash}`);
  try {
    accessSync(target, constants.X_OK);
    return target;
  } catch {
    /* not built yet */
  }
  mkdirSync(binDir, { recursive: true });
  const suffix = `${process.pid}-${Date.now()}`;
  const src = join(binDir, `k8ts-shim-${hash}.${suffix}.c`);
  const out = join(binDir, `k8ts-shim-${hash}.${suffix}.tmp`);
  writeFileSync(src, SHIM_SOURCE);
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    renameSync(out, target);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = e.code === 'ENOENT' ? `no C compiler "${cc}" was found` : (e.stderr?.toString().trim() || e.message);
    throw new ShimBuildError(`the process runtime builds its helper (k8ts-shim) with a C compiler on first use and could not: ${why}; install one (e.g. apt-get install gcc) or set CC`);
  } finally {
    rmSync(src, { force: true });
    rmSync(out, { force: true });
  }
  return target;
}

/**
 * Spawns a detached shim (its own session: it outlives the agent) running the spec at `specPath`,
 * and reads its one-line answer ("ok PID" once the process runs, "err MESSAGE"; '' if it exited
 * without one). The shim then writes the CRI log and, at the end, the exit file on its own.
 */
export function spawnShim(shim: string, specPath: string): Promise<{ line: string; child: ReturnType<typeof spawn> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(shim, ['run', specPath], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    child.unref();
    let answered = false;
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      child.stdout!.destroy();
      resolve({ line, child });
    });
    child.once('error', (e) => reject(e));
    child.once('exit', () => {
      if (!answered) resolve({ line: '', child });
    });
  });
}

/** Why a shim that did not answer "ok PID" failed to start its process, in its words. */
export function shimStartFailure(line: string): string {
  return line.startsWith('err ') ? line.slice(4) : `k8ts-shim failed to start: ${line || 'no answer'}`;
}
