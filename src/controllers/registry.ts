// The controllers `k8ts up` runs, in start order.

import { deploymentControllerFactory } from './deployment/index.js';
import { garbageCollectorFactory } from './garbage-collector/index.js';
import { replicaSetControllerFactory, replicationControllerFactory } from './replicaset/index.js';
import type { ControllerFactory } from './runtime/manager.js';

export function controllerFactories(): ControllerFactory[] {
  return [garbageCollectorFactory, replicaSetControllerFactory, replicationControllerFactory, deploymentControllerFactory];
}
