// The scheduling queue, shaped like upstream's PriorityQueue (pkg/scheduler/backend/queue):
//  - active: pods ready to be tried, highest priority first, then in order of (re)entry;
//  - backoff: pods that failed recently and wait 1 s, doubling per attempt up to 10 s;
//  - unschedulable: pods no node fits; they leave only when a cluster event may help them (the
//    event names the plugins it can change, and the pod remembers which plugins rejected it), or
//    after `maxUnschedulableMs` in any case (upstream: 5 min; more eager here).
// A pod is in exactly one place, or "in flight" between pop() and one of the done*() calls; an
// event that arrives while pods are in flight makes their failure go to backoff rather than to
// unschedulable, so the event is not lost (upstream's moveRequestCycle).

import type { KObject } from '../api/types.js';
import { realClock, type Clock } from '../util/clock.js';
import { Heap } from './heap.js';

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
}

type Where = 'active' | 'backoff' | 'unschedulable' | 'inflight';

export interface QueuedPod {
  readonly key: string;
  /** The latest version of the pod the informer delivered. */
  pod: KObject;
  /** Scheduling attempts so far (drives the back-off). */
  attempts: number;
  where: Where;
  /** Last failure message written to the pod's PodScheduled condition, to write it only on change. */
  lastMessage?: string;
  /** Internal bookkeeping. */
  priority: number;
  ts: number;
  seq: number;
  token: number;
  backoffUntil: number;
  unschedulableSince: number;
  rejectors?: ReadonlySet<string>;
  moveCycleAtPop: number;
  changedInFlight: boolean;
}

interface Entry {
  qp: QueuedPod;
  token: number;
}

/** Which plugins a cluster event may turn from rejecting to accepting; 'all' for any. */
export type EventHint = ReadonlySet<string> | 'all';

function materialSignature(pod: KObject): string {
  return JSON.stringify([pod.spec, pod.metadata.labels, pod.metadata.annotations]);
}

export class SchedulingQueue {
  private readonly pods = new Map<string, QueuedPod>();
  private readonly active = new Heap<Entry>((a, b) => a.qp.priority > b.qp.priority || (a.qp.priority === b.qp.priority && (a.qp.ts < b.qp.ts || (a.qp.ts === b.qp.ts && a.qp.seq < b.qp.seq))));
  private activeCount = 0;
  private readonly backoff = new Heap<Entry>((a, b) => a.qp.backoffUntil < b.qp.backoffUntil || (a.qp.backoffUntil === b.qp.backoffUntil && a.qp.seq < b.qp.seq));
  private readonly unschedulable = new Map<string, QueuedPod>();
  private seq = 0;
  private moveCycle = 0;
  private backoffTimer?: { at: number; cancel: () => void };
  private flushTimer?: () => void;
  private closed = false;
  private readonly o: Required<QueueOptions>;
  /** Called whenever pods become active, so the scheduler loop can wake up. */
  onActive: () => void = () => {};

  constructor(
    private readonly clock: Clock = realClock,
    opts: QueueOptions = {},
  ) {
    this.o = { initialBackoffMs: 1000, maxBackoffMs: 10_000, maxUnschedulableMs: 30_000, ...opts };
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  get activeLength(): number {
    return this.activeCount;
  }

  /** Counts per place, for tests and diagnostics. */
  stats(): Record<Where, number> {
    const s: Record<Where, number> = { active: 0, backoff: 0, unschedulable: 0, inflight: 0 };
    for (const qp of this.pods.values()) s[qp.where]++;
    return s;
  }

  get(key: string): QueuedPod | undefined {
    return this.pods.get(key);
  }

  /** A pending pod appeared or changed. New pods go to active; a changed unschedulable pod is retried. */
  addOrUpdate(pod: KObject, key: string): void {
    if (this.closed) return;
    const qp = this.pods.get(key);
    if (!qp) {
      const n: QueuedPod = {
        key,
        pod,
        attempts: 0,
        where: 'active',
        priority: typeof pod.spec?.priority === 'number' ? pod.spec.priority : 0,
        ts: 0,
        seq: 0,
        token: 0,
        backoffUntil: 0,
        unschedulableSince: 0,
        moveCycleAtPop: 0,
        changedInFlight: false,
      };
      this.pods.set(key, n);
      this.toActive(n);
      return;
    }
    const material = qp.where !== 'active' && materialSignature(qp.pod) !== materialSignature(pod);
    qp.pod = pod;
    qp.priority = typeof pod.spec?.priority === 'number' ? pod.spec.priority : 0;
    if (!material) return;
    if (qp.where === 'inflight') qp.changedInFlight = true;
    else if (qp.where === 'unschedulable') {
      this.unschedulable.delete(key);
      this.toActiveOrBackoff(qp);
    }
  }

  /** The pod is gone, bound elsewhere, or no longer ours. */
  delete(key: string): void {
    const qp = this.pods.get(key);
    if (!qp) return;
    if (qp.where === 'active') this.activeCount--;
    this.pods.delete(key);
    this.unschedulable.delete(key);
    // Heap entries go stale (token check) rather than being searched for.
    qp.token = -1;
  }

  /** The next pod to try, or undefined when none is active. Marks it in flight. */
  pop(): QueuedPod | undefined {
    for (;;) {
      const e = this.active.pop();
      if (!e) return undefined;
      const qp = e.qp;
      if (qp.token !== e.token || qp.where !== 'active') continue;
      this.activeCount--;
      qp.where = 'inflight';
      qp.attempts++;
      qp.moveCycleAtPop = this.moveCycle;
      qp.changedInFlight = false;
      return qp;
    }
  }

  /**
   * Whether `qp` (as popped) is still the queue's entry for its key, in flight. A pod deleted and
   * re-created under the same name while an attempt ran has a new entry the old attempt must not touch.
   */
  private current(qp: QueuedPod): boolean {
    return !this.closed && this.pods.get(qp.key) === qp && qp.where === 'inflight';
  }

  /** Bound: the pod leaves the queue. */
  doneBound(qp: QueuedPod): void {
    if (this.current(qp)) this.delete(qp.key);
  }

  /** The attempt found the pod gone or bound elsewhere: drop it (the informer tells the rest). */
  doneGone(qp: QueuedPod): void {
    if (this.current(qp)) this.delete(qp.key);
  }

  /** No node fits; `plugins` rejected it. */
  doneUnschedulable(qp: QueuedPod, plugins: ReadonlySet<string>): void {
    if (!this.current(qp)) return;
    const key = qp.key;
    qp.rejectors = plugins;
    if (qp.changedInFlight || this.moveCycle !== qp.moveCycleAtPop) {
      this.toBackoff(qp);
      return;
    }
    qp.where = 'unschedulable';
    qp.unschedulableSince = this.now();
    // An event may move it back right away, but not before its back-off has passed.
    qp.backoffUntil = qp.unschedulableSince + this.backoffMs(qp.attempts);
    this.unschedulable.set(key, qp);
    this.armFlush();
  }

  /** An error (binding failed, API unreachable): retry after back-off. */
  doneError(qp: QueuedPod): void {
    if (!this.current(qp)) return;
    this.toBackoff(qp);
  }

  /** A cluster event happened; unschedulable pods it may help are retried (after their back-off). */
  onClusterEvent(hint: EventHint): void {
    if (this.closed) return;
    this.moveCycle++;
    if (this.unschedulable.size === 0) return;
    for (const qp of [...this.unschedulable.values()]) {
      if (hint !== 'all' && !intersects(hint, qp.rejectors)) continue;
      this.unschedulable.delete(qp.key);
      this.toActiveOrBackoff(qp);
    }
  }

  close(): void {
    this.closed = true;
    this.backoffTimer?.cancel();
    this.backoffTimer = undefined;
    this.flushTimer?.();
    this.flushTimer = undefined;
    this.active.clear();
    this.backoff.clear();
    this.unschedulable.clear();
    this.pods.clear();
    this.activeCount = 0;
  }

  backoffMs(attempts: number): number {
    if (attempts <= 0) return 0;
    return Math.min(this.o.initialBackoffMs * 2 ** (attempts - 1), this.o.maxBackoffMs);
  }

  private toActive(qp: QueuedPod): void {
    qp.where = 'active';
    qp.ts = this.now();
    qp.seq = this.seq++;
    qp.token++;
    this.activeCount++;
    this.active.push({ qp, token: qp.token });
    this.onActive();
  }

  private toActiveOrBackoff(qp: QueuedPod): void {
    if (qp.backoffUntil > this.now()) this.toBackoff(qp, qp.backoffUntil);
    else this.toActive(qp);
  }

  private toBackoff(qp: QueuedPod, until?: number): void {
    qp.where = 'backoff';
    qp.backoffUntil = until ?? this.now() + this.backoffMs(qp.attempts);
    qp.seq = this.seq++;
    qp.token++;
    this.backoff.push({ qp, token: qp.token });
    this.armBackoff();
  }

  private armBackoff(): void {
    let top = this.backoff.peek();
    while (top && (top.qp.token !== top.token || top.qp.where !== 'backoff')) {
      this.backoff.pop();
      top = this.backoff.peek();
    }
    if (!top) {
      this.backoffTimer?.cancel();
      this.backoffTimer = undefined;
      return;
    }
    const at = top.qp.backoffUntil;
    if (this.backoffTimer && this.backoffTimer.at <= at) return;
    this.backoffTimer?.cancel();
    const cancel = this.clock.setTimer(Math.max(0, at - this.now()), () => {
      this.backoffTimer = undefined;
      this.flushBackoff();
    });
    this.backoffTimer = { at, cancel };
  }

  private flushBackoff(): void {
    if (this.closed) return;
    const now = this.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top) break;
      if (top.qp.token !== top.token || top.qp.where !== 'backoff') {
        this.backoff.pop();
        continue;
      }
      if (top.qp.backoffUntil > now) break;
      this.backoff.pop();
      this.toActive(top.qp);
    }
    this.armBackoff();
  }

  /** While pods are unschedulable, look every few seconds for those waiting too long. */
  private armFlush(): void {
    if (this.flushTimer || this.closed) return;
    const every = Math.max(1, Math.min(5000, this.o.maxUnschedulableMs));
    this.flushTimer = this.clock.setTimer(every, () => {
      this.flushTimer = undefined;
      if (this.closed) return;
      const limit = this.now() - this.o.maxUnschedulableMs;
      for (const qp of [...this.unschedulable.values()]) {
        if (qp.unschedulableSince > limit) continue;
        this.unschedulable.delete(qp.key);
        this.toActiveOrBackoff(qp);
      }
      if (this.unschedulable.size > 0) this.armFlush();
    });
  }
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string> | undefined): boolean {
  if (!b) return true;
  for (const x of b) if (a.has(x)) return true;
  return false;
}
