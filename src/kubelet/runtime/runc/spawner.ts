// Starts the runc runtime's host programs (runc or crun, k8ts-shim's pod and run modes, ip,
// umount) through one k8ts-shim spawner process (../process/shim-spawner-source.ts) instead of
// forking the agent for each: a Node process forks with all its memory mapped and its event loop
// waits until the child has exec'd, a few ms per child and much more on a busy machine, which
// in a burst of pod starts held up everything else the process does (API server, scheduler).
// Same contract as hostCommand: stdout on success, HostCommandError with stderr otherwise.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { HostCommandError } from './host-command.js';

export type HostExec = (cmd: string, args: string[], opts?: { timeoutMs?: number }) => Promise<string>;

interface Job {
  detach: boolean;
  done: (status: number, stdout: Buffer, stderr: Buffer) => void;
  answered?: (pid: number, line: string) => void;
  failed: (err: Error) => void;
}

/** A started job that lives on (a container's supervisor): its first line and its end. */
export interface DetachedJob {
  pid: number;
  line: string;
  /** true once the process exited; false if the spawner went away first (watch it otherwise). */
  exited: Promise<boolean>;
}

/** A wait status's exit code or signal. */
function decode(status: number): { code: number | null; signal: number | null } {
  const sig = status & 0x7f;
  return sig === 0 ? { code: (status >> 8) & 0xff, signal: null } : { code: null, signal: sig };
}

export class Spawner {
  private proc?: ChildProcess;
  private nextId = 1;
  private readonly jobs = new Map<number, Job>();
  /** Jobs someone waits for (the agent's event loop stays alive for them; detached ones do not count). */
  private waited = 0;
  private buf: Buffer = Buffer.alloc(0);
  private corked = false;

  constructor(private readonly shim: string) {}

  /** Runs `cmd args` to its end: its stdout, or a HostCommandError with its stderr. */
  run: HostExec = (cmd, args, opts = {}) =>
    new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const id = this.submit(cmd, args, false, {
        detach: false,
        done: (status, stdout, stderr) => {
          if (timer) clearTimeout(timer);
          const { code } = decode(status);
          if (code === 0) resolve(stdout.toString('utf8'));
          else reject(new HostCommandError(`${cmd} ${args[0] ?? ''}`.trim(), code, stderr.toString('utf8')));
        },
        failed: (err) => {
          if (timer) clearTimeout(timer);
          reject(new HostCommandError(`${cmd} ${args.join(' ')}`, null, err.message));
        },
      });
      if (id !== undefined && opts.timeoutMs) timer = setTimeout(() => this.signal(id, 9), opts.timeoutMs);
    });

  /** Starts a process that lives on; resolves with its pid and first line of output. */
  start(cmd: string, args: string[]): Promise<DetachedJob> {
    return new Promise((resolve, reject) => {
      let exit!: (known: boolean) => void;
      const exited = new Promise<boolean>((r) => (exit = r));
      let answered = false;
      this.submit(cmd, args, true, {
        detach: true,
        answered: (pid, line) => {
          answered = true;
          resolve({ pid, line, exited });
        },
        done: () => exit(true),
        failed: (err) => {
          exit(false);
          if (!answered) reject(err);
        },
      });
    });
  }

  /** A handle whose ref() keeps the agent's event loop alive until unref() (someone waits for a detached job's end). */
  keepAlive(): { ref(): void; unref(): void } {
    let held = false;
    return {
      ref: () => {
        if (!held) this.hold(1);
        held = true;
      },
      unref: () => {
        if (held) this.hold(-1);
        held = false;
      },
    };
  }

  /** Ends the spawner once the jobs waited for are done (detached ones go on); a later job starts another. */
  close(): void {
    this.proc?.stdin?.end();
  }

  private submit(cmd: string, args: string[], detach: boolean, job: Job): number | undefined {
    const proc = this.ensure();
    for (const a of [cmd, ...args]) {
      if (a.includes('\0')) {
        job.failed(new Error(`an argument of ${cmd} contains a NUL byte`));
        return undefined;
      }
    }
    const id = this.nextId++;
    this.jobs.set(id, job);
    if (!detach) this.hold(1);
    const payload = Buffer.from(`r\0${id}\0${detach ? 1 : 0}\0${[cmd, ...args].join('\0')}\0`);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(payload.length);
    this.send(proc, Buffer.concat([head, payload]));
    return id;
  }

  private signal(id: number, sig: number): void {
    const payload = Buffer.from(`k\0${id}\0${sig}\0`);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(payload.length);
    if (this.proc) this.send(this.proc, Buffer.concat([head, payload]));
  }

  /** Frames of one tick go to the spawner in one write (each write wakes it up). */
  private send(proc: ChildProcess, frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      proc.stdin!.cork();
      process.nextTick(() => {
        this.corked = false;
        proc.stdin!.uncork();
      });
    }
    proc.stdin!.write(frame);
  }

  /** References the spawner's pipe while jobs are waited for, so a waiting agent does not exit. */
  private hold(delta: number): void {
    this.waited = Math.max(0, this.waited + delta);
    const out = this.proc?.stdout as Socket | undefined;
    if (this.waited > 0) out?.ref();
    else out?.unref();
  }

  private ensure(): ChildProcess {
    if (this.proc && this.proc.stdin?.writable) return this.proc;
    const proc = spawn(this.shim, ['spawner'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.proc = proc;
    proc.unref();
    (proc.stdin as Socket).unref();
    (proc.stdout as Socket).unref();
    proc.stdin!.on('error', () => undefined);
    proc.stdout!.on('data', (d: Buffer) => this.onData(d));
    const gone = () => {
      if (this.proc === proc) this.proc = undefined;
      this.buf = Buffer.alloc(0);
      const jobs = [...this.jobs.values()];
      this.jobs.clear();
      this.waited = 0;
      for (const j of jobs) j.failed(new Error('the k8ts-shim spawner exited'));
    };
    proc.once('error', gone);
    proc.once('exit', gone);
    return proc;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32LE(0);
      if (this.buf.length < 4 + len) break;
      const frame = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      this.onFrame(frame);
    }
  }

  private onFrame(f: Buffer): void {
    const fields: string[] = [];
    let i = 2;
    const want = f[0] === 0x64 /* d */ ? 3 : 2;
    while (fields.length < want) {
      const z = f.indexOf(0, i);
      fields.push(f.subarray(i, z).toString('utf8'));
      i = z + 1;
    }
    const id = Number(fields[0]);
    const job = this.jobs.get(id);
    if (!job) return;
    if (f[0] === 0x6f /* o */) {
      job.answered?.(Number(fields[1]), f.subarray(i).toString('utf8'));
      return;
    }
    const outLen = Number(fields[2]);
    this.jobs.delete(id);
    if (!job.detach) this.hold(-1);
    job.done(Number(fields[1]), f.subarray(i, i + outLen), f.subarray(i + outLen));
  }
}
