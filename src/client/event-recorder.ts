// Records core/v1 Events about objects, aggregated on repeat as client-go's recorder does: the
// same (object, type, reason, message, source) within the cache window bumps `count` and
// `lastTimestamp` of the existing Event instead of creating a new one. Fire-and-forget: a failed
// event write is logged, never fails the caller.

import { randomBytes } from 'node:crypto';
import type { KObject } from '../api/types.js';
import { realClock, rfc3339, type Clock } from '../util/clock.js';
import { ResourceClient, R } from './resources.js';
import type { RestClient } from './rest-client.js';

const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder {
  private readonly events: ResourceClient;
  private seen = new Map<string, Seen>();
  private pending = new Set<Promise<unknown>>();
  private buckets = new Map<string, { tokens: number; last: number }>();
  private seq = BigInt(randomBytes(3).readUIntBE(0, 3));

  constructor(
    client: RestClient,
    private readonly component: string,
    private readonly host?: string,
    private readonly clock: Clock = realClock,
  ) {
    this.events = new ResourceClient(client, R.events);
  }

  /** `type` is Normal or Warning; `reason` UpperCamelCase; `message` human text. */
  event(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    const m = obj.metadata;
    if (!this.admit(obj)) return;
    const namespace = m.namespace || 'default';
    const key = [m.uid, fieldPath ?? '', type, reason, message, this.component, this.host ?? ''].join('\u0000');
    const now = rfc3339(this.clock.now());
    const prev = this.seen.get(key);
    let p: Promise<unknown>;
    if (prev) {
      prev.count++;
      const count = prev.count;
      p = this.events
        .patch(prev.namespace, prev.name, 'merge', { count, lastTimestamp: now })
        .catch((err) => {
          if (err?.code === 404) {
            this.seen.delete(key);
            return this.create(obj, namespace, type, reason, message, now, now, 1, fieldPath, key);
          }
          throw err;
        });
    } else {
      p = this.create(obj, namespace, type, reason, message, now, now, 1, fieldPath, key);
    }
    const tracked = p.catch((err) => console.error(`event ${reason} on ${m.name}:`, err?.message ?? err)).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    if (this.seen.size > 4096) {
      const first = this.seen.keys().next().value;
      if (first !== undefined) this.seen.delete(first);
    }
  }

  /**
   * client-go's spam filter: per source and involved object, a token bucket of 25 events refilled
   * at one per 5 minutes. A ReplicaSet creating 10,000 pods records 25 SuccessfulCreate events,
   * not 10,000, as upstream.
   */
  private admit(obj: KObject): boolean {
    const m = obj.metadata;
    const key = [obj.kind, m.namespace ?? '', m.name, m.uid ?? ''].join('\u0000');
    const now = this.clock.now().getTime();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= 4096) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, (b = { tokens: SPAM_BURST, last: now }));
    } else {
      b.tokens = Math.min(SPAM_BURST, b.tokens + ((now - b.last) / 1000) * SPAM_QPS);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private create(obj: KObject, namespace: string, type: string, reason: string, message: string, first: string, last: string, count: number, fieldPath: string | undefined, key: string): Promise<unknown> {
    const m = obj.metadata;
    // Upstream names events <object>.<UnixNano in hex>; a per-recorder sequence in the low digits
    // keeps names unique when many events for one object are recorded within a millisecond.
    const ts = (BigInt(this.clock.now().getTime()) * 1_000_000n + (this.seq++ % 1_000_000n)).toString(16);
    const name = `${m.name}.${ts}`;
    this.seen.set(key, { name, namespace, count, firstTimestamp: first });
    const involved: Record<string, unknown> = { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion };
    if (fieldPath) involved.fieldPath = fieldPath;
    return this.events.create(namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source: this.host ? { component: this.component, host: this.host } : { component: this.component },
      firstTimestamp: first,
      lastTimestamp: last,
      count,
      type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
    });
  }

  /** Waits for in-flight event writes (tests and shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
