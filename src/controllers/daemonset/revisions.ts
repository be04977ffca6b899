// DaemonSet history (pkg/controller/daemon/update.go constructHistory, snapshot, dedupCurHistories,
// cleanupHistory, v1.32): the pure parts. Unlike the StatefulSet, a DaemonSet names its revision
// after the template hash (ComputeHash of the template and status.collisionCount), labels it with
// `controller-revision-hash=<hash>` (the label its pods carry) and copies its own annotations.

import type { KObject } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH_LABEL_KEY, revisionData, revisionDataEqual, type ControllerRevision } from '../history/revision.js';
import { newControllerRef } from '../shared/controller-ref.js';
import { computeHash } from '../shared/hash.js';
import { DAEMONSET_GVK } from './constants.js';

/** The current template's hash, salted with status.collisionCount. */
export function daemonSetHash(ds: KObject): string {
  const cc = ds.status?.collisionCount;
  return computeHash(ds.spec?.template ?? {}, typeof cc === 'number' ? cc : undefined);
}

/** Match: the revision holds the DaemonSet's current template. */
export function matchesDaemonSet(ds: KObject, revision: ControllerRevision): boolean {
  return revisionDataEqual(revisionData(ds.spec?.template), revision.data);
}

/** snapshot's object: `<ds>-<hash>`, template labels + hash label, the DaemonSet's annotations, a controller ref. */
export function newDaemonSetRevision(ds: KObject, revision: number): ControllerRevision {
  const hash = daemonSetHash(ds);
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata.name}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL_KEY]: hash },
      ownerReferences: [newControllerRef(ds, DAEMONSET_GVK)],
    },
    data: revisionData(ds.spec?.template),
    revision,
  };
  if (ds.metadata.annotations && Object.keys(ds.metadata.annotations).length) cr.metadata.annotations = { ...ds.metadata.annotations };
  return cr;
}

/** Splits the controlled revisions into those holding the current template and the rest. */
export function splitHistories(ds: KObject, histories: readonly ControllerRevision[]): { current: ControllerRevision[]; old: ControllerRevision[] } {
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (const h of histories) (matchesDaemonSet(ds, h) ? current : old).push(h);
  return { current, old };
}

/** dedupCurHistories' keeper: the highest revision (the last one seen among equals). */
export function pickCurrent(current: readonly ControllerRevision[]): ControllerRevision {
  let keep = current[0];
  let max = 0;
  for (const h of current) {
    if ((h.revision ?? 0) >= max) {
      keep = h;
      max = h.revision ?? 0;
    }
  }
  return keep;
}

/**
 * cleanupHistory's choice: beyond revisionHistoryLimit, the oldest old revisions whose hash no
 * live pod carries.
 */
export function historiesToClean(old: readonly ControllerRevision[], limit: number, liveHashes: ReadonlySet<string>): ControllerRevision[] {
  let toKill = old.length - limit;
  if (toKill <= 0) return [];
  const sorted = [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const out: ControllerRevision[] = [];
  for (const h of sorted) {
    if (toKill <= 0) break;
    if (liveHashes.has(h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '')) continue;
    out.push(h);
    toKill--;
  }
  return out;
}
