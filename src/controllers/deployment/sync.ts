// One Deployment sync's building blocks (sync.go, v1.32): get or create the new ReplicaSet and
// keep revisions in step, scale (plain and proportional), clean up old revisions, write status.
// Writes go through a DeploymentEnv so the same code runs against the API (controller) and
// against an in-memory fake (unit tests).
//
// The objects a sync works on are private copies: `d` is a deep copy of the cached Deployment
// and each ReplicaSet in `rsList` a deep copy of the cached one; a ReplicaSet write replaces the
// copy's contents with what the server returned, so every list holding it sees the new state.

import { ApiError } from '../../api/errors.js';
import { cloneJson } from '../../api/equality.js';
import { getControllerOf, newControllerRef } from '../shared/controller-ref.js';
import { computeHash } from '../shared/hash.js';
import {
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  replicaSetsToCleanUp,
  replicasAnnotationValues,
  replicasAnnotationsNeedUpdate,
  maxRevision,
} from './history.js';
import { hasProgressDeadline, rolloutStatus, stuckRequeueDelayMs } from './progress.js';
import { calculateStatus, getCondition, newCondition, setCondition, statusEqual } from './status.js';
import { CONDITION_PROGRESSING, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, Reasons, type Deployment, type ReplicaSet } from './types.js';
import { findActiveOrLatest, findNewReplicaSet, findOldReplicaSets, isRollingUpdate, isSaturated, activeReplicaSets, newRSNewReplicas, proportionalScale, specReplicas, equalIgnoreHash } from './util.js';

export const DEPLOYMENT_GVK = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** Everything a sync does to the world. */
export interface DeploymentEnv {
  now(): Date;
  createReplicaSet(rs: ReplicaSet): Promise<ReplicaSet>;
  /**
   * Merge-patches a ReplicaSet (carrying its uid, so a recreated namesake is never hit). A patch,
   * not an update: the ReplicaSet controller's status writes would make a PUT of our cached copy
   * conflict all the time, and only this controller changes these fields.
   */
  patchReplicaSet(rs: ReplicaSet, patch: { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, unknown> }): Promise<ReplicaSet>;
  deleteReplicaSet(rs: ReplicaSet): Promise<void>;
  /** The cached ReplicaSet of that name (to tell our own from a hash collision on AlreadyExists). */
  cachedReplicaSet(namespace: string, name: string): ReplicaSet | undefined;
  /** PUT …/status with `d`; resolves with the stored Deployment. */
  updateStatus(d: Deployment): Promise<Deployment>;
  event(d: Deployment, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Look at this Deployment again after `ms` (0: soon, rate-limited). */
  requeueAfter(d: Deployment, ms: number): void;
}

/** A create refused because the namespace is being deleted: nothing to report, nothing to retry. */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && !!err.details?.causes?.some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');
}

/** Overwrites `target`'s contents with `source` (so shared references see the update). */
function replaceContents<T extends object>(target: T, source: T): T {
  for (const k of Object.keys(target)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, source);
  return target;
}

export class DeploymentSyncer {
  constructor(readonly env: DeploymentEnv) {}

  /** UpdateStatus, keeping `d`'s resourceVersion current so a later write of the same pass does not conflict. */
  async writeStatus(d: Deployment): Promise<void> {
    const stored = await this.env.updateStatus(d);
    if (stored?.metadata?.resourceVersion) d.metadata.resourceVersion = stored.metadata.resourceVersion;
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and missing) with
   * its revision raised above every old one, and all old ReplicaSets.
   */
  async getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: ReplicaSet[], createIfNotExisted: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(d, rsList);
    const { all: oldRSs } = findOldReplicaSets(d, rsList, existing);
    const newRS = await this.getNewReplicaSet(d, rsList, existing, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: Deployment, rsList: ReplicaSet[], existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], createIfNotExisted: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = String(maxRevision(oldRSs) + 1);
    const now = this.env.now();
    if (existing) {
      // Sync its annotations (copied ones and the revision) and minReadySeconds.
      const copy = cloneJson(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyChanged = (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyChanged) {
        // Upstream returns here; the Deployment's revision follows on the next sync (the RS update triggers it).
        const patch = { metadata: { annotations: copy.metadata.annotations ?? {} }, spec: { minReadySeconds: d.spec.minReadySeconds ?? 0 } };
        return replaceContents(existing, await this.env.patchReplicaSet(existing, patch));
      }
      let needsUpdate = setDeploymentRevision(d, existing.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, CONDITION_PROGRESSING)) {
        d.status ??= {};
        setCondition(d.status, newCondition(CONDITION_PROGRESSING, 'True', Reasons.FoundNewRS, `Found new replica set "${existing.metadata.name}"`, now));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus(d);
      return existing;
    }
    if (!createIfNotExisted) return undefined;

    // Create the new ReplicaSet: named and labelled by the template's hash.
    const template = cloneJson(d.spec.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector = cloneJson(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const ns = d.metadata.namespace ?? 'default';
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: ns,
        ownerReferences: [newControllerRef(d, DEPLOYMENT_GVK)],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const newReplicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = newReplicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.env.createReplicaSet(rs);
    } catch (err) {
      if (err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists') {
        const other = this.env.cachedReplicaSet(ns, rs.metadata.name!);
        // Not in the cache yet: retry once it is (upstream returns the lister's NotFound).
        if (!other) throw err;
        const ref = getControllerOf(other);
        if (ref?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, other.spec.template)) {
          // Ours, created by an earlier sync whose result this one had not seen.
          created = cloneJson(other);
          alreadyExists = true;
        } else {
          // A hash collision: salt the hash and try again next sync.
          d.status ??= {};
          d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
          await this.writeStatus(d).catch(() => undefined);
          throw err;
        }
      } else if (isNamespaceTerminating(err)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setCondition(d.status, newCondition(CONDITION_PROGRESSING, 'False', Reasons.FailedRSCreate, msg, now));
          await this.writeStatus(d).catch(() => undefined);
        }
        this.env.event(d, 'Warning', Reasons.FailedRSCreate, msg);
        throw err;
      }
    }
    if (!alreadyExists && newReplicas > 0) {
      this.env.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${newReplicas}`);
    }
    rsList.push(created);
    let needsUpdate = setDeploymentRevision(d, newRevision);
    if (!alreadyExists && hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition(CONDITION_PROGRESSING, 'True', Reasons.NewReplicaSet, `Created new replica set "${created.metadata.name}"`, now));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d);
    return created;
  }

  /** scaleReplicaSetAndRecordEvent: resize `rs` to `newScale` (no-op when already there). */
  async scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number, d: Deployment): Promise<boolean> {
    if (specReplicas(rs) === newScale) return false;
    return this.scaleReplicaSet(rs, newScale, d, specReplicas(rs) < newScale ? 'up' : 'down');
  }

  /**
   * scaleReplicaSet: one update writing the size and the replica annotations; the
   * ScalingReplicaSet event ("Scaled up replica set x from 1 to 3") only when the size changed.
   */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, d: Deployment, operation: string): Promise<boolean> {
    const sizeNeedsUpdate = specReplicas(rs) !== newScale;
    const { desired, max } = replicasAnnotationValues(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
    const oldScale = specReplicas(rs);
    const patch = { metadata: { annotations: { [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) } }, spec: { replicas: newScale } };
    replaceContents(rs, await this.env.patchReplicaSet(rs, patch));
    if (sizeNeedsUpdate) this.env.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`);
    return sizeNeedsUpdate;
  }

  /**
   * scale(): a spec.replicas change outside a rollout step. One active (or no active) RS takes
   * all replicas; a saturated new RS means the old ones go to 0; otherwise a RollingUpdate
   * distributes the change proportionally.
   */
  async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only) {
      if (specReplicas(only) === specReplicas(d)) return;
      await this.scaleReplicaSetAndRecordEvent(only, specReplicas(d), d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const plan = proportionalScale(d, newRS, oldRSs);
    for (const { rs, replicas } of plan.sizes) await this.scaleReplicaSet(rs, replicas, d, plan.operation);
  }

  /** cleanupDeployment: delete old, fully scaled-down revisions beyond revisionHistoryLimit. */
  async cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
    for (const rs of replicaSetsToCleanUp(d, oldRSs)) {
      try {
        await this.env.deleteReplicaSet(rs);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
  }

  /** syncDeploymentStatus: counts and Available only (scaling and paused syncs). */
  async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const s = calculateStatus(allRSs, newRS, d, this.env.now());
    if (statusEqual(d.status, s)) return;
    d.status = s;
    await this.writeStatus(d);
  }

  /** syncRolloutStatus: counts and every condition; when nothing changed, requeue a stuck rollout for its deadline. */
  async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const now = this.env.now();
    const s = rolloutStatus(allRSs, newRS, d, now);
    if (statusEqual(d.status, s)) {
      const after = stuckRequeueDelayMs(d, s, now);
      if (after !== undefined) this.env.requeueAfter(d, after);
      return;
    }
    d.status = s;
    await this.writeStatus(d);
  }

  /** sync(): scaling events and paused Deployments: scale, clean up (when paused), write status. */
  async sync(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec.paused) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** syncStatusOnly: a Deployment being deleted only gets its status refreshed. */
  async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }
}
