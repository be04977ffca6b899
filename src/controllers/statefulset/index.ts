// The StatefulSet controller (apps/v1): ordinal pods with stable names and claims, OrderedReady and
// Parallel management, RollingUpdate (partition) and OnDelete, ControllerRevision history, status,
// and the PVC retention policy.

export { StatefulSetController, statefulSetControllerFactory } from './statefulset-controller.js';
export { COMPONENT as STATEFULSET_COMPONENT, STATEFULSET_GVK } from './constants.js';
