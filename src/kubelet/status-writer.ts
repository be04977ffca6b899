// Writes pod statuses to the API, as the kubelet's status manager does: only when the status
// changed, at most one write in flight per pod, and bursts of changes coalesced into one write
// (the latest status wins). Writes are strategic merge patches of the status subresource that
// carry the pod's uid, so a pod replaced under the same name is never written to, and only the
// fields that changed travel; conditions merge by type, leaving other writers' conditions alone.

import { ApiError } from '../api/errors.js';
import type { JsonObject, KObject } from '../api/types.js';
import type { ResourceClient } from '../client/resources.js';
import { WorkQueue, runWorkers } from '../client/work-queue.js';
import type { Clock } from '../util/clock.js';
import { KUBELET_CONDITIONS } from './pod-status.js';
import { startTrace, startTraceOn } from '../util/start-trace.js';

interface Entry {
  namespace: string;
  name: string;
  uid: string;
  /** Status to reach, and its JSON (compared instead of the object). */
  desired: JsonObject;
  desiredKey: string;
  /** Status the API has as far as we know (our last successful write, or what we first saw). */
  acked: JsonObject;
  ackedKey: string;
  waiters: (() => void)[];
}

export interface StatusWriterOptions {
  concurrency?: number;
  onError?: (pod: string, err: unknown) => void;
}

export class StatusWriter {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: WorkQueue;
  private running?: Promise<void>;
  private writes = 0;
  private stopped = false;

  constructor(
    private readonly pods: ResourceClient,
    clock: Clock,
    private readonly opts: StatusWriterOptions = {},
  ) {
    this.queue = new WorkQueue(clock, { baseDelayMs: 100, maxDelayMs: 30_000, qps: 1e9, burst: 1e9 });
  }

  start(): void {
    this.running ??= runWorkers(this.queue, this.opts.concurrency ?? 8, (uid) => this.write(uid), (uid, err) => this.opts.onError?.(uid, err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutDown();
    await this.running;
    for (const e of this.entries.values()) for (const w of e.waiters.splice(0)) w();
  }

  /** The status last set for the pod (what the agent believes it reported). */
  latest(uid: string): JsonObject | undefined {
    return this.entries.get(uid)?.desired;
  }

  /** Number of status writes sent (tests and benchmarks). */
  get writeCount(): number {
    return this.writes;
  }

  /** Sets the pod's status; a write follows only if it differs from the last one. */
  set(pod: KObject, status: JsonObject): void {
    const uid = pod.metadata.uid!;
    const key = JSON.stringify(status);
    let e = this.entries.get(uid);
    if (!e) {
      const acked = (pod.status ?? {}) as JsonObject;
      e = { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid, desired: status, desiredKey: key, acked, ackedKey: JSON.stringify(acked), waiters: [] };
      this.entries.set(uid, e);
    } else {
      if (key === e.desiredKey) return;
      e.desired = status;
      e.desiredKey = key;
    }
    if (e.desiredKey !== e.ackedKey) this.queue.add(uid);
  }

  /** Resolves once the latest status set for the pod has been written (or the pod is gone). */
  flush(uid: string): Promise<void> {
    const e = this.entries.get(uid);
    if (this.stopped || !e || e.desiredKey === e.ackedKey) return Promise.resolve();
    return new Promise((resolve) => {
      e.waiters.push(resolve);
      this.queue.add(uid);
    });
  }

  forget(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    this.entries.delete(uid);
    for (const w of e.waiters.splice(0)) w();
  }

  private async write(uid: string): Promise<void> {
    const e = this.entries.get(uid);
    if (!e) return;
    const desired = e.desired;
    const desiredKey = e.desiredKey;
    const patch = desiredKey === e.ackedKey ? undefined : patchFor(e.acked, desired);
    if (!patch) {
      e.acked = desired;
      e.ackedKey = desiredKey;
      for (const w of e.waiters.splice(0)) w();
      return;
    }
    const running = startTraceOn && patch.phase === 'Running';
    if (running) startTrace(`${e.namespace}/${e.name}`, 'status-sent');
    try {
      this.writes++;
      await this.pods.patch(e.namespace, e.name, 'strategic', { metadata: { uid }, status: patch }, { subresource: 'status' });
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409 || err.code === 422)) {
        // Gone, replaced (uid mismatch) or refused for good: nothing more to write for it.
        if (err.code === 422) this.opts.onError?.(`${e.namespace}/${e.name}`, err);
        if (this.entries.get(uid) === e) this.forget(uid);
        return;
      }
      throw err;
    }
    if (running) startTrace(`${e.namespace}/${e.name}`, 'status-acked');
    if (this.entries.get(uid) !== e) return;
    e.acked = desired;
    e.ackedKey = desiredKey;
    if (e.desired !== desired) this.queue.add(uid);
    else for (const w of e.waiters.splice(0)) w();
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The status part of a strategic merge patch from `base` to `next`, or undefined when nothing
 * changed. Top-level fields are replaced when they differ; the kubelet's conditions are sent
 * whole (a reason or message a condition lost goes as null, which drops it) with their order.
 */
export function patchFor(base: JsonObject, next: JsonObject): JsonObject | undefined {
  const patch: JsonObject = {};
  let changed = false;
  for (const [k, v] of Object.entries(next)) {
    if (k === 'conditions') continue;
    if (!same(base[k], v)) {
      patch[k] = v;
      changed = true;
    }
  }
  for (const k of ['reason', 'message']) {
    if (base[k] !== undefined && next[k] === undefined) {
      patch[k] = null;
      changed = true;
    }
  }
  const oldConds: JsonObject[] = Array.isArray(base.conditions) ? base.conditions : [];
  const newConds: JsonObject[] = Array.isArray(next.conditions) ? next.conditions : [];
  const diff = newConds.filter((c) => KUBELET_CONDITIONS.includes(c.type) && !same(c, oldConds.find((o) => o.type === c.type)));
  const orderChanged = !same(
    oldConds.map((c) => c.type),
    newConds.map((c) => c.type),
  );
  if (diff.length || orderChanged) {
    patch['$setElementOrder/conditions'] = newConds.map((c) => ({ type: c.type }));
    patch.conditions = diff.map((c) => {
      // A reason or message the condition no longer has is deleted with null (only when it had one).
      const old = oldConds.find((o) => o.type === c.type);
      const out: JsonObject = { ...c };
      for (const k of ['reason', 'message']) if (old?.[k] !== undefined && c[k] === undefined) out[k] = null;
      return out;
    });
    changed = true;
  }
  return changed ? patch : undefined;
}
