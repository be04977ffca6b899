// The DaemonSet controller (apps/v1): one pod per eligible node, OnDelete and RollingUpdate
// (maxUnavailable / maxSurge), ControllerRevision history and status.

export { DaemonSetController, daemonSetControllerFactory } from './daemonset-controller.js';
export { COMPONENT as DAEMONSET_COMPONENT, DAEMONSET_GVK } from './constants.js';
