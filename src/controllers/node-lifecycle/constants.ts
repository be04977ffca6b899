// Names Kubernetes v1.32 uses for node health: taint keys (k8s.io/api/core/v1 well_known_taints.go),
// condition reasons and messages (pkg/controller/nodelifecycle), event reasons and the
// components that report them. kubectl prints these verbatim, so they are kept exact.

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Nodes with this label are left out of the zone disruption count. */
export const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

export const REASON_NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const MESSAGE_NODE_STATUS_UNKNOWN = 'Kubelet stopped posting node status.';
export const REASON_NODE_STATUS_NEVER_UPDATED = 'NodeStatusNeverUpdated';
export const MESSAGE_NODE_STATUS_NEVER_UPDATED = 'Kubelet never posted node status.';

export const DISRUPTION_TARGET = 'DisruptionTarget';
export const REASON_DELETION_BY_TAINT_MANAGER = 'DeletionByTaintManager';
export const MESSAGE_DELETION_BY_TAINT_MANAGER = 'Taint manager: deleting due to NoExecute taint';
export const REASON_DELETION_BY_POD_GC = 'DeletionByPodGC';
export const MESSAGE_DELETION_BY_POD_GC = 'PodGC: node no longer exists';

/** Event source components, as kube-controller-manager names them. */
export const NODE_CONTROLLER_COMPONENT = 'node-controller';
export const TAINT_EVICTION_COMPONENT = 'taint-eviction-controller';

/** The upstream defaults (kube-controller-manager flags). */
export const DEFAULTS = {
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  nodeStartupGracePeriodMs: 60_000,
  evictionLimiterQps: 0.1,
  secondaryEvictionLimiterQps: 0.01,
  largeClusterThreshold: 50,
  unhealthyZoneThreshold: 0.55,
  podGcPeriodMs: 20_000,
  podGcQuarantineMs: 40_000,
  terminatedPodThreshold: 12_500,
} as const;
