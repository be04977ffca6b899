// The compiled descriptor registry and the (apiVersion, kind) -> top-level message map for every kind k8ts decodes.
// Built once at import (a few ms); immutable afterwards.

import { appsV1 } from './apps-v1.js';
import { batchV1 } from './batch-v1.js';
import { coreV1 } from './core-v1.js';
import { metaV1 } from './meta-v1.js';
import { compileTables, type MessageDesc, type MessageTable } from './schema.js';
import { autoscalingV1, coordinationV1, eventsV1, nodeV1, policyV1, storageV1 } from './small-groups-v1.js';

export const TABLES: readonly MessageTable[] = [metaV1, coreV1, appsV1, batchV1, coordinationV1, eventsV1, autoscalingV1, policyV1, nodeV1, storageV1];

/** [apiVersion, kind, qualified message name] for every object kind a request body may carry. */
export const KIND_MESSAGES: readonly (readonly [string, string, string])[] = [
  ['v1', 'Pod', 'core.Pod'],
  ['v1', 'PodTemplate', 'core.PodTemplate'],
  ['v1', 'ReplicationController', 'core.ReplicationController'],
  ['v1', 'Namespace', 'core.Namespace'],
  ['v1', 'Node', 'core.Node'],
  ['v1', 'Event', 'core.Event'],
  ['v1', 'PersistentVolumeClaim', 'core.PersistentVolumeClaim'],
  ['v1', 'PersistentVolume', 'core.PersistentVolume'],
  ['v1', 'ConfigMap', 'core.ConfigMap'],
  ['v1', 'Secret', 'core.Secret'],
  ['v1', 'ServiceAccount', 'core.ServiceAccount'],
  ['v1', 'Service', 'core.Service'],
  ['v1', 'Binding', 'core.Binding'],
  ['apps/v1', 'Deployment', 'apps.Deployment'],
  ['apps/v1', 'ReplicaSet', 'apps.ReplicaSet'],
  ['apps/v1', 'DaemonSet', 'apps.DaemonSet'],
  ['apps/v1', 'StatefulSet', 'apps.StatefulSet'],
  ['apps/v1', 'ControllerRevision', 'apps.ControllerRevision'],
  ['batch/v1', 'Job', 'batch.Job'],
  ['batch/v1', 'CronJob', 'batch.CronJob'],
  ['coordination.k8s.io/v1', 'Lease', 'coordination.Lease'],
  ['events.k8s.io/v1', 'Event', 'events.Event'],
  ['autoscaling/v1', 'Scale', 'autoscaling.Scale'],
  ['policy/v1', 'Eviction', 'policy.Eviction'],
  ['policy/v1', 'PodDisruptionBudget', 'policy.PodDisruptionBudget'],
  ['node.k8s.io/v1', 'RuntimeClass', 'node.RuntimeClass'],
  ['storage.k8s.io/v1', 'StorageClass', 'storage.StorageClass'],
  // metav1.DeleteOptions is registered in every group version (AddToGroupVersion), so typed clients label a delete
  // body with the version of the resource they delete, or with meta.k8s.io/v1.
  ...[
    'v1',
    'meta.k8s.io/v1',
    'apps/v1',
    'batch/v1',
    'coordination.k8s.io/v1',
    'events.k8s.io/v1',
    'autoscaling/v1',
    'policy/v1',
    'node.k8s.io/v1',
    'storage.k8s.io/v1',
  ].map((v) => [v, 'DeleteOptions', 'meta.DeleteOptions'] as const),
];

export const MESSAGES: ReadonlyMap<string, MessageDesc> = compileTables(TABLES);

const BY_KIND: ReadonlyMap<string, MessageDesc> = new Map(
  KIND_MESSAGES.map(([apiVersion, kind, msg]) => {
    const d = MESSAGES.get(msg);
    if (!d) throw new Error(`protobuf kinds: ${apiVersion} ${kind} maps to undefined message ${msg}`);
    return [`${apiVersion}\u0000${kind}`, d] as const;
  }),
);

export function messageForKind(apiVersion: string, kind: string): MessageDesc | undefined {
  return BY_KIND.get(`${apiVersion}\u0000${kind}`);
}
