// The PersistentVolume controller (pkg/controller/volume/persistentvolume, v1.32) with the claim
// and volume protection controllers and the built-in local-path provisioner folded in: claims
// and volumes are synced from two work queues (sync-claim.ts, sync-volume.ts) against the
// controller's own caches (object-cache.ts). This file wires informers, queues and writes.
//
// Workers: unlike upstream's single worker per queue, several run at once. Two claims may pick
// the same Available volume; every write carries the resourceVersion it read, so the second bind
// fails with a conflict and is retried against the updated cache (the API server arbitrates).

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Clock } from '../../util/clock.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { claimStatusEdit, hasAnnotation, volumePhaseEdit } from './binding.js';
import {
  ANN_BIND_COMPLETED,
  FIELD_MANAGER,
  LOCAL_PATH_CLASS,
  LOCAL_PATH_COMPONENT,
  PV_CONTROLLER_COMPONENT,
  PV_PROTECTION_FINALIZER,
  PVC_PROTECTION_FINALIZER,
  RESYNC_PERIOD_MS,
} from './constants.js';
import { defaultStorageClass, localPathStorageClass } from './default-storage-class.js';
import type { SelectedNode } from './local-path.js';
import { LocalPathProvisioner } from './local-path-provisioner.js';
import { ObjectCache } from './object-cache.js';
import { claimNamesOfPod, hasFinalizer, withFinalizer } from './protection.js';
import { syncClaim } from './sync-claim.js';
import { syncVolume } from './sync-volume.js';

const CLAIM_WORKERS = 8;
const VOLUME_WORKERS = 4;
/** Pod index: `namespace/claim` for every claim a pod's volumes name. */
export const POD_CLAIM_INDEX = 'persistent-volume-controller/claims';

export interface PersistentVolumeControllerOptions {
  /** The data dir; local-path volumes live in `<dataDir>/volumes`. */
  dataDir: string;
  /** Create the `local-path` StorageClass at start when missing (default true). */
  createDefaultClass?: boolean;
}

export const claimKeyOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const claimSubject = (c: KObject): KObject => ({ ...c, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
const volumeSubject = (v: KObject): KObject => ({ ...v, apiVersion: 'v1', kind: 'PersistentVolume' });
const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

export class PersistentVolumeController implements Controller {
  readonly name = 'persistentvolume-binder';
  private readonly claimWorkers: KeyedWorkers;
  private readonly volumeWorkers: KeyedWorkers;
  /** The live queues (fresh ones after each restart). */
  get claimQueue(): WorkQueue {
    return this.claimWorkers.queue;
  }
  get volumeQueue(): WorkQueue {
    return this.volumeWorkers.queue;
  }
  readonly claims = new ObjectCache();
  readonly volumes = new ObjectCache();
  readonly claimClient: ResourceClient;
  readonly volumeClient: ResourceClient;
  readonly podClient: ResourceClient;
  readonly provisioner: LocalPathProvisioner;
  readonly clock: Clock;
  private readonly classClient: ResourceClient;
  private readonly claimInformer: Informer;
  private readonly volumeInformer: Informer;
  private readonly classInformer: Informer;
  readonly podInformer: Informer;
  private readonly nodeInformer: Informer;
  private readonly recorder: EventRecorder;
  /** The class this controller created, until the class informer has it. */
  private createdClass?: KObject;
  private cancelResync?: () => void;

  constructor(
    ctx: ControllerContext,
    private readonly opts: PersistentVolumeControllerOptions,
  ) {
    this.clock = ctx.clock;
    // Write conflicts are routine (two workers, or a user, touched the object): retried quietly.
    const log = (what: string) => (key: string, err: unknown) => {
      if (err instanceof ApiError && err.code === 409) return;
      console.error(`persistentvolume-controller: syncing ${what} ${key}: ${(err as Error)?.message ?? err}`);
    };
    // After a leadership loss both queues are refilled from the caches.
    this.claimWorkers = new KeyedWorkers({ clock: ctx.clock, workers: CLAIM_WORKERS, reconcile: (key) => syncClaim(this, key), allKeys: () => this.claims.keys(), onError: log('claim') });
    this.volumeWorkers = new KeyedWorkers({ clock: ctx.clock, workers: VOLUME_WORKERS, reconcile: (name) => syncVolume(this, name), allKeys: () => this.volumes.keys(), onError: log('volume') });
    this.claimClient = new ResourceClient(ctx.client, R.persistentvolumeclaims);
    this.volumeClient = new ResourceClient(ctx.client, R.persistentvolumes);
    this.podClient = new ResourceClient(ctx.client, R.pods);
    this.classClient = new ResourceClient(ctx.client, R.storageclasses);
    this.claimInformer = ctx.informers.for(R.persistentvolumeclaims);
    this.volumeInformer = ctx.informers.for(R.persistentvolumes);
    this.classInformer = ctx.informers.for(R.storageclasses);
    this.podInformer = ctx.informers.for(R.pods);
    this.nodeInformer = ctx.informers.for(R.nodes);
    this.recorder = ctx.recorder(PV_CONTROLLER_COMPONENT);
    this.provisioner = new LocalPathProvisioner({
      dataDir: opts.dataDir,
      volumes: this.volumeClient,
      recorder: ctx.recorder(LOCAL_PATH_COMPONENT),
      cachedVolume: (name) => this.volumes.get(name),
      node: (name) => this.node(name),
    });
  }

  setup(): void {
    this.podInformer.store.addIndex(POD_CLAIM_INDEX, (pod) => claimNamesOfPod(pod).map((n) => `${pod.metadata.namespace ?? ''}/${n}`));
    this.claimInformer.addHandler({
      add: (c) => this.onClaim(c),
      update: (_o, c) => this.onClaim(c),
      delete: (c) => this.onClaimDeleted(c),
    });
    this.volumeInformer.addHandler({
      add: (v) => this.onVolume(v),
      update: (_o, v) => this.onVolume(v),
      delete: (v) => this.onVolumeDeleted(v),
    });
    // A new or changed class may let pending claims get a default class or a provisioner.
    this.classInformer.addHandler({ add: () => this.enqueueUnboundClaims(), update: () => this.enqueueUnboundClaims() });
    this.podInformer.addHandler({ add: (p) => this.onPod(p), update: (_o, p) => this.onPod(p), delete: (p) => this.onPod(p) });
  }

  async start(): Promise<void> {
    if (this.opts.createDefaultClass !== false) await this.ensureLocalPathClass();
    this.claimWorkers.start();
    this.volumeWorkers.start();
    const tick = () => {
      this.resyncAll();
      this.cancelResync = this.clock.setTimer(RESYNC_PERIOD_MS, tick);
    };
    this.cancelResync = this.clock.setTimer(RESYNC_PERIOD_MS, tick);
  }

  stop(): void {
    this.cancelResync?.();
    this.claimWorkers.stop();
    this.volumeWorkers.stop();
  }

  /** Resolves when the workers have exited after stop(). */
  async stopped(): Promise<void> {
    await Promise.all([this.claimWorkers.stopped(), this.volumeWorkers.stopped()]);
  }

  // --- informer events ---------------------------------------------------------------------

  private onClaim(c: KObject): void {
    const key = claimKeyOf(c);
    this.claims.put(key, c);
    this.claimQueue.add(key);
  }

  private onClaimDeleted(c: KObject): void {
    const key = claimKeyOf(c);
    this.claims.remove(key, c);
    // The volume it was bound to (or provisioned for it) is now Released.
    if (c.spec?.volumeName) this.volumeQueue.add(c.spec.volumeName);
    for (const v of this.volumes.values()) {
      const ref = v.spec?.claimRef;
      if (ref && ref.uid === c.metadata.uid) this.volumeQueue.add(v.metadata.name!);
    }
  }

  private onVolume(v: KObject): void {
    this.volumes.put(v.metadata.name!, v);
    this.volumeQueue.add(v.metadata.name!);
  }

  private onVolumeDeleted(v: KObject): void {
    this.volumes.remove(v.metadata.name!, v);
    const ref = v.spec?.claimRef;
    if (ref?.name) this.claimQueue.add(`${ref.namespace ?? ''}/${ref.name}`);
  }

  /** A pod's claims matter when they wait for a consumer or wait for the pod to go away. */
  private onPod(p: KObject): void {
    for (const n of claimNamesOfPod(p)) {
      const key = `${p.metadata.namespace ?? ''}/${n}`;
      const c = this.claims.get(key);
      if (c && (c.metadata.deletionTimestamp || !hasAnnotation(c, ANN_BIND_COMPLETED))) this.claimQueue.add(key);
    }
  }

  enqueueUnboundClaims(): void {
    for (const [key, c] of this.claimEntries()) if (!hasAnnotation(c, ANN_BIND_COMPLETED)) this.claimQueue.add(key);
  }

  private *claimEntries(): Generator<[string, KObject]> {
    for (const key of this.claims.keys()) yield [key, this.claims.get(key)!];
  }

  private resyncAll(): void {
    for (const key of this.claims.keys()) this.claimQueue.add(key);
    for (const name of this.volumes.keys()) this.volumeQueue.add(name);
  }

  // --- lookups -----------------------------------------------------------------------------

  storageClass(name: string): KObject | undefined {
    return this.classInformer.store.get(name) ?? (this.createdClass?.metadata.name === name ? this.createdClass : undefined);
  }

  storageClasses(): KObject[] {
    const list = this.classInformer.store.list();
    if (this.createdClass && !this.classInformer.store.get(this.createdClass.metadata.name!)) list.push(this.createdClass);
    return list;
  }

  node(name: string): SelectedNode | undefined {
    const n = this.nodeInformer.store.get(name);
    return n ? { name, labels: n.metadata.labels ?? {} } : undefined;
  }

  podsUsingClaimKey(key: string): KObject[] {
    return this.podInformer.store.byIndex(POD_CLAIM_INDEX, key);
  }

  /** Reads a claim from the API server (the cache may lag): undefined when it does not exist. */
  async getClaimLive(namespace: string, name: string): Promise<KObject | undefined> {
    try {
      const c = await this.claimClient.get(namespace, name);
      this.claims.put(claimKeyOf(c), c);
      return c;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getVolumeLive(name: string): Promise<KObject | undefined> {
    try {
      const v = await this.volumeClient.get(undefined, name);
      this.volumes.put(name, v);
      return v;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // --- writes (each result goes into the cache) ---------------------------------------------

  /** PUT a claim. A claim not being deleted also gets its protection finalizer on the way. */
  async writeClaim(claim: KObject): Promise<KObject> {
    const body = claim.metadata.deletionTimestamp || hasFinalizer(claim, PVC_PROTECTION_FINALIZER) ? claim : withFinalizer(claim, PVC_PROTECTION_FINALIZER, true);
    const out = await this.claimClient.update({ ...body, apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, { fieldManager: FIELD_MANAGER });
    this.claims.put(claimKeyOf(out), out);
    return out;
  }

  /** PUT a volume, with its protection finalizer unless it is being deleted. */
  async writeVolume(volume: KObject): Promise<KObject> {
    const body = volume.metadata.deletionTimestamp || hasFinalizer(volume, PV_PROTECTION_FINALIZER) ? volume : withFinalizer(volume, PV_PROTECTION_FINALIZER, true);
    const out = await this.volumeClient.update({ ...body, apiVersion: 'v1', kind: 'PersistentVolume' }, { fieldManager: FIELD_MANAGER });
    this.volumes.put(out.metadata.name!, out);
    return out;
  }

  /** updateClaimStatus: writes only when something changes. */
  async updateClaimStatus(claim: KObject, phase: string, volume?: KObject): Promise<KObject> {
    const e = claimStatusEdit(claim, phase, volume);
    if (!e.dirty) return claim;
    const out = await this.claimClient.updateStatus({ ...e.obj, apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, { fieldManager: FIELD_MANAGER });
    this.claims.put(claimKeyOf(out), out);
    return out;
  }

  /** updateClaimStatusWithEvent: the event only when the phase actually changes. */
  async updateClaimStatusWithEvent(claim: KObject, phase: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<KObject> {
    if (claim.status?.phase === phase) return claim;
    const out = await this.updateClaimStatus(claim, phase);
    this.claimEvent(out, type, reason, message);
    return out;
  }

  async updateVolumePhase(volume: KObject, phase: string, message = ''): Promise<KObject> {
    const e = volumePhaseEdit(volume, phase, message);
    if (!e.dirty) return volume;
    const out = await this.volumeClient.updateStatus({ ...e.obj, apiVersion: 'v1', kind: 'PersistentVolume' }, { fieldManager: FIELD_MANAGER });
    this.volumes.put(out.metadata.name!, out);
    return out;
  }

  async updateVolumePhaseWithEvent(volume: KObject, phase: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<KObject> {
    if (volume.status?.phase === phase) return volume;
    const out = await this.updateVolumePhase(volume, phase, message);
    this.volumeEvent(out, type, reason, message);
    return out;
  }

  /** Deletes a volume object (conditioned on its uid, so a re-created namesake survives). */
  async deleteVolume(volume: KObject): Promise<void> {
    try {
      await this.volumeClient.delete(undefined, volume.metadata.name!, { preconditions: { uid: volume.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !(err instanceof ApiError && err.code === 409)) throw err;
    }
  }

  claimEvent(claim: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.event(claimSubject(claim), type, reason, message);
  }

  volumeEvent(volume: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.event(volumeSubject(volume), type, reason, message);
  }

  // --- the built-in class --------------------------------------------------------------------

  /** Creates the `local-path` class if missing; the default unless another class already is. */
  private async ensureLocalPathClass(): Promise<void> {
    if (this.classInformer.store.get(LOCAL_PATH_CLASS)) return;
    const makeDefault = !defaultStorageClass(this.classInformer.store.list());
    try {
      this.createdClass = await this.classClient.create(undefined, localPathStorageClass(makeDefault), { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) console.error(`persistentvolume-controller: creating StorageClass ${LOCAL_PATH_CLASS}: ${(err as Error).message}`);
    }
  }
}
