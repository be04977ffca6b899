// The ReplicaSet (apps/v1) and ReplicationController (core/v1) controllers: one replica loop, two kinds.

export { ReplicaController, replicaSetControllerFactory, replicationControllerFactory } from './replica-controller.js';
