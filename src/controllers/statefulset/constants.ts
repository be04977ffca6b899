// Identity of the StatefulSet controller: kind, event source, labels and messages
// (pkg/controller/statefulset, k8s.io/api/apps/v1 constants, v1.32).

import type { GroupVersionKind } from '../../api/types.js';

export const STATEFULSET_GVK: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'StatefulSet' };
export const POD_GVK: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };
export const COMPONENT = 'statefulset-controller';

/** apps.StatefulSetPodNameLabel. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (PodIndexLabel, GA in 1.32). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** MaxBatchSize: in-flight requests of one Parallel step. */
export const MAX_BATCH_SIZE = 500;

export type Verb = 'create' | 'update' | 'delete';
const title = (v: Verb) => v[0].toUpperCase() + v.slice(1);

/** recordPodEvent: reason Successful<Verb>/Failed<Verb>. */
export function podEvent(verb: Verb, pod: string, set: string, err?: string): { type: 'Normal' | 'Warning'; reason: string; message: string } {
  return err === undefined
    ? { type: 'Normal', reason: `Successful${title(verb)}`, message: `${verb} Pod ${pod} in StatefulSet ${set} successful` }
    : { type: 'Warning', reason: `Failed${title(verb)}`, message: `${verb} Pod ${pod} in StatefulSet ${set} failed error: ${err}` };
}

/** recordClaimEvent. */
export function claimEvent(verb: Verb, claim: string, pod: string, set: string, err?: string): { type: 'Normal' | 'Warning'; reason: string; message: string } {
  return err === undefined
    ? { type: 'Normal', reason: `Successful${title(verb)}`, message: `${verb} Claim ${claim} Pod ${pod} in StatefulSet ${set} success` }
    : { type: 'Warning', reason: `Failed${title(verb)}`, message: `${verb} Claim ${claim} for Pod ${pod} in StatefulSet ${set} failed error: ${err}` };
}
