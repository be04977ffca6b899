// `runc exec` for the agent: a command run to completion with its output captured (exec probes,
// hooks, `kubectl exec` without a terminal), and interactive sessions through k8ts-shim's exec
// mode, which owns the pseudo-terminal `runc exec --tty` needs and relays it (see the process
// runtime's exec-session.ts).

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ExecResult, StreamOptions, StreamSession } from '../runtime.js';
import { captureOutput, execSession, signalNumber } from '../process/exec-session.js';
import type { RuncCli } from './runc-cli.js';

const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

/** runc reports a process it could not start on stderr and exits 255; say it as a shell would. */
function startFailure(stderr: string): number | undefined {
  // runc: "exec failed: unable to start container process: ..."; crun: "executable file `x` not found in $PATH".
  if (!/exec failed|unable to start container process|executable file `.*` not found|^(crun: )?exec /m.test(stderr)) return undefined;
  return /not found|no such file/i.test(stderr) ? 127 : 126;
}

export async function runcExecCapture(runc: RuncCli, id: string, dir: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
  const pidFile = join(dir, `exec-${randomBytes(6).toString('hex')}.pid`);
  try {
    const [file, args] = runc.command(runc.execArgs(id, cmd, { pidFile }));
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: ENV[0].slice(5) } });
    const r = await captureOutput(child, timeoutSeconds, () => {
      // The command itself, then runc: killing runc alone would leave the command running.
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      } catch {
        /* not started or gone */
      }
      child.kill('SIGKILL');
    });
    if (r.timedOut) return { exitCode: -1, stdout: r.stdout, stderr: r.stderr, timedOut: true };
    const failed = r.code === 255 ? startFailure(r.stderr) : undefined;
    return { exitCode: failed ?? r.code ?? 128 + signalNumber(r.signal), stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(pidFile, { force: true });
  }
}

export function runcExecStream(shim: string, runc: RuncCli, id: string, cmd: string[], opts: StreamOptions): StreamSession {
  return execSession({ shim, pid: 0, namespaces: false, cwd: '', env: ENV }, runc.argv(runc.execArgs(id, cmd, { tty: opts.tty })), opts);
}
