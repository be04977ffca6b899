// The controllers `k8ts up` runs, in start order.

import { cronJobControllerFactory } from './cronjob/index.js';
import { daemonSetControllerFactory } from './daemonset/index.js';
import { deploymentControllerFactory } from './deployment/index.js';
import { garbageCollectorFactory } from './garbage-collector/index.js';
import { jobControllerFactory } from './job/index.js';
import { persistentVolumeControllerFactory } from './persistent-volume/index.js';
import { replicaSetControllerFactory, replicationControllerFactory } from './replicaset/index.js';
import type { ControllerFactory } from './runtime/manager.js';
import { statefulSetControllerFactory } from './statefulset/index.js';
import { ttlAfterFinishedControllerFactory } from './ttl-after-finished/index.js';

export interface ControllerSettings {
  /** Where the local-path provisioner keeps volume directories. */
  dataDir: string;
}

export function controllerFactories(s: ControllerSettings): ControllerFactory[] {
  return [
    garbageCollectorFactory,
    replicaSetControllerFactory,
    replicationControllerFactory,
    deploymentControllerFactory,
    daemonSetControllerFactory,
    statefulSetControllerFactory,
    persistentVolumeControllerFactory({ dataDir: s.dataDir }),
    jobControllerFactory,
    cronJobControllerFactory,
    ttlAfterFinishedControllerFactory,
  ];
}
