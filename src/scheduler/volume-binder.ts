// The scheduler's volume binder (upstream's SchedulerVolumeBinder, pkg/scheduler/framework/
// plugins/volumebinding/binder.go, v1.32): claims, volumes and classes from three informers, with
// "assumed" versions on top (the AssumeCache):
//   - Reserve: the PVs chosen for a pod's WaitForFirstConsumer claims are assumed with claimRef
//     set, the claims to provision are assumed with `volume.kubernetes.io/selected-node`, so the
//     next decisions (other pods, same synchronous thread) already see them taken;
//   - PreBind: the assumptions are written (PV spec.claimRef, or the claim's selected-node
//     annotation) and the PV controller / provisioner finish the binding; the binder waits,
//     asynchronously and driven by informer events (plus a 1 s poll), until every claim is fully
//     bound, or fails after `bindTimeoutMs` (upstream bindTimeoutSeconds: 600) or when a binding
//     is undone;
//   - Unreserve: the assumptions are dropped (what was written stays; the PV controller carries on).
// An assumed object gives way once the informer delivers a version at least as new.

import type { KObject } from '../api/types.js';
import { Informer } from '../client/informer.js';
import { R, ResourceClient } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import { bindVolumeToClaim } from '../controllers/persistent-volume/binding.js';
import { ANN_SELECTED_NODE } from '../controllers/persistent-volume/constants.js';
import { volumeNodeAffinityMatches } from '../controllers/persistent-volume/volume-matching.js';
import type { Clock } from '../util/clock.js';
import { isClaimFullyBound, type PodVolumes, type VolumeListers } from './plugins/volume-binding.js';

/** Upstream's default VolumeBindingArgs.bindTimeoutSeconds. */
export const DEFAULT_BIND_TIMEOUT_MS = 600_000;
const POLL_MS = 1000;

/** resourceVersion a is older than b (numeric when both are; otherwise only "different"). */
function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || a === b) return false;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) < BigInt(b);
  return false;
}

/** Informer objects with assumed versions on top. */
class AssumeCache {
  private readonly assumed = new Map<string, KObject>();
  constructor(private readonly informer: Informer) {}

  get(key: string): KObject | undefined {
    return this.assumed.get(key) ?? this.informer.store.get(key);
  }

  /** The informer's (API) version, ignoring assumptions. */
  getAPI(key: string): KObject | undefined {
    return this.informer.store.get(key);
  }

  *list(): Iterable<KObject> {
    if (this.assumed.size === 0) {
      yield* this.informer.store.list();
      return;
    }
    for (const o of this.informer.store.list()) {
      const k = keyOf(o);
      yield this.assumed.get(k) ?? o;
    }
  }

  assume(obj: KObject): void {
    this.assumed.set(keyOf(obj), obj);
  }

  /** After a write: assume its result unless the informer already has it (or something newer). */
  assumeWritten(obj: KObject): void {
    const cur = this.informer.store.get(keyOf(obj));
    if (cur && !olderThan(cur.metadata.resourceVersion, obj.metadata.resourceVersion)) this.assumed.delete(keyOf(obj));
    else this.assume(obj);
  }

  restore(key: string): void {
    this.assumed.delete(key);
  }

  /** The informer has a version of `obj`: an assumption it is not older than gives way. */
  observed(obj: KObject): void {
    const k = keyOf(obj);
    const a = this.assumed.get(k);
    if (a && !olderThan(obj.metadata.resourceVersion, a.metadata.resourceVersion)) this.assumed.delete(k);
  }

  deleted(obj: KObject): void {
    this.assumed.delete(keyOf(obj));
  }
}

function keyOf(o: KObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

export interface VolumeBinderOptions {
  client: RestClient;
  clock: Clock;
  bindTimeoutMs?: number;
  /** A PVC, PV or StorageClass was added or changed (the scheduler re-queues pods). */
  onChange?: () => void;
}

/** What Reserve assumed for one pod: passed to bindPodVolumes and revert. */
export interface ReservedVolumes {
  nodeName: string;
  podVolumes: PodVolumes;
  /** The assumed (then written) objects, by the binding they came from. */
  pvs: KObject[];
  claims: KObject[];
  /** Whether each claim needs its annotation written (parallel to `claims`). */
  writeClaim: boolean[];
}

export class VolumeBinder implements VolumeListers {
  readonly claimInformer: Informer;
  readonly volumeInformer: Informer;
  readonly classInformer: Informer;
  private readonly claimsCache: AssumeCache;
  private readonly volumesCache: AssumeCache;
  private readonly claimClient: ResourceClient;
  private readonly volumeClient: ResourceClient;
  private readonly clock: Clock;
  private readonly bindTimeoutMs: number;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly o: VolumeBinderOptions) {
    this.clock = o.clock;
    this.bindTimeoutMs = o.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
    this.claimClient = new ResourceClient(o.client, R.persistentvolumeclaims);
    this.volumeClient = new ResourceClient(o.client, R.persistentvolumes);
    this.claimInformer = new Informer(this.claimClient, { clock: o.clock, pageSize: 1000 });
    this.volumeInformer = new Informer(this.volumeClient, { clock: o.clock, pageSize: 1000 });
    this.classInformer = new Informer(new ResourceClient(o.client, R.storageclasses), { clock: o.clock, pageSize: 1000 });
    this.claimsCache = new AssumeCache(this.claimInformer);
    this.volumesCache = new AssumeCache(this.volumeInformer);
    const changed = (cache?: AssumeCache) => ({
      add: (x: KObject) => {
        cache?.observed(x);
        this.changed();
      },
      update: (_old: KObject, x: KObject) => {
        cache?.observed(x);
        this.changed();
      },
      delete: (x: KObject) => {
        cache?.deleted(x);
        // A deletion cannot make a pod schedulable, but a waiting binding may now fail.
        this.notify();
      },
    });
    this.claimInformer.addHandler(changed(this.claimsCache));
    this.volumeInformer.addHandler(changed(this.volumesCache));
    this.classInformer.addHandler(changed());
  }

  async start(): Promise<void> {
    await Promise.all([this.claimInformer.start(), this.volumeInformer.start(), this.classInformer.start()]);
  }

  stop(): void {
    this.closed = true;
    this.claimInformer.stop();
    this.volumeInformer.stop();
    this.classInformer.stop();
    this.notify();
  }

  private changed(): void {
    this.notify();
    this.o.onChange?.();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  // --- VolumeListers --------------------------------------------------------------------------

  claim(namespace: string, name: string): KObject | undefined {
    return this.claimsCache.get(`${namespace}/${name}`);
  }

  volume(name: string): KObject | undefined {
    return this.volumesCache.get(name);
  }

  volumes(): Iterable<KObject> {
    return this.volumesCache.list();
  }

  storageClass(name: string): KObject | undefined {
    return this.classInformer.store.get(name);
  }

  // --- Reserve / Unreserve ---------------------------------------------------------------------

  /**
   * AssumePodVolumes: undefined when nothing needs binding (every claim is bound), else the
   * assumptions made for the pod on `nodeName`.
   */
  assumePodVolumes(podVolumes: PodVolumes | undefined, nodeName: string): ReservedVolumes | undefined {
    if (!podVolumes || (podVolumes.staticBindings.length === 0 && podVolumes.provisions.length === 0)) return undefined;
    const r: ReservedVolumes = { nodeName, podVolumes, pvs: [], claims: [], writeClaim: [] };
    for (const { pv, pvc } of podVolumes.staticBindings) {
      const e = bindVolumeToClaim(pv, pvc);
      r.pvs.push(e.obj);
      if (e.dirty) this.volumesCache.assume(e.obj);
    }
    for (const pvc of podVolumes.provisions) {
      const ann = pvc.metadata.annotations ?? {};
      const needs = ann[ANN_SELECTED_NODE] !== nodeName;
      const c = needs ? { ...pvc, metadata: { ...pvc.metadata, annotations: { ...ann, [ANN_SELECTED_NODE]: nodeName } } } : pvc;
      r.claims.push(c);
      r.writeClaim.push(needs);
      if (needs) this.claimsCache.assume(c);
    }
    return r;
  }

  /** RevertAssumedPodVolumes. */
  revert(r: ReservedVolumes): void {
    for (const pv of r.pvs) this.volumesCache.restore(keyOf(pv));
    for (const c of r.claims) this.claimsCache.restore(keyOf(c));
  }

  // --- PreBind ---------------------------------------------------------------------------------

  /**
   * BindPodVolumes: writes the assumptions, then waits until the PV controller has bound every
   * claim. Rejects with upstream's wording ("binding volumes: ...") on a failed write, an undone
   * binding, the timeout, or when `aborted()` turns true (the pod is gone).
   */
  async bindPodVolumes(r: ReservedVolumes, aborted: () => boolean): Promise<void> {
    try {
      for (let i = 0; i < r.pvs.length; i++) {
        const pv = r.pvs[i];
        const cur = this.volumesCache.getAPI(pv.metadata.name!);
        if (cur?.spec?.claimRef?.uid && cur.spec.claimRef.uid === pv.spec?.claimRef?.uid) continue;
        const out = await this.volumeClient.update({ ...pv, apiVersion: 'v1', kind: 'PersistentVolume' });
        r.pvs[i] = out;
        this.volumesCache.assumeWritten(out);
      }
      for (let i = 0; i < r.claims.length; i++) {
        if (!r.writeClaim[i]) continue;
        const out = await this.claimClient.update({ ...r.claims[i], apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
        r.claims[i] = out;
        this.claimsCache.assumeWritten(out);
      }
      await this.waitForBindings(r, aborted);
    } catch (err) {
      throw new Error(`binding volumes: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private waitForBindings(r: ReservedVolumes, aborted: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let cancelPoll: (() => void) | undefined;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        this.waiters.delete(check);
        cancelTimeout();
        cancelPoll?.();
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (done) return;
        if (this.closed) return finish(new Error('scheduler stopped'));
        if (aborted()) return finish(new Error('pod was deleted while its volumes were being bound'));
        try {
          if (this.checkBindings(r)) finish();
        } catch (err) {
          finish(err as Error);
        }
      };
      const poll = () => {
        check();
        if (!done) cancelPoll = this.clock.setTimer(POLL_MS, poll);
      };
      const cancelTimeout = this.clock.setTimer(this.bindTimeoutMs, () => finish(new Error('context deadline exceeded')));
      this.waiters.add(check);
      poll();
    });
  }

  /** checkBindings: true when every claim is fully bound; throws when a binding was undone. */
  checkBindings(r: ReservedVolumes): boolean {
    const node = { name: r.nodeName, labels: {} as Record<string, string> };
    for (let i = 0; i < r.pvs.length; i++) {
      const written = r.pvs[i];
      const pvc = r.podVolumes.staticBindings[i].pvc;
      const pv = this.volumesCache.getAPI(written.metadata.name!);
      if (!pv) throw new Error(`failed to check pv binding: persistentvolume "${written.metadata.name}" not found`);
      if (olderThan(pv.metadata.resourceVersion, written.metadata.resourceVersion)) return false;
      if (!pv.spec?.claimRef || !pv.spec.claimRef.uid) throw new Error(`ClaimRef got reset for pv "${pv.metadata.name}"`);
      const claim = this.claimsCache.getAPI(keyOf(pvc));
      if (!claim) throw new Error(`failed to check pvc binding: persistentvolumeclaim "${pvc.metadata.name}" not found`);
      if (!isClaimFullyBound(claim)) return false;
    }
    for (const written of r.claims) {
      const claim = this.claimsCache.getAPI(keyOf(written));
      if (!claim) throw new Error(`failed to check provisioning pvc: persistentvolumeclaim "${written.metadata.name}" not found`);
      if (olderThan(claim.metadata.resourceVersion, written.metadata.resourceVersion)) return false;
      const selected = claim.metadata.annotations?.[ANN_SELECTED_NODE];
      if (selected === undefined) throw new Error(`selectedNode annotation reset for PVC "${claim.metadata.name}"`);
      if (selected !== r.nodeName) throw new Error(`provisioning failed for PVC "${claim.metadata.name}"`);
      if (claim.spec?.volumeName) {
        const pv = this.volumesCache.getAPI(claim.spec.volumeName);
        if (!pv) return false;
        node.labels = this.nodeLabels(r.nodeName);
        if (!volumeNodeAffinityMatches(pv, node)) throw new Error(`pv "${pv.metadata.name}" node affinity doesn't match node "${r.nodeName}": no matching NodeSelectorTerms`);
      }
      if (!isClaimFullyBound(claim)) return false;
    }
    return true;
  }

  /** The node's labels, for the affinity check of a provisioned volume (set by the scheduler). */
  nodeLabels: (name: string) => Record<string, string> = () => ({});
}
