// Runs a host program (runc, ip, unshare, mount) and returns its output, or rejects with its
// stderr: the agent's own plumbing, never a container's workload.

import { spawn } from 'node:child_process';

export class HostCommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || `exit status ${code}`}`);
    this.name = 'HostCommandError';
  }
}

export function hostCommand(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new HostCommandError(`${cmd} ${args.join(' ')}`, null, e.message));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new HostCommandError(`${cmd} ${args[0] ?? ''}`.trim(), code, err));
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
