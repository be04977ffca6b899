// Logs and attach of a container that a supervisor runs with its output in a CRI log file and
// (when created with `stdin: true`) its stdin on a FIFO in the container's directory: the same
// for the process and the runc runtimes.

import { join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import { attachSession } from './process/attach-session.js';
import { readCriLog } from './process/cri-log.js';
import { exitedCode, type SupervisedContainer } from './runtime-common.js';
import type { LogEntry, LogOptions, StreamOptions, StreamSession } from './runtime.js';

export interface LoggedContainer extends SupervisedContainer {
  dir: string;
  rec: { logPath: string; config: { stdin?: boolean } };
}

/** The container's log lines; a follow ends once it has exited or is gone (`known` false). */
export function containerLogs(c: LoggedContainer, known: () => boolean, opts: LogOptions = {}): AsyncIterable<LogEntry> {
  return readCriLog(c.rec.logPath, opts, { done: () => c.state === 'exited' || !known() });
}

/** kubectl attach: output from the log as it is written; input into the stdin FIFO (stdin: true). */
export function attachContainer(c: LoggedContainer, id: string, opts: StreamOptions, logs: (o: LogOptions) => AsyncIterable<LogEntry>, clock: Clock): StreamSession {
  if (c.state !== 'running') throw new Error(`cannot attach to a stopped container: container ${id} is ${c.state}`);
  return attachSession({
    logs,
    stdinPath: opts.stdin && c.rec.config.stdin ? join(c.dir, 'stdin') : undefined,
    tty: opts.tty,
    exited: () => exitedCode(c),
    clock,
  });
}
