// `kubectl attach` to a process-runtime container: what the container prints from now on (read
// from its log as it is written, so attaching never steals output from the log), and, for a
// container created with `stdin: true`, input written into the FIFO the shim made its stdin.
// Containers never get a terminal in this runtime (tty: true is accepted, output is a pipe):
// with a tty requested, stdout and stderr arrive merged and resize does nothing.

import { createWriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Clock } from '../../../util/clock.js';
import type { LogEntry, LogOptions, StreamSession } from '../runtime.js';

export interface AttachSource {
  logs(opts: LogOptions): AsyncIterable<LogEntry>;
  stdinPath?: string;
  tty: boolean;
  /** Resolves with the exit code when the container exits. */
  exited(): Promise<{ exitCode: number }>;
  clock: Clock;
}

export function attachSession(src: AttachSource): StreamSession {
  const stdout = new PassThrough();
  const stderr = src.tty ? undefined : new PassThrough();
  const abort = new AbortController();
  let detach!: (r: { exitCode: number }) => void;
  const detached = new Promise<{ exitCode: number }>((r) => (detach = r));
  const pump = (async () => {
    for await (const e of src.logs({ follow: true, sinceTime: src.clock.now(), signal: abort.signal })) {
      if (abort.signal.aborted) break;
      (e.stream === 'stderr' && stderr ? stderr : stdout).write(`${e.line}\n`);
    }
  })().catch(() => undefined);
  const exit = Promise.race([src.exited(), detached]).then(async (r) => {
    await Promise.race([pump, new Promise((res) => setTimeout(res, 2000))]);
    abort.abort();
    stdout.end();
    stderr?.end();
    return r;
  });
  const stdin = src.stdinPath ? createWriteStream(src.stdinPath, { flags: 'a' }) : undefined;
  stdin?.on('error', () => undefined);
  return {
    stdin,
    stdout,
    stderr,
    resize() {
      /* no terminal */
    },
    exit,
    close() {
      abort.abort();
      stdin?.destroy();
      detach({ exitCode: 0 });
    },
  };
}
