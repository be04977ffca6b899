// The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds):
// every pod gets a bounded toleration of the not-ready and unreachable NoExecute taints, so that
// the pods of a failed node are evicted after that time (300 s by default) and recreated
// elsewhere by their controllers, instead of immediately on a short blip.
//
// A pod is left alone for a taint when it already has a toleration that could match it: one
// whose key is that taint's key or empty AND whose effect is NoExecute or empty. The operator and
// value are not looked at (exactly as upstream). Upstream runs the plugin on pod create and update
// of the main resource (never on subresources); the API server decides where to call this.

import type { KObject } from '../../api/types.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from './constants.js';

export interface DefaultTolerationOptions {
  /** --default-not-ready-toleration-seconds (upstream default 300). */
  notReadySeconds: number;
  /** --default-unreachable-toleration-seconds (upstream default 300). */
  unreachableSeconds: number;
}

function mayTolerate(tol: unknown, key: string): boolean {
  if (typeof tol !== 'object' || tol === null) return false;
  const t = tol as { key?: unknown; effect?: unknown };
  const k = t.key ?? '';
  const e = t.effect ?? '';
  return (k === key || k === '') && (e === 'NoExecute' || e === '');
}

/** Adds the default not-ready/unreachable tolerations to `pod.spec.tolerations` in place. */
export function addDefaultTolerations(pod: KObject, opts: DefaultTolerationOptions): void {
  const spec = pod.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return;
  const tolerations: unknown[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const notReady = tolerations.some((t) => mayTolerate(t, TAINT_NOT_READY));
  const unreachable = tolerations.some((t) => mayTolerate(t, TAINT_UNREACHABLE));
  if (notReady && unreachable) return;
  const out = [...tolerations];
  if (!notReady) out.push({ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: opts.notReadySeconds });
  if (!unreachable) out.push({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: opts.unreachableSeconds });
  spec.tolerations = out;
}
