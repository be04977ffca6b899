// What the process runtime keeps on disk so that a restarted agent finds its sandboxes and
// containers again: one JSON file per sandbox, one directory per container (its record, the
// shim's spec, the exit file the shim writes, and the overlay upper/work directories), and the
// CRI log files. Records are written whole to a temporary file and renamed into place.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ContainerConfig, PodSandboxConfig } from '../runtime.js';

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  annotations: Record<string, string>;
  state: 'ready' | 'notready';
  createdAt: string;
  ip?: string;
  holdsIp: boolean;
}

export interface ContainerRecordOnDisk {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  createdAt: string;
  logPath: string;
  /** Set once the shim reported the main process running. */
  startedAt?: string;
  /** Host PID of the container's main process (PID 1 of its namespace). */
  pid?: number;
  /** The shim's PID and its start time in clock ticks (/proc/PID/stat), against PID reuse. */
  shimPid?: number;
  shimStart?: number;
}

export interface ExitRecord {
  exitCode: number;
  signal?: number;
  startedAt?: Date;
  finishedAt: Date;
  reason?: string;
  message?: string;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Parses the shim's exit file: "<code> <signal> <startedMs> <finishedMs> <reason>\n<message>\n". */
export function readExitFile(path: string): ExitRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const nl = text.indexOf('\n');
  const head = (nl < 0 ? text : text.slice(0, nl)).trim().split(' ');
  if (head.length < 4) return undefined;
  const [code, sig, started, finished, reason] = head;
  const message = nl < 0 ? '' : text.slice(nl + 1).replace(/\n$/, '');
  return {
    exitCode: Number(code),
    signal: Number(sig) || undefined,
    startedAt: Number(started) ? new Date(Number(started)) : undefined,
    finishedAt: new Date(Number(finished)),
    reason: reason && reason !== '-' ? reason : undefined,
    message: message || undefined,
  };
}

export function writeExitFile(path: string, e: ExitRecord): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${e.exitCode} ${e.signal ?? 0} ${e.startedAt?.getTime() ?? 0} ${e.finishedAt.getTime()} ${e.reason ?? '-'}\n${e.message ?? ''}\n`);
  renameSync(tmp, path);
}

/** Start time of a process in clock ticks since boot, or undefined when it does not exist. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 22 (starttime) is index 19 after pid and comm; a zombie has exited already.
    if (fields[0] === 'Z') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}
