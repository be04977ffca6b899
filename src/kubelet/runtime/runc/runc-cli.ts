// The runc commands the runtime uses besides `run` (which a supervisor runs, see runc-runtime.ts),
// against the runtime's own state directory (`runc --root`), so containers of other tools and
// other agents are never touched. Works with crun as well (same command line).

import { hostCommand, HostCommandError } from './host-command.js';

export interface RuncState {
  id: string;
  pid: number;
  status: 'created' | 'running' | 'paused' | 'stopped' | string;
  bundle: string;
}

function gone(err: unknown): boolean {
  return err instanceof HostCommandError && /does not exist|not running|not found|container not running|no such/i.test(err.stderr);
}

export class RuncCli {
  constructor(
    readonly binary: string,
    readonly root: string,
  ) {}

  /** Global arguments: state directory, and a log file for runc's own messages. */
  base(logFile?: string): string[] {
    return logFile ? ['--root', this.root, '--log', logFile, '--log-format', 'json'] : ['--root', this.root];
  }

  async version(): Promise<string> {
    const out = await hostCommand(this.binary, ['--version']);
    const m = /version\s+(\S+)/.exec(out);
    return m ? m[1] : out.split('\n')[0].trim();
  }

  /** Sends a signal to the container's init; false when the container is not running. */
  async kill(id: string, signal: 'TERM' | 'KILL' | string): Promise<boolean> {
    try {
      await hostCommand(this.binary, [...this.base(), 'kill', id, signal], { timeoutMs: 10_000 });
      return true;
    } catch (err) {
      if (gone(err)) return false;
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await hostCommand(this.binary, [...this.base(), 'delete', '--force', id], { timeoutMs: 10_000 });
    } catch (err) {
      if (!gone(err)) throw err;
    }
  }

  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await hostCommand(this.binary, [...this.base(), 'state', id], { timeoutMs: 10_000 })) as RuncState;
    } catch (err) {
      if (gone(err)) return undefined;
      throw err;
    }
  }

  async list(): Promise<RuncState[]> {
    const out = await hostCommand(this.binary, [...this.base(), 'list', '--format', 'json'], { timeoutMs: 10_000 });
    const parsed = JSON.parse(out.trim() || '[]') as RuncState[] | null;
    return parsed ?? [];
  }

  /** Arguments of `runc exec` for a command in container `id`. */
  execArgs(id: string, cmd: string[], o: { tty?: boolean; pidFile?: string } = {}): string[] {
    const a = [...this.base(), 'exec'];
    if (o.tty) a.push('--tty');
    if (o.pidFile) a.push('--pid-file', o.pidFile);
    return [...a, id, ...cmd];
  }
}
