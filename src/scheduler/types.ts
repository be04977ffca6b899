// Shapes shared by the scheduler's cache, cycle and plugins. Statuses mirror upstream's
// framework.Status (pkg/scheduler/framework/interface.go): a rejection is either Unschedulable
// (preemption might help: resources, ports) or UnschedulableAndUnresolvable (it cannot: labels,
// taints, cordon). The distinction decides the "preemption:" half of the FailedScheduling message.

export type StatusCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface Status {
  readonly code: StatusCode;
  /** Reasons as upstream words them; each is counted once per node in the FitError histogram. */
  readonly reasons: readonly string[];
  /** The plugin that rejected (used to decide which cluster events may help the pod). */
  readonly plugin: string;
}

export function status(plugin: string, code: StatusCode, ...reasons: string[]): Status {
  return Object.freeze({ code, reasons: Object.freeze(reasons), plugin });
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** A pod's (or node's) resource amounts in the units the scheduler compares: millicores and bytes. */
export interface ResourceAmounts {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources and hugepages, by name (integer units, as Quantity.Value()). */
  scalars?: Map<string, number>;
}

export function zeroAmounts(): ResourceAmounts {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
}

export interface HostPort {
  /** "" and "0.0.0.0" both mean every address. */
  ip: string;
  protocol: string;
  port: number;
}

/** Upstream's framework.MaxNodeScore. */
export const MAX_NODE_SCORE = 100;
