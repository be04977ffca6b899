// Identity of the DaemonSet controller: the kind it owns, its event source and its limits.

import type { GroupVersionKind } from '../../api/types.js';

export const DAEMONSET_GVK: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'DaemonSet' };
/** Event source component (and upstream's controller name). */
export const COMPONENT = 'daemonset-controller';
/** BurstReplicas: creates and deletes per sync. */
export const BURST_REPLICAS = 250;
/** Failed-pod deletion back-off per (DaemonSet, node): 1 s doubling to 15 min. */
export const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;

export const Messages = {
  selectingAll: 'This daemon set is selecting all pods. A non-empty selector is required.',
  failedDaemonPod: (ns: string, pod: string, node: string) => `Found failed daemon pod ${ns}/${pod} on node ${node}, will try to kill it`,
  created: (pod: string) => `Created pod: ${pod}`,
  deleted: (pod: string) => `Deleted pod: ${pod}`,
  errorCreating: (err: string) => `Error creating: ${err}`,
  errorDeleting: (err: string) => `Error deleting: ${err}`,
};
