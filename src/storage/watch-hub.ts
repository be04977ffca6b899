// Watch fan-out shared by the store backends.
//
// A backend calls publish() with the events of each committed write batch (in revision order)
// and watch() to register a watcher. The hub guarantees, per watcher: every event with
// revision > fromRevision under the prefix, in revision order, exactly once, never synchronously
// inside watch() or publish() (callbacks run from a microtask, so a callback may itself write or
// open watches without re-entering the backend).
//
// Catch-up: events already committed when the watcher is created (up to `headRevision`) are read
// from the backend's history in chunks through the BacklogReader, yielding to the event loop
// between chunks; live events published meanwhile are queued behind the backlog.

import type { WatchEvent, Watcher } from './store.js';

/**
 * Reads committed events with afterRev < revision <= uptoRev whose key starts with prefix, in
 * revision order, examining at most about `limit` history entries. Must throw
 * StoreCompactedError when afterRev is below the compacted revision (events may be missing).
 */
export type BacklogReader = (prefix: string, afterRev: bigint, uptoRev: bigint, limit: number) => BacklogChunk;

export interface BacklogChunk {
  events: WatchEvent[];
  /** Set when history up to uptoRev was not fully read: the next read continues after it. */
  resumeAfter?: bigint;
}

const BACKLOG_CHUNK = 512;

interface HubWatcher {
  readonly prefix: string;
  /** Revision of the last event delivered (or skipped as not matching) by catch-up. */
  cursor: bigint;
  /** Catch-up reads history until cursor reaches this; live events all have revision > it. */
  readonly catchUpTo: bigint;
  /** Live events waiting for delivery; consumed from `queueHead` to avoid O(n) shifts. */
  queue: WatchEvent[];
  queueHead: number;
  scheduled: boolean;
  closed: boolean;
  readonly onEvent: (ev: WatchEvent) => void;
  readonly onError?: (err: Error) => void;
}

export class WatchHub {
  private readonly watchers = new Set<HubWatcher>();

  constructor(private readonly readBacklog: BacklogReader) {}

  get size(): number {
    return this.watchers.size;
  }

  /**
   * Registers a watcher. `headRevision` is the backend's latest committed revision at this
   * moment: everything up to it comes from history, everything after it from publish().
   */
  watch(
    prefix: string,
    fromRevision: bigint,
    headRevision: bigint,
    onEvent: (ev: WatchEvent) => void,
    onError?: (err: Error) => void,
  ): Watcher {
    const w: HubWatcher = {
      prefix,
      cursor: fromRevision,
      catchUpTo: fromRevision > headRevision ? fromRevision : headRevision,
      queue: [],
      queueHead: 0,
      scheduled: false,
      closed: false,
      onEvent,
      onError,
    };
    this.watchers.add(w);
    this.schedule(w, false);
    return {
      close: () => {
        w.closed = true;
        this.watchers.delete(w);
      },
    };
  }

  /** Events of one committed batch, in increasing revision order. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0 || this.watchers.size === 0) return;
    for (const w of this.watchers) {
      let added = false;
      for (const ev of events) {
        if (ev.revision > w.catchUpTo && ev.key.startsWith(w.prefix)) {
          w.queue.push(ev);
          added = true;
        }
      }
      if (added) this.schedule(w, false);
    }
  }

  /** Fails every watcher with `err` (store closing). */
  closeAll(err: Error): void {
    for (const w of [...this.watchers]) this.fail(w, err);
  }

  private schedule(w: HubWatcher, yieldFirst: boolean): void {
    if (w.scheduled || w.closed) return;
    w.scheduled = true;
    const run = () => {
      w.scheduled = false;
      this.drain(w);
    };
    if (yieldFirst) setImmediate(run);
    else queueMicrotask(run);
  }

  private drain(w: HubWatcher): void {
    if (w.closed) return;
    if (w.cursor < w.catchUpTo) {
      let chunk: BacklogChunk;
      try {
        chunk = this.readBacklog(w.prefix, w.cursor, w.catchUpTo, BACKLOG_CHUNK);
      } catch (err) {
        this.fail(w, asError(err));
        return;
      }
      for (const ev of chunk.events) {
        if (!this.deliver(w, ev)) return;
      }
      if (chunk.resumeAfter !== undefined && chunk.resumeAfter < w.catchUpTo) {
        // More history follows: let other work (writes, requests) run before the next chunk.
        w.cursor = chunk.resumeAfter;
        this.schedule(w, true);
        return;
      }
      w.cursor = w.catchUpTo;
    }
    while (w.queueHead < w.queue.length) {
      const ev = w.queue[w.queueHead++];
      if (!this.deliver(w, ev)) return;
    }
    w.queue = [];
    w.queueHead = 0;
  }

  private deliver(w: HubWatcher, ev: WatchEvent): boolean {
    if (w.closed) return false;
    w.cursor = ev.revision;
    try {
      w.onEvent(ev);
    } catch (err) {
      // A throwing consumer must not break delivery to the others; it loses its watch instead.
      this.fail(w, asError(err));
      return false;
    }
    return !w.closed;
  }

  private fail(w: HubWatcher, err: Error): void {
    if (w.closed) return;
    w.closed = true;
    this.watchers.delete(w);
    reportWatchError(err, w.onError);
  }
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Hands a watch failure to its handler; without one it becomes a process warning, never silence. */
export function reportWatchError(err: Error, onError?: (err: Error) => void): void {
  if (onError) {
    try {
      onError(err);
    } catch (inner) {
      process.emitWarning(asError(inner));
    }
  } else {
    process.emitWarning(err);
  }
}
