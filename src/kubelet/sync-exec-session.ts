// `kubectl exec` on a runtime that only has execSync (the sim): the command runs to completion,
// then its output and exit code are delivered as a stream session. Input is read and dropped
// (a simulated command has no stdin), so `echo x | kubectl exec -i` still ends normally.

import { PassThrough } from 'node:stream';
import type { ExecResult, StreamSession } from './runtime/runtime.js';

export function syncExecSession(run: () => Promise<ExecResult>, withStdin: boolean): StreamSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = withStdin ? new PassThrough() : undefined;
  stdin?.resume();
  const exit = run().then(
    (r) => {
      stdout.end(r.stdout);
      stderr.end(r.stderr);
      return { exitCode: r.timedOut ? 124 : r.exitCode };
    },
    (err: unknown) => {
      stdout.end();
      stderr.end(`${err instanceof Error ? err.message : String(err)}\n`);
      return { exitCode: 126 };
    },
  );
  return {
    stdin,
    stdout,
    stderr,
    resize() {
      /* no terminal */
    },
    exit,
    close() {
      /* the simulated command is instantaneous */
    },
  };
}
