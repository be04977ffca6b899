// GET /containerLogs: a container's log as `kubectl logs` prints it, one line per entry, with the
// recorded timestamp first when asked (RFC 3339, nanoseconds, trailing zeros dropped as Go's
// RFC3339Nano does). Follow streams until the container stops or the client goes away; the
// body is written with back-pressure, so a slow reader slows the file reader, not memory.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { ContainerStreams } from '../container-streams.js';
import type { LogEntry } from '../runtime/runtime.js';

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ApiError(400, 'BadRequest', `invalid ${name}: ${v}`);
  return n;
}

/** Go's RFC3339Nano: the fraction without trailing zeros (and no dot when it is zero). */
export function rfc3339Nano(e: LogEntry): string {
  const ts = e.timestamp ?? e.time.toISOString();
  return ts.replace(/\.(\d*?)0+Z$/, (_m, d: string) => (d ? `.${d}Z` : 'Z'));
}

export async function serveLogs(streams: ContainerStreams, ns: string, pod: string, container: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const sinceTimeParam = q.get('sinceTime');
  const sinceTime = sinceSeconds !== undefined ? new Date(Date.now() - sinceSeconds * 1000) : sinceTimeParam ? new Date(sinceTimeParam) : undefined;
  if (sinceTime && Number.isNaN(sinceTime.getTime())) throw new ApiError(400, 'BadRequest', `invalid sinceTime: ${sinceTimeParam}`);
  const tailLines = intParam(q, 'tailLines');
  const limitBytes = intParam(q, 'limitBytes');
  const timestamps = flag('timestamps');
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const entries = streams.logs(ns, pod, container, {
    follow: flag('follow'),
    previous: flag('previous'),
    tailLines: tailLines !== undefined && tailLines >= 0 ? tailLines : undefined,
    sinceTime,
    signal: abort.signal,
  });
  const it = entries[Symbol.asyncIterator]();
  // The first entry (or the end) decides the status: an error before any output is a Status.
  const first = await it.next();
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let written = 0;
  // Lines read together leave in one write: a batch is flushed when it is large or when the
  // reader yields to the event loop (it waits for the file to grow).
  let batch = '';
  let scheduled = false;
  const flush = (): boolean => {
    scheduled = false;
    if (!batch) return true;
    const b = batch;
    batch = '';
    return res.write(b);
  };
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  try {
    for (let r = first; !r.done; r = await it.next()) {
      if (abort.signal.aborted) break;
      let text = `${timestamps ? `${rfc3339Nano(r.value)} ` : ''}${r.value.line}\n`;
      const last = limitBytes !== undefined && written + text.length >= limitBytes;
      if (last) text = text.slice(0, Math.max(0, limitBytes! - written));
      written += text.length;
      batch += text;
      if (last) break;
      if (batch.length >= 64 * 1024) {
        if (!flush()) await drained();
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          if (scheduled && !res.writableEnded) flush();
        });
      }
    }
    flush();
  } catch {
    /* the reader failed after the headers went out: end the body */
  } finally {
    await it.return?.(undefined);
    if (!res.writableEnded) res.end();
  }
  void req;
}
