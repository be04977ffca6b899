// `k8ts-shim exec`: a command run inside a running container's namespaces (its mount namespace and
// root, PID, UTS and IPC namespaces) with the container's environment and working directory.
// Without a tty the command inherits the helper's pipes directly; with one, the helper owns a
// new pseudo-terminal and relays it, and resize requests travel as "COLS ROWS\n" lines on fd 3.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import type { ExecResult, StreamOptions, StreamSession } from '../runtime.js';

export interface ExecTarget {
  shim: string;
  /** Host PID of the container's main process. */
  pid: number;
  namespaces: boolean;
  cwd: string;
  env: string[];
}

function shimArgs(t: ExecTarget, tty: boolean, cmd: string[]): string[] {
  return ['exec', String(t.pid), t.namespaces ? '1' : '0', tty ? '1' : '0', t.cwd, String(t.env.length), ...t.env, '--', ...cmd];
}

const MAX_CAPTURE = 16 * 1024 * 1024;

/** How a captured command ended; its output as text. */
export interface Captured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Collects a spawned command's stdout and stderr (16 MiB at most together) until it closes;
 * after `timeoutSeconds` (when > 0) calls `onTimeout` once, which must make it end.
 */
export function captureOutput(child: ChildProcessByStdio<null, Readable, Readable>, timeoutSeconds: number, onTimeout: () => void): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (d: Buffer) => {
      if (size >= MAX_CAPTURE) return;
      size += d.length;
      into.push(d);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let timedOut = false;
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true;
            onTimeout();
          }, timeoutSeconds * 1000)
        : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

/** Runs a command to completion (exec probes, hooks, non-interactive exec); kills it at the timeout. */
export async function execCapture(t: ExecTarget, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
  const child = spawn(t.shim, shimArgs(t, false, cmd), { stdio: ['ignore', 'pipe', 'pipe'] });
  // SIGTERM: the helper kills the command and exits.
  const r = await captureOutput(child, timeoutSeconds, () => child.kill('SIGTERM'));
  if (r.timedOut) return { exitCode: -1, stdout: r.stdout, stderr: r.stderr, timedOut: true };
  return { exitCode: r.code ?? 128 + signalNumber(r.signal), stdout: r.stdout, stderr: r.stderr };
}

/** An interactive exec: streams wired to kubectl's channels by the agent's stream server. */
export function execSession(t: ExecTarget, cmd: string[], opts: StreamOptions): StreamSession {
  const stdio: ('pipe' | 'ignore')[] = [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', opts.tty ? 'pipe' : 'ignore'];
  const child = spawn(t.shim, shimArgs(t, opts.tty, cmd), { stdio });
  const control = opts.tty ? (child.stdio[3] as NodeJS.WritableStream & { on: (e: string, f: () => void) => void }) : undefined;
  control?.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  let stdout: NodeJS.ReadableStream = child.stdout!;
  let stderr: NodeJS.ReadableStream | undefined = child.stderr!;
  if (opts.tty) {
    // On a terminal everything is one stream; the helper's own errors join it.
    const merged = new PassThrough();
    let open = 2;
    const end = () => {
      if (--open === 0) merged.end();
    };
    child.stdout!.on('data', (d) => merged.write(d)).on('end', end);
    child.stderr!.on('data', (d) => merged.write(d)).on('end', end);
    stdout = merged;
    stderr = undefined;
  }
  const exit = new Promise<{ exitCode: number }>((resolve) => {
    child.on('error', () => resolve({ exitCode: 126 }));
    child.on('close', (code, signal) => resolve({ exitCode: code ?? 128 + signalNumber(signal) }));
  });
  return {
    stdin: child.stdin ?? undefined,
    stdout,
    stderr,
    resize(cols, rows) {
      if (control && cols > 0 && rows > 0) control.write(`${Math.floor(cols)} ${Math.floor(rows)}\n`);
    },
    exit,
    close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** The number of a signal that ended a process (SIGKILL when unknown). */
export function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal ? (constants.signals as Record<string, number>)[signal] : undefined) ?? 9;
}
