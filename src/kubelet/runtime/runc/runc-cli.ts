// The runc commands the runtime uses besides `run` (which a supervisor runs, see runc-runtime.ts),
// against the runtime's own state directory (`runc --root`), so containers of other tools and
// other agents are never touched. Works with crun as well (same command line), with two
// differences handled here (runtimeFlavour):
// - crun's `run` has no `--keep` (the container and its cgroup would go with its exit, and the
//   OOM counter with them): crun containers are started with `run --detach` under a reaping
//   supervisor (supervisor.ts) and deleted by the agent, as runc's are;
// - crun refuses a hybrid cgroup layout whose cgroup2 mount still has controllers ("cgroups in
//   hybrid mode not supported, drop all controllers from cgroupv2"): then every crun command runs
//   in a mount namespace of its own without that mount (a slave copy of the node's mounts, so it
//   leaves the node's alone). Only short-lived crun processes live there: `run --detach` exits
//   once the container runs, and the container itself pivots away from the copy.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostCommand, HostCommandError } from './host-command.js';

export interface RuncState {
  id: string;
  pid: number;
  status: 'created' | 'running' | 'paused' | 'stopped' | string;
  bundle: string;
}

function gone(err: unknown): boolean {
  return err instanceof HostCommandError && /does not exist|not running|not found|container not running|no such|error opening file/i.test(err.stderr);
}

export interface RuntimeFlavour {
  /** crun (no `run --keep`: started detached under a reaper). */
  crun: boolean;
  /** Run it without the cgroup2 mount of a hybrid layout (crun only). */
  hideCgroup2: boolean;
}

const UNIFIED = '/sys/fs/cgroup/unified';

/** Whether this is a hybrid cgroup layout whose cgroup2 mount holds controllers (crun refuses it). */
export function hybridCgroup2WithControllers(root = '/sys/fs/cgroup'): boolean {
  if (existsSync(`${root}/cgroup.controllers`)) return false;
  try {
    return readFileSync(`${root}/unified/cgroup.controllers`, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/** Which OCI runtime `binary` is, from its `--version` (asked once per path). */
export function runtimeFlavour(binary: string, versionText?: string): RuntimeFlavour {
  let text = versionText;
  if (text === undefined) {
    try {
      text = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    } catch {
      text = '';
    }
  }
  const crun = /^crun version/m.test(text);
  return { crun, hideCgroup2: crun && hybridCgroup2WithControllers() };
}

const HIDE_CGROUP2 = `umount ${UNIFIED} 2>/dev/null; exec "$0" "$@"`;

export class RuncCli {
  readonly flavour: RuntimeFlavour;

  constructor(
    readonly binary: string,
    readonly root: string,
    flavour?: RuntimeFlavour,
    private readonly exec: (cmd: string, args: string[], opts?: { timeoutMs?: number }) => Promise<string> = hostCommand,
  ) {
    this.flavour = flavour ?? { crun: false, hideCgroup2: false };
  }

  /** Program and arguments running the runtime with `args` (in a mount namespace of its own when needed). */
  command(args: string[]): [string, string[]] {
    if (!this.flavour.hideCgroup2) return [this.binary, args];
    return ['unshare', ['--mount', '--propagation', 'slave', 'sh', '-c', HIDE_CGROUP2, this.binary, ...args]];
  }

  /** `command` as one argv. */
  argv(args: string[]): string[] {
    const [cmd, rest] = this.command(args);
    return [cmd, ...rest];
  }

  private run(args: string[], timeoutMs = 10_000): Promise<string> {
    const [cmd, rest] = this.command(args);
    return this.exec(cmd, rest, { timeoutMs });
  }

  /** Global arguments: state directory, and a log file for runc's own messages. */
  base(logFile?: string): string[] {
    return logFile ? ['--root', this.root, '--log', logFile, '--log-format', 'json'] : ['--root', this.root];
  }

  /**
   * Arguments that start container `id` from `bundle`, writing its pid to `pidFile`: runc runs
   * it in the foreground (`--keep`: the container stays until deleted); crun starts it detached.
   */
  runArgs(id: string, bundle: string, pidFile: string, logFile: string): string[] {
    const mode = this.flavour.crun ? ['run', '--detach'] : ['run', '--keep'];
    return [...this.base(logFile), ...mode, '--bundle', bundle, '--pid-file', pidFile, id];
  }

  async version(): Promise<string> {
    const out = await hostCommand(this.binary, ['--version']);
    const m = /version\s+(\S+)/.exec(out);
    return m ? m[1] : out.split('\n')[0].trim();
  }

  /** Sends a signal to the container's init; false when the container is not running. */
  async kill(id: string, signal: 'TERM' | 'KILL' | string): Promise<boolean> {
    try {
      await this.run([...this.base(), 'kill', id, signal]);
      return true;
    } catch (err) {
      if (gone(err)) return false;
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await this.run([...this.base(), 'delete', '--force', id]);
    } catch (err) {
      if (!gone(err)) throw err;
    }
  }

  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await this.run([...this.base(), 'state', id])) as RuncState;
    } catch (err) {
      if (gone(err)) return undefined;
      throw err;
    }
  }

  async list(): Promise<RuncState[]> {
    const out = await this.run([...this.base(), 'list', '--format', 'json']);
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
