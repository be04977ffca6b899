// What differs between the two kinds one replica loop serves (upstream runs the ReplicaSet code
// for ReplicationControllers through a conversion, pkg/controller/replication): resource, kind,
// event source, and the selector's shape (a LabelSelector vs a plain label map).

import { nothing, selectorFromLabelSelector, selectorFromSet, type Selector } from '../../api/labels.js';
import type { GroupVersionKind, KObject } from '../../api/types.js';
import { R, type ResourceRef } from '../../client/resources.js';

export interface ReplicaKind {
  resource: ResourceRef;
  gvk: GroupVersionKind;
  /** Event source component. */
  component: string;
  /** Controller name in the manager. */
  name: string;
  /** The pod selector; throws (400 ApiError) when invalid. */
  selector(obj: KObject): Selector;
}

export const REPLICA_SET: ReplicaKind = {
  resource: R.replicasets,
  gvk: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  component: 'replicaset-controller',
  name: 'replicaset',
  selector: (rs) => selectorFromLabelSelector(rs.spec?.selector),
};

export const REPLICATION_CONTROLLER: ReplicaKind = {
  resource: R.replicationcontrollers,
  gvk: { group: '', version: 'v1', kind: 'ReplicationController' },
  component: 'replication-controller',
  name: 'replicationcontroller',
  // The API defaults an absent selector from the template labels and forbids an empty one; as
  // upstream's conversion to a LabelSelector, absent would select nothing and {} everything.
  selector: (rc) => (rc.spec?.selector == null ? nothing() : selectorFromSet(rc.spec.selector)),
};

/** spec.replicas (defaulted to 1 by the API; the fallback only covers hand-made objects). */
export function specReplicas(obj: KObject): number {
  const r = obj.spec?.replicas;
  return typeof r === 'number' ? r : 1;
}

export function minReadySeconds(obj: KObject): number {
  const m = obj.spec?.minReadySeconds;
  return typeof m === 'number' && m > 0 ? m : 0;
}
