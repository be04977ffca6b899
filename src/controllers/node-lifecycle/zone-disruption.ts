// Zone disruption handling of the node lifecycle controller (v1.32 handleDisruption): NoExecute
// taints, which evict pods, are added at a limited rate per zone; when a large share of a small
// zone's nodes fail at once, or every node in the cluster does, the failure is more likely the
// control plane's network than the nodes, so tainting stops (and, cluster-wide, is undone).

import type { KObject } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { LABEL_EXCLUDE_DISRUPTION } from './constants.js';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** The zone a node belongs to (region and zone labels; the beta labels win, as upstream). */
export function zoneKeyOf(node: KObject): string {
  const l = node.metadata.labels ?? {};
  const zone = l['failure-domain.beta.kubernetes.io/zone'] ?? l['topology.kubernetes.io/zone'] ?? '';
  const region = l['failure-domain.beta.kubernetes.io/region'] ?? l['topology.kubernetes.io/region'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

export function excludedFromDisruption(node: KObject): boolean {
  return node.metadata.labels?.[LABEL_EXCLUDE_DISRUPTION] !== undefined;
}

/** A zone's state from its nodes' Ready statuses (undefined: no Ready condition, counted as not ready). */
export function computeZoneState(readyStatuses: (string | undefined)[], unhealthyZoneThreshold: number): { unhealthy: number; state: ZoneState } {
  let ready = 0;
  let notReady = 0;
  for (const s of readyStatuses) {
    if (s === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}

/** client-go's token bucket (burst 1 here), on an injected clock; qps <= 0 never accepts. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    readonly qps: number,
    private readonly burst = 1,
  ) {
    this.tokens = qps > 0 ? burst : 0;
    this.last = clock.now().getTime();
  }

  private refill(): void {
    const now = this.clock.now().getTime();
    if (this.qps > 0) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  tryAccept(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Time until a token is available (Infinity when the bucket never fills). */
  msUntilToken(): number {
    if (this.qps <= 0) return Infinity;
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }
}

export interface DisruptionOptions {
  clock: Clock;
  evictionLimiterQps: number;
  secondaryEvictionLimiterQps: number;
  largeClusterThreshold: number;
  unhealthyZoneThreshold: number;
}

export type DisruptionChange = 'entered' | 'exited' | undefined;

export class DisruptionGuard {
  private zoneStates = new Map<string, ZoneState>();
  private limiters = new Map<string, TokenBucket>();
  private allDisrupted = false;

  constructor(private readonly o: DisruptionOptions) {}

  /** Every zone is fully disrupted: no NoExecute taints anywhere. */
  get fullyDisrupted(): boolean {
    return this.allDisrupted;
  }

  zoneState(zone: string): ZoneState | undefined {
    return this.zoneStates.get(zone);
  }

  private limiter(zone: string): TokenBucket {
    let l = this.limiters.get(zone);
    if (!l) this.limiters.set(zone, (l = new TokenBucket(this.o.clock, this.o.evictionLimiterQps)));
    return l;
  }

  /** Replaces a zone's limiter; a drained old bucket drains the new one (as SwapLimiter). */
  private swapLimiter(zone: string, qps: number): void {
    const old = this.limiter(zone);
    if (old.qps === qps) return;
    const next = new TokenBucket(this.o.clock, qps);
    if (qps > 0 && !old.tryAccept()) next.tryAccept();
    this.limiters.set(zone, next);
  }

  private qpsFor(state: ZoneState, zoneSize: number): number {
    if (state === 'PartialDisruption') return zoneSize <= this.o.largeClusterThreshold ? 0 : this.o.secondaryEvictionLimiterQps;
    return this.o.evictionLimiterQps;
  }

  /**
   * Recomputes zone states from the nodes' Ready statuses. Returns 'entered' when every zone just
   * became fully disrupted (the caller removes all NoExecute taints) and 'exited' when that mode
   * just ended (the caller gives every node a fresh grace period).
   */
  update(nodes: { node: KObject; readyStatus: string | undefined }[]): DisruptionChange {
    const byZone = new Map<string, (string | undefined)[]>();
    for (const { node, readyStatus } of nodes) {
      if (excludedFromDisruption(node)) continue;
      const z = zoneKeyOf(node);
      let list = byZone.get(z);
      if (!list) byZone.set(z, (list = []));
      list.push(readyStatus);
    }
    const newStates = new Map<string, ZoneState>();
    let allAreFull = true;
    for (const [zone, statuses] of byZone) {
      const { state } = computeZoneState(statuses, this.o.unhealthyZoneThreshold);
      if (state !== 'FullDisruption') allAreFull = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWereFull = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!byZone.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') allWereFull = false;
    }
    if (allAreFull && allWereFull) return undefined;
    if (allAreFull) {
      for (const zone of this.zoneStates.keys()) {
        this.swapLimiter(zone, 0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      this.allDisrupted = true;
      return 'entered';
    }
    const exiting = allWereFull || this.allDisrupted;
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone)!;
      if (!exiting && state === next) continue;
      this.swapLimiter(zone, this.qpsFor(next, byZone.get(zone)!.length));
      this.zoneStates.set(zone, next);
    }
    this.allDisrupted = false;
    return exiting ? 'exited' : undefined;
  }

  /** Asks to add a NoExecute taint to a node in `zone`: allowed, or when to ask again. */
  tryAddNoExecute(zone: string): { ok: true } | { ok: false; retryMs: number } {
    if (this.allDisrupted) return { ok: false, retryMs: Infinity };
    const l = this.limiter(zone);
    if (l.tryAccept()) return { ok: true };
    return { ok: false, retryMs: l.msUntilToken() };
  }
}
