// Daemon pods: how they are built from the template, which are "updated", and how they are grouped
// by node (pkg/controller/daemon/util/daemonset_util.go and daemon_controller.go, v1.32).

import type { KObject, OwnerReference } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH_LABEL_KEY } from '../history/revision.js';
import { newPodFromTemplate, timeMs, type PodTemplateSpec } from '../shared/pod-utils.js';
import { pinToNode, targetNodeName, withDaemonTolerations } from './node-placement.js';

/**
 * apps/v1 carries the internal spec.templateGeneration in this annotation (the API server writes
 * 1 on create and bumps it with every template change).
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
/** extensions.DaemonSetTemplateGenerationKey: deprecated, still written on daemon pods. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** GetTemplateGeneration: the annotation as an integer; undefined when absent or unparsable. */
export function templateGeneration(ds: KObject): number | undefined {
  const v = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * IsPodUpdated: the pod carries the current revision hash, or (legacy) the current template
 * generation.
 */
export function isPodUpdated(pod: KObject, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const templateMatches = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL_KEY] === hash;
  return hashMatches || templateMatches;
}

/**
 * The pod the controller creates for `nodeName` (CreatePodTemplate + GetPodFromTemplate +
 * ReplaceDaemonSetPodNodeNameNodeAffinity): the template with the daemon tolerations, the
 * generation and hash labels, pinned to the node by node affinity (the scheduler binds it),
 * generateName `<ds>-` and the controller ref.
 */
export function newDaemonPod(ds: KObject, nodeName: string, hash: string, generation: number | undefined, ref: OwnerReference): KObject {
  const template = (ds.spec?.template ?? {}) as PodTemplateSpec;
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
  if (generation !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL_KEY] = hash;
  const pod = newPodFromTemplate({ ...template, metadata: { ...(template.metadata ?? {}), labels } }, ds, ref);
  const spec = pod.spec as Record<string, any>;
  spec.tolerations = withDaemonTolerations(spec.tolerations, spec.hostNetwork === true);
  spec.affinity = pinToNode(spec.affinity, nodeName);
  return pod;
}

/**
 * podByCreationTimestampAndPhase: bound pods first, then older first, then by name. Returns a
 * negative number when `a` sorts first.
 */
export function byCreationTimestampAndPhase(a: KObject, b: KObject): number {
  const ba = !!a.spec?.nodeName;
  const bb = !!b.spec?.nodeName;
  if (ba !== bb) return ba ? -1 : 1;
  const ta = timeMs(a.metadata.creationTimestamp);
  const tb = timeMs(b.metadata.creationTimestamp);
  if (ta === tb) {
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  }
  return ta - tb;
}

/** A pod that has finished (Succeeded or Failed). */
export function isPodTerminal(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * getNodesToDaemonPods: the DaemonSet's pods grouped by the node they are for. Terminal pods that
 * are being deleted are left out unless `includeDeletedTerminal`; pods that name no node are skipped.
 */
export function nodesToDaemonPods(pods: readonly KObject[], includeDeletedTerminal: boolean): Map<string, KObject[]> {
  const m = new Map<string, KObject[]>();
  for (const pod of pods) {
    if (!includeDeletedTerminal && isPodTerminal(pod) && pod.metadata.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    let list = m.get(node);
    if (!list) m.set(node, (list = []));
    list.push(pod);
  }
  return m;
}
