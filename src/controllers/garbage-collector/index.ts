// The garbage collector as a ControllerFactory, with the resources it watches by default: every
// served kind that is commonly an owner or a dependent. Owners of other kinds are still looked
// up live (through discovery); only dependents of unwatched kinds are never collected.

import { R, type ResourceRef } from '../../client/resources.js';
import type { ControllerFactory } from '../runtime/manager.js';
import { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector.js';
import type { KindResource } from './resource-mapper.js';

const serviceaccounts: ResourceRef = { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true };

export const GC_RESOURCES: readonly KindResource[] = [
  { ref: R.pods, apiVersion: 'v1', kind: 'Pod' },
  { ref: R.nodes, apiVersion: 'v1', kind: 'Node' },
  { ref: R.replicationcontrollers, apiVersion: 'v1', kind: 'ReplicationController' },
  { ref: R.persistentvolumeclaims, apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { ref: R.persistentvolumes, apiVersion: 'v1', kind: 'PersistentVolume' },
  { ref: R.configmaps, apiVersion: 'v1', kind: 'ConfigMap' },
  { ref: R.secrets, apiVersion: 'v1', kind: 'Secret' },
  { ref: R.services, apiVersion: 'v1', kind: 'Service' },
  { ref: R.endpoints, apiVersion: 'v1', kind: 'Endpoints' },
  { ref: R.endpointslices, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  { ref: serviceaccounts, apiVersion: 'v1', kind: 'ServiceAccount' },
  { ref: R.deployments, apiVersion: 'apps/v1', kind: 'Deployment' },
  { ref: R.replicasets, apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { ref: R.daemonsets, apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { ref: R.statefulsets, apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { ref: R.controllerrevisions, apiVersion: 'apps/v1', kind: 'ControllerRevision' },
  { ref: R.jobs, apiVersion: 'batch/v1', kind: 'Job' },
  { ref: R.cronjobs, apiVersion: 'batch/v1', kind: 'CronJob' },
  { ref: R.leases, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
];

/** A garbage collector factory with other options (tests, fewer workers, other resources). */
export function garbageCollectorFactoryWith(opts: Partial<GarbageCollectorOptions> = {}): ControllerFactory {
  return (ctx) => new GarbageCollector(ctx, { resources: GC_RESOURCES, ...opts });
}

export const garbageCollectorFactory: ControllerFactory = garbageCollectorFactoryWith();

export { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector.js';
export { DependencyGraph, GraphNode, type GraphSink } from './graph.js';
export type { KindResource } from './resource-mapper.js';
