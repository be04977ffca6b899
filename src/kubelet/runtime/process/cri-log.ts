// Reading container logs in the CRI format (`<RFC3339Nano> stdout|stderr F|P <content>`), as the
// kubelet does for `kubectl logs`: rotated files (`<log>.N` oldest ... `<log>.1`, then `<log>`)
// are read in order, partial (P) segments are joined into one line, tail and since are applied,
// and follow keeps reading across rotations until the writer is done.

import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { LogEntry, LogOptions } from '../runtime.js';

export interface CriLine {
  timestamp: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: string;
}

/** Parses one line of a CRI log file; undefined for a malformed line. */
export function parseCriLine(line: string): CriLine | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  const c = b < 0 ? -1 : line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag may carry more fields after ':' in other writers; only F/P matters.
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { timestamp: line.slice(0, a), stream, partial: tag.startsWith('P'), content: c < 0 ? '' : line.slice(c + 1) };
}

/** Rotated files of `path`, oldest first, then `path` itself. */
export async function logFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rotated = names
    .map((n) => (n.startsWith(`${base}.`) ? Number(n.slice(base.length + 1)) : NaN))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((x, y) => y - x)
    .map((n) => `${path}.${n}`);
  return names.includes(base) ? [...rotated, path] : rotated;
}

export interface FollowControl {
  /** True once nothing will be written to the log any more (the container exited). */
  done(): boolean;
}

/** Joins P segments and turns lines into entries. */
class EntryAssembler {
  private pending?: { timestamp: string; stream: 'stdout' | 'stderr'; parts: string[] };

  push(raw: string): LogEntry | undefined {
    const l = parseCriLine(raw);
    if (!l) return undefined;
    const p = this.pending;
    if (p && p.stream === l.stream) {
      p.parts.push(l.content);
      if (l.partial) return undefined;
      this.pending = undefined;
      return entry(p.timestamp, p.stream, p.parts.join(''));
    }
    if (l.partial) {
      this.pending = { timestamp: l.timestamp, stream: l.stream, parts: [l.content] };
      return undefined;
    }
    return entry(l.timestamp, l.stream, l.content);
  }
}

/** An entry whose Date is only built when asked for (most readers print the timestamp text). */
class CriEntry implements LogEntry {
  private date?: Date;
  constructor(
    readonly timestamp: string,
    readonly stream: 'stdout' | 'stderr',
    readonly line: string,
  ) {}

  get time(): Date {
    return (this.date ??= new Date(this.timestamp));
  }
}

function entry(timestamp: string, stream: 'stdout' | 'stderr', line: string): LogEntry {
  return new CriEntry(timestamp, stream, line);
}

/** Reads complete lines from an open file, remembering where it stopped. */
class LineReader {
  private offset = 0;
  private rest = '';
  private readonly buf = Buffer.alloc(256 * 1024);

  constructor(readonly fh: FileHandle) {}

  /** Lines available now (complete ones only). */
  async read(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.offset);
      if (bytesRead === 0) return out;
      this.offset += bytesRead;
      const text = this.rest + this.buf.toString('utf8', 0, bytesRead);
      const lines = text.split('\n');
      this.rest = lines.pop() ?? '';
      for (const l of lines) out.push(l);
      if (bytesRead < this.buf.length) return out;
    }
  }
}

/**
 * Entries of the log at `path` (and its rotated files) with the options of `kubectl logs`.
 * With follow, `ctl.done()` says when the writer has finished; reading then ends at the end.
 */
export async function* readCriLog(path: string, opts: LogOptions, ctl: FollowControl): AsyncGenerator<LogEntry> {
  const since = opts.sinceTime?.getTime();
  const keep = (e: LogEntry) => since === undefined || e.time.getTime() >= since;
  const asm = new EntryAssembler();
  const tail = opts.tailLines;
  // Whether the writer had finished before the last full read: then that read saw everything.
  let finished = ctl.done();
  const files = await logFiles(path);
  const ring: LogEntry[] = [];
  let current: { reader: LineReader; ino: number } | undefined;
  for (const f of files) {
    let fh: FileHandle;
    try {
      fh = await open(f, 'r');
    } catch {
      continue; // rotated away between listing and opening
    }
    const reader = new LineReader(fh);
    for (const raw of await reader.read()) {
      const e = asm.push(raw);
      if (!e || !keep(e)) continue;
      if (tail === undefined) yield e;
      else if (tail > 0) {
        ring.push(e);
        if (ring.length > tail) ring.shift();
      }
    }
    if (f === path) current = { reader, ino: (await fh.stat()).ino };
    else await fh.close();
  }
  for (const e of ring) yield e;
  if (!opts.follow) {
    await current?.reader.fh.close();
    return;
  }
  const waiter = new ChangeWaiter(dirname(path));
  try {
    for (;;) {
      if (finished || opts.signal?.aborted) return;
      finished = ctl.done();
      if (!finished) await waiter.next(opts.signal);
      if (!current) {
        try {
          const fh = await open(path, 'r');
          current = { reader: new LineReader(fh), ino: (await fh.stat()).ino };
        } catch {
          continue;
        }
      }
      for (const raw of await current.reader.read()) {
        const e = asm.push(raw);
        if (e && keep(e)) yield e;
      }
      // Rotated: the old file is complete (the writer renamed it), so drain it, then read the
      // files rotated after it (oldest first) before switching to the new current file.
      const now = await stat(path).catch(() => undefined);
      if (now && now.ino !== current.ino) {
        for (const raw of await current.reader.read()) {
          const e = asm.push(raw);
          if (e && keep(e)) yield e;
        }
        await current.reader.fh.close();
        const oldIno = current.ino;
        current = undefined;
        const rotated = (await logFiles(path)).filter((f) => f !== path);
        const inos = await Promise.all(rotated.map((f) => stat(f).then((st) => st.ino, () => -1)));
        // Files are deleted oldest first: if ours is gone, every remaining one is newer.
        const newer = rotated.slice(inos.indexOf(oldIno) + 1);
        for (const f of newer) {
          const fh = await open(f, 'r').catch(() => undefined);
          if (!fh) continue;
          for (const raw of await new LineReader(fh).read()) {
            const e = asm.push(raw);
            if (e && keep(e)) yield e;
          }
          await fh.close();
        }
        finished = false; // read the new file at least once more
      }
    }
  } finally {
    waiter.close();
    await current?.reader.fh.close().catch(() => undefined);
  }
}

/** Resolves on a change in a directory (inotify), or after a short fallback delay. */
class ChangeWaiter {
  private watcher?: FSWatcher;
  private wake?: () => void;
  private dirty = false;

  constructor(dir: string) {
    try {
      this.watcher = watch(dir, () => {
        this.dirty = true;
        this.wake?.();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = undefined;
    }
  }

  next(signal?: AbortSignal): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.dirty = false;
        resolve();
      };
      const t = setTimeout(done, this.watcher ? 1000 : 100);
      this.wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    this.watcher?.close();
  }
}
