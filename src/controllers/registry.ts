// The controllers `k8ts up` runs, in start order.

import { cronJobControllerFactory } from './cronjob/index.js';
import { daemonSetControllerFactory } from './daemonset/index.js';
import { deploymentControllerFactory } from './deployment/index.js';
import { disruptionControllerFactory } from './disruption/index.js';
import { endpointsControllerFactory } from './endpoint/index.js';
import { endpointSliceControllerFactory } from './endpointslice/index.js';
import { garbageCollectorFactory } from './garbage-collector/index.js';
import { jobControllerFactory } from './job/index.js';
import { persistentVolumeControllerFactory } from './persistent-volume/index.js';
import { replicaSetControllerFactory, replicationControllerFactory } from './replicaset/index.js';
import { rootCACertPublisherFactory, serviceAccountsControllerFactory } from './serviceaccount/index.js';
import type { ControllerFactory } from './runtime/manager.js';
import { statefulSetControllerFactory } from './statefulset/index.js';
import { ttlAfterFinishedControllerFactory } from './ttl-after-finished/index.js';

export interface ControllerSettings {
  /** Where the local-path provisioner keeps volume directories. */
  dataDir: string;
  /**
   * The cluster CA (PEM) the root CA publisher puts in every namespace's `kube-root-ca.crt`;
   * without it (an API server without TLS) the publisher does not run.
   */
  rootCA?: string;
}

export function controllerFactories(s: ControllerSettings): ControllerFactory[] {
  return [
    // First, so namespaces get their `default` ServiceAccount before workloads make pods.
    serviceAccountsControllerFactory,
    ...(s.rootCA ? [rootCACertPublisherFactory(s.rootCA)] : []),
    garbageCollectorFactory,
    replicaSetControllerFactory,
    replicationControllerFactory,
    deploymentControllerFactory,
    daemonSetControllerFactory,
    statefulSetControllerFactory,
    disruptionControllerFactory,
    persistentVolumeControllerFactory({ dataDir: s.dataDir }),
    jobControllerFactory,
    cronJobControllerFactory,
    ttlAfterFinishedControllerFactory,
    endpointsControllerFactory,
    endpointSliceControllerFactory,
  ];
}
