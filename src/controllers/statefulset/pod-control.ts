// StatefulPodControl (pkg/controller/statefulset/stateful_pod_control.go, v1.32): pod and claim
// writes through the API, claim reads from the informer cache, and the events kubectl describe
// shows ("create Claim www-web-0 Pod web-0 in StatefulSet web success", "create Pod web-0 in
// StatefulSet web successful", ...).

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resources.js';
import { claimOwnerRefsForPolicy, hasUnexpectedController, isClaimOwnerUpToDate, podClaimIsStale } from './claim-retention.js';
import { claimEvent, podEvent, type Verb } from './constants.js';
import { claimNamesForPod, claimsForPod, identityMatches, storageMatches, updateIdentity, updateStorage } from './identity.js';
import type { StatefulPodOps } from './stateful-set-control.js';

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** retry.DefaultBackoff steps for conflicting pod updates. */
const UPDATE_RETRIES = 4;

export interface PodControlHooks {
  /** A pod create or delete was accepted by the API server (pending writes). */
  created?(set: KObject, pod: KObject): void;
  deleted?(set: KObject, pod: KObject): void;
}

export class StatefulPodControl implements StatefulPodOps {
  constructor(
    private readonly podClient: ResourceClient,
    private readonly claimClient: ResourceClient,
    private readonly pods: Informer,
    private readonly claims: Informer,
    private readonly recorder: EventRecorder,
    private readonly fieldManager: string,
    private readonly hooks: PodControlHooks = {},
  ) {}

  private subject(set: KObject): KObject {
    return set.kind && set.apiVersion ? set : { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
  }

  private recordPodEvent(verb: Verb, set: KObject, pod: KObject, err?: unknown): void {
    const e = podEvent(verb, pod.metadata.name ?? '', set.metadata.name ?? '', err === undefined ? undefined : errText(err));
    this.recorder.event(this.subject(set), e.type, e.reason, e.message);
  }

  private recordClaimEvent(verb: Verb, set: KObject, pod: KObject, claim: KObject, err?: unknown): void {
    const e = claimEvent(verb, claim.metadata.name ?? '', pod.metadata.name ?? '', set.metadata.name ?? '', err === undefined ? undefined : errText(err));
    this.recorder.event(this.subject(set), e.type, e.reason, e.message);
  }

  private cachedClaim(ns: string | undefined, name: string): KObject | undefined {
    return this.claims.store.get(`${ns ?? ''}/${name}`);
  }

  async createStatefulPod(set: KObject, pod: KObject): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    let created: KObject;
    try {
      created = await this.podClient.create(pod.metadata.namespace, pod, { fieldManager: this.fieldManager });
    } catch (err) {
      // A pod that already exists is our own from an earlier pass: no event, the caller retries.
      if (!isCode(err, 409)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    this.hooks.created?.(set, created);
    try {
      await this.updatePodClaimForRetentionPolicy(set, created);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod);
  }

  async updateStatefulPod(set: KObject, pod: KObject): Promise<void> {
    let attempted = false;
    let cur = pod;
    let lastErr: unknown;
    for (let i = 0; ; i++) {
      let consistent = true;
      if (!identityMatches(set, cur)) {
        updateIdentity(set, cur);
        consistent = false;
      }
      try {
        if (!storageMatches(set, cur)) {
          updateStorage(set, cur);
          consistent = false;
          await this.createPersistentVolumeClaims(set, cur);
        }
        if (!this.claimsMatchRetentionPolicy(set, cur)) {
          await this.updatePodClaimForRetentionPolicy(set, cur);
          consistent = false;
        }
      } catch (err) {
        this.recordPodEvent('update', set, cur, err);
        throw err;
      }
      if (consistent) {
        lastErr = undefined;
        break;
      }
      attempted = true;
      try {
        await this.podClient.update({ ...cur, apiVersion: 'v1', kind: 'Pod' }, { fieldManager: this.fieldManager });
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        if (!isCode(err, 409) || i >= UPDATE_RETRIES) break;
        const fresh = this.pods.store.get(`${set.metadata.namespace}/${cur.metadata.name}`);
        if (fresh) cur = structuredClone(fresh);
      }
    }
    if (attempted) this.recordPodEvent('update', set, cur, lastErr);
    if (lastErr !== undefined) throw lastErr;
  }

  async deleteStatefulPod(set: KObject, pod: KObject): Promise<void> {
    try {
      await this.podClient.delete(pod.metadata.namespace, pod.metadata.name!);
    } catch (err) {
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.hooks.deleted?.(set, pod);
    this.recordPodEvent('delete', set, pod);
  }

  podClaimIsStale(set: KObject, pod: KObject): boolean {
    return podClaimIsStale(set, pod, (ns, name) => this.cachedClaim(ns, name));
  }

  claimsMatchRetentionPolicy(set: KObject, pod: KObject): boolean {
    for (const name of claimNamesForPod(set, pod)) {
      const claim = this.cachedClaim(set.metadata.namespace, name);
      if (claim && !isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  async updatePodClaimForRetentionPolicy(set: KObject, pod: KObject): Promise<void> {
    for (const name of claimNamesForPod(set, pod)) {
      const claim = this.cachedClaim(set.metadata.namespace, name);
      if (!claim) continue; // picked up next pass
      if (hasUnexpectedController(claim, set, pod)) {
        this.recorder.event(
          this.subject(set),
          'Warning',
          'ConflictingController',
          `PersistentVolumeClaim ${claim.metadata.name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`,
        );
      }
      if (isClaimOwnerUpToDate(claim, set, pod)) continue;
      const refs = claimOwnerRefsForPolicy(claim, set, pod);
      try {
        await this.claimClient.update({ ...claim, apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...claim.metadata, ownerReferences: refs } }, { fieldManager: this.fieldManager });
      } catch (err) {
        throw new Error(`could not update claim ${claim.metadata.name} for delete policy ownerRefs: ${errText(err)}`);
      }
    }
  }

  async createMissingPersistentVolumeClaims(set: KObject, pod: KObject): Promise<void> {
    await this.createPersistentVolumeClaims(set, pod);
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
  }

  /** createPersistentVolumeClaims: every claim the pod needs that the cache does not have; one error for all failures. */
  private async createPersistentVolumeClaims(set: KObject, pod: KObject): Promise<void> {
    const errs: string[] = [];
    const names = claimNamesForPod(set, pod);
    // Build the claim objects only when one is missing (the common pass finds them all).
    const present = (n: string) => {
      const c = this.cachedClaim(set.metadata.namespace, n);
      return !!c && !c.metadata.deletionTimestamp;
    };
    if (names.every(present)) return;
    for (const claim of claimsForPod(set, pod).values()) {
      const existing = this.cachedClaim(claim.metadata.namespace, claim.metadata.name!);
      if (!existing) {
        try {
          await this.claimClient.create(claim.metadata.namespace, claim, { fieldManager: this.fieldManager });
          this.recordClaimEvent('create', set, pod, claim);
        } catch (err) {
          // Already there: created by an earlier pass the cache has not shown yet.
          if (isCode(err, 409)) continue;
          errs.push(`failed to create PVC ${claim.metadata.name}: ${errText(err)}`);
          this.recordClaimEvent('create', set, pod, claim, err);
        }
        continue;
      }
      if (existing.metadata.deletionTimestamp) errs.push(`pvc ${claim.metadata.name} is being deleted`);
    }
    if (errs.length === 1) throw new Error(errs[0]);
    if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  }
}
