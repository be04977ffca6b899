// What the runc runtime needs from the machine, checked when the runtime is created so that
// `k8ts up --runtime runc` fails at start with what is missing, not at the first pod.

import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export class RuncUnavailableError extends Error {
  constructor(detail: string) {
    super(`the runc runtime needs root and runc (Debian package runc, or --runc-path): ${detail}`);
    this.name = 'RuncUnavailableError';
  }
}

function onPath(cmd: string): boolean {
  if (cmd.includes('/')) return isExecutable(cmd);
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  return dirs.some((d) => d && isExecutable(join(d, cmd)));
}

/**
 * `--runc-path` as given: a path (made absolute), or a command name looked up on PATH (then
 * /usr/sbin, /sbin, ...); a name found nowhere is returned as it is, for the preflight to report.
 */
export function resolveRuncPath(p: string): string {
  if (p.includes('/')) return resolve(p);
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) if (d && isExecutable(join(d, p))) return resolve(d, p);
  return p;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks root, runc, iproute2, util-linux and cgroups; returns runc's version. */
export function runcPreflight(runcPath: string): string {
  const uid = process.getuid?.();
  if (uid !== 0) throw new RuncUnavailableError(`this process runs as uid ${uid ?? 'unknown'}, not root (try sudo)`);
  if (!isExecutable(runcPath)) throw new RuncUnavailableError(`${runcPath} is missing or not executable (apt-get install runc, or give the path of runc or crun)`);
  for (const [cmd, pkg] of [
    ['ip', 'iproute2'],
    ['unshare', 'util-linux'],
    ['nsenter', 'util-linux'],
    ['mount', 'mount'],
  ] as const) {
    if (!onPath(cmd)) throw new RuncUnavailableError(`the ${cmd} command is missing (Debian package ${pkg})`);
  }
  if (!existsSync('/sys/fs/cgroup/cgroup.controllers') && !existsSync('/sys/fs/cgroup/memory')) {
    throw new RuncUnavailableError('no cgroup file system is mounted at /sys/fs/cgroup (neither v2 nor the v1 memory controller)');
  }
  try {
    const out = execFileSync(runcPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const m = /version\s+(\S+)/.exec(out);
    return m ? m[1] : out.split('\n')[0].trim();
  } catch (err) {
    throw new RuncUnavailableError(`${runcPath} --version failed: ${(err as Error).message}`);
  }
}
