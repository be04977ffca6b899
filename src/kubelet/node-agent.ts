// The node's presence in the API: registration, the heartbeat Lease and the status report.
// - Registration creates the Node (status included, as nodes may on create); an existing Node
//   (an agent restart) gets our labels merged in and, if it had none, our pod CIDR.
// - The Lease kube-node-lease/<node> is renewed every renewIntervalMs (10 s: a quarter of its
//   40 s duration); that is the heartbeat the node lifecycle controller watches.
// - The status is reported when it changed or every statusUpdateIntervalMs (5 min, upstream's
//   nodeStatusReportFrequency); a watch on the Node itself makes the agent report at once when
//   someone else marked it not Ready (a lifecycle controller after a partition).

import { ApiError } from '../api/errors.js';
import type { JsonObject, KObject } from '../api/types.js';
import { Informer } from '../client/informer.js';
import { ResourceClient, R } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import type { Clock } from '../util/clock.js';
import { nodeObject, nodeStatus, statusFingerprint, type NodeFacts } from './node-object.js';

export interface NodeAgentOptions {
  client: RestClient;
  clock: Clock;
  facts: NodeFacts;
  leaseDurationSeconds: number;
  renewIntervalMs: number;
  statusUpdateIntervalMs: number;
  log(message: string): void;
}

const LEASE_NAMESPACE = 'kube-node-lease';

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class NodeAgent {
  private readonly nodes: ResourceClient;
  private readonly leases: ResourceClient;
  private node?: KObject;
  private lease?: KObject;
  private lastReport = 0;
  private lastFingerprint = '';
  private cancelTick?: () => void;
  private informer?: Informer;
  private stopped = false;
  private failures = 0;
  private reporting?: Promise<void>;

  constructor(private readonly o: NodeAgentOptions) {
    this.nodes = new ResourceClient(o.client, R.nodes);
    this.leases = new ResourceClient(o.client, R.leases);
  }

  get current(): KObject | undefined {
    return this.node;
  }

  /** Creates or reconciles the Node; resolves with it. Throws when the API refuses or is unreachable. */
  async register(): Promise<KObject> {
    const f = this.o.facts;
    const now = this.o.clock.now();
    try {
      this.node = await this.nodes.create(undefined, nodeObject(f, now));
      this.noteReported(this.node);
      return this.node;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
    const existing = await this.nodes.get(undefined, f.name);
    const want = nodeObject(f, now);
    const labels = { ...(existing.metadata.labels ?? {}), ...want.metadata.labels };
    const annotations = { ...(existing.metadata.annotations ?? {}), ...want.metadata.annotations };
    const spec = { ...(existing.spec ?? {}) };
    if (!spec.podCIDR && f.podCIDR) {
      spec.podCIDR = f.podCIDR;
      spec.podCIDRs = [f.podCIDR];
    }
    const changed = JSON.stringify([existing.metadata.labels, existing.metadata.annotations, existing.spec]) !== JSON.stringify([labels, annotations, spec]);
    let node = existing;
    if (changed) node = await this.nodes.update({ ...existing, metadata: { ...existing.metadata, labels, annotations }, spec });
    this.node = node;
    await this.report(true);
    return this.node!;
  }

  /** Starts the lease and the status loop (and the watch on the Node). */
  async start(): Promise<void> {
    this.informer = new Informer(this.nodes, { fieldSelector: `metadata.name=${this.o.facts.name}`, clock: this.o.clock });
    this.informer.addHandler({
      add: (n) => this.observe(n),
      update: (_o, n) => this.observe(n),
    });
    await this.informer.start();
    await this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    this.informer?.stop();
  }

  private observe(n: KObject): void {
    this.node = n;
    const ready = (n.status?.conditions as JsonObject[] | undefined)?.find((c) => c.type === 'Ready');
    if (!this.stopped && ready?.status !== 'True') void this.reportSoon();
  }

  private reportSoon(): Promise<void> {
    this.reporting ??= this.report(true)
      .catch((err) => this.o.log(`node status: ${errText(err)}`))
      .finally(() => (this.reporting = undefined));
    return this.reporting;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = true;
    try {
      await this.renewLease();
    } catch (err) {
      ok = false;
      this.o.log(`lease ${LEASE_NAMESPACE}/${this.o.facts.name}: ${errText(err)}`);
    }
    try {
      await this.report(false);
    } catch (err) {
      ok = false;
      this.o.log(`node status: ${errText(err)}`);
    }
    if (this.stopped) return;
    this.failures = ok ? 0 : this.failures + 1;
    // Failed renewals retry sooner (200 ms doubling), as the kubelet's lease controller does.
    const delay = ok ? this.o.renewIntervalMs : Math.min(this.o.renewIntervalMs, 200 * 2 ** Math.min(this.failures, 8));
    this.cancelTick = this.o.clock.setTimer(delay, () => void this.tick());
  }

  private leaseObject(now: Date): KObject {
    const owner = this.node?.metadata.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.o.facts.name, uid: this.node.metadata.uid }] : undefined;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.o.facts.name, namespace: LEASE_NAMESPACE, ...(owner ? { ownerReferences: owner } : {}) },
      spec: { holderIdentity: this.o.facts.name, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(now) },
    };
  }

  /** Renews the Lease with an update from the last copy; a conflict or a missing lease is fetched or created. */
  async renewLease(): Promise<void> {
    const now = this.o.clock.now();
    if (this.lease) {
      const next = { ...this.lease, spec: { ...this.lease.spec, holderIdentity: this.o.facts.name, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(now) } };
      try {
        this.lease = await this.leases.update(next);
        return;
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) throw err;
        this.lease = undefined;
      }
    }
    try {
      const cur = await this.leases.get(LEASE_NAMESPACE, this.o.facts.name);
      this.lease = await this.leases.update({ ...cur, spec: { ...cur.spec, holderIdentity: this.o.facts.name, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(now) } });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      this.lease = await this.leases.create(LEASE_NAMESPACE, this.leaseObject(now));
    }
  }

  /** Reports the status when it changed, when forced, or when the report interval passed. */
  async report(force: boolean): Promise<void> {
    const now = this.o.clock.now();
    const prev = (this.node?.status?.conditions as JsonObject[] | undefined) ?? [];
    const status = nodeStatus(this.o.facts, now, prev);
    const fp = statusFingerprint(status);
    const apiFp = statusFingerprint(this.node?.status as JsonObject | undefined);
    const due = force || fp !== this.lastFingerprint || fp !== apiFp || now.getTime() - this.lastReport >= this.o.statusUpdateIntervalMs;
    if (!due) return;
    this.node = await this.nodes.patch(undefined, this.o.facts.name, 'merge', { status }, { subresource: 'status' });
    this.noteReported(this.node);
  }

  private noteReported(node: KObject): void {
    this.lastReport = this.o.clock.now().getTime();
    this.lastFingerprint = statusFingerprint(node.status as JsonObject | undefined);
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
