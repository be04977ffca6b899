// An in-memory world for the Deployment sync code: ReplicaSets stored by name, the Deployment's
// status writes, events and requeues recorded, and a stand-in for the ReplicaSet controller and
// kubelets (`settle`) that makes each ReplicaSet's pods exist and (optionally) become available.

import { cloneJson } from '../../src/api/equality.js';
import { ApiError } from '../../src/api/errors.js';
import { DeploymentSyncer, type DeploymentEnv } from '../../src/controllers/deployment/sync.js';
import { syncDeployment } from '../../src/controllers/deployment/sync-deployment.js';
import type { PodMap } from '../../src/controllers/deployment/recreate.js';
import type { Deployment, DeploymentSpec, ReplicaSet } from '../../src/controllers/deployment/types.js';
import { rfc3339 } from '../../src/util/clock.js';

export function deployment(name: string, spec: Partial<DeploymentSpec> = {}, extra: { annotations?: Record<string, string>; generation?: number } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: extra.generation ?? 1, annotations: extra.annotations, creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '1' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.16' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      minReadySeconds: 0,
      ...spec,
    },
    status: {},
  };
}

/** A ReplicaSet as a test fixture: name, size, availability, creation time and revision. */
export function replicaSet(name: string, o: { replicas?: number; available?: number; ready?: number; statusReplicas?: number; created?: string; revision?: number; image?: string; annotations?: Record<string, string>; app?: string } = {}): ReplicaSet {
  const replicas = o.replicas ?? 0;
  const annotations: Record<string, string> = { ...(o.annotations ?? {}) };
  if (o.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(o.revision);
  const app = o.app ?? 'web';
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', annotations, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app, 'pod-template-hash': name } },
      template: { metadata: { labels: { app, 'pod-template-hash': name } }, spec: { containers: [{ name: 'c', image: o.image ?? name }] } },
    },
    status: { replicas: o.statusReplicas ?? replicas, readyReplicas: o.ready ?? o.available ?? replicas, availableReplicas: o.available ?? replicas, observedGeneration: 1 },
  };
}

export interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

export class FakeWorld {
  rs = new Map<string, ReplicaSet>();
  d: Deployment;
  events: RecordedEvent[] = [];
  requeues: number[] = [];
  statusWrites = 0;
  rsWrites = 0;
  now: number;
  /** Names of ReplicaSets whose pods never become Ready. */
  unready = new Set<string>();
  /** Pods of old ReplicaSets still terminating, by RS uid (Recreate waits for them). */
  lingering = new Map<string, number>();
  private seq = 0;
  readonly syncer: DeploymentSyncer;

  constructor(d: Deployment, start = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.d = cloneJson(d);
    this.now = start;
    this.syncer = new DeploymentSyncer(this.env());
  }

  add(rs: ReplicaSet): void {
    const copy = cloneJson(rs);
    copy.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: this.d.metadata.name!, uid: this.d.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    this.rs.set(copy.metadata.name!, copy);
  }

  env(): DeploymentEnv {
    return {
      now: () => new Date(this.now),
      createReplicaSet: async (rs) => {
        if (this.rs.has(rs.metadata.name!)) throw new ApiError(409, 'AlreadyExists', `replicasets.apps "${rs.metadata.name}" already exists`);
        const stored = cloneJson(rs);
        stored.metadata.uid = `uid-${rs.metadata.name}`;
        // One second apart, so creation order is visible at metav1.Time precision.
        stored.metadata.creationTimestamp = rfc3339(new Date(this.now + ++this.seq * 1000));
        stored.metadata.generation = 1;
        stored.status = { replicas: 0, observedGeneration: 0 };
        this.rs.set(rs.metadata.name!, stored);
        this.rsWrites++;
        return cloneJson(stored);
      },
      patchReplicaSet: async (rs, patch) => {
        const stored = this.rs.get(rs.metadata.name!);
        if (!stored || stored.metadata.uid !== rs.metadata.uid) throw new ApiError(404, 'NotFound', 'not found');
        if (patch.metadata?.annotations) stored.metadata.annotations = { ...(stored.metadata.annotations ?? {}), ...patch.metadata.annotations };
        if (patch.spec) {
          const before = JSON.stringify(stored.spec);
          Object.assign(stored.spec, patch.spec);
          if (JSON.stringify(stored.spec) !== before) stored.metadata.generation = (stored.metadata.generation ?? 1) + 1;
        }
        this.rsWrites++;
        return cloneJson(stored);
      },
      deleteReplicaSet: async (rs) => {
        if (!this.rs.delete(rs.metadata.name!)) throw new ApiError(404, 'NotFound', 'not found');
        this.rsWrites++;
      },
      cachedReplicaSet: (_ns, name) => this.rs.get(name),
      updateStatus: async (d) => {
        this.statusWrites++;
        // The stored Deployment takes the status and (as upstream's status strategy) annotations.
        this.d.status = cloneJson(d.status);
        this.d.metadata.annotations = cloneJson(d.metadata.annotations);
        this.d.metadata.resourceVersion = String(Number(this.d.metadata.resourceVersion ?? '1') + 1);
        return cloneJson(this.d);
      },
      event: (_d, type, reason, message) => void this.events.push({ type, reason, message }),
      requeueAfter: (_d, ms) => void this.requeues.push(ms),
    };
  }

  /** One sync of the Deployment, on private copies as the controller does. */
  async sync(): Promise<void> {
    const rsList = [...this.rs.values()].map((r) => cloneJson(r));
    const podMap = (): PodMap => {
      const m: PodMap = new Map();
      for (const [uid, n] of this.lingering) m.set(uid, Array.from({ length: n }, () => ({ metadata: {}, status: { phase: 'Running' } })));
      return m;
    };
    await syncDeployment(this.syncer, cloneJson(this.d), rsList, podMap);
  }

  /** The ReplicaSet controller and kubelets catch up: status follows spec; pods are available unless their RS is `unready`. */
  settle(): void {
    for (const rs of this.rs.values()) {
      const n = rs.spec.replicas ?? 0;
      const ok = this.unready.has(rs.metadata.name!) ? 0 : n;
      rs.status = { replicas: n, readyReplicas: ok, availableReplicas: ok, observedGeneration: rs.metadata.generation, fullyLabeledReplicas: n };
    }
  }

  /** Sizes by name, in creation order: "a=3 b=0". */
  sizes(): string {
    return [...this.rs.values()]
      .sort((a, b) => Date.parse(a.metadata.creationTimestamp!) - Date.parse(b.metadata.creationTimestamp!) || (a.metadata.name! < b.metadata.name! ? -1 : 1))
      .map((r) => `${r.metadata.name}=${r.spec.replicas}`)
      .join(' ');
  }

  /** A spec change as the API server stores it: generation +1. */
  update(f: (d: Deployment) => void): void {
    f(this.d);
    this.d.metadata.generation = (this.d.metadata.generation ?? 1) + 1;
  }

  newRSName(): string | undefined {
    return this.d.metadata.annotations?.['deployment.kubernetes.io/revision'] === undefined
      ? undefined
      : [...this.rs.values()].find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === this.d.metadata.annotations!['deployment.kubernetes.io/revision'])?.metadata.name;
  }

  /** Syncs and settles until nothing changes (or `max` rounds); returns the ScalingReplicaSet messages seen. */
  async rollout(max = 50): Promise<string[]> {
    const start = this.events.length;
    for (let i = 0; i < max; i++) {
      const before = JSON.stringify([...this.rs.values()].map((r) => [r.spec, r.status, r.metadata.annotations])) + JSON.stringify(this.d.status) + JSON.stringify(this.d.metadata.annotations);
      await this.sync();
      this.settle();
      const after = JSON.stringify([...this.rs.values()].map((r) => [r.spec, r.status, r.metadata.annotations])) + JSON.stringify(this.d.status) + JSON.stringify(this.d.metadata.annotations);
      if (before === after) break;
    }
    return this.events.slice(start).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  }
}
