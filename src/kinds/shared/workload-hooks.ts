// Hooks that several workload kinds share verbatim: the /scale mapping and the create-time
// warning about names that cannot serve as pod hostnames.

import type { KObject } from '../../api/types.js';
import { isDNS1123Label } from '../../api/validation/names.js';
import type { ScaleDef, ValidationContext } from '../types.js';
import { obj } from '../core/json-shape.js';
import { asSelector } from './workload-template.js';

/** /scale for kinds with spec.replicas, status.replicas and a LabelSelector at spec.selector. */
export const replicasScale: ScaleDef = {
  specReplicas: (o: KObject) => (typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1),
  setSpecReplicas(o: KObject, n: number) {
    if (typeof o.spec !== 'object' || o.spec === null) o.spec = {};
    o.spec.replicas = n;
  },
  statusReplicas: (o: KObject) => (typeof o.status?.replicas === 'number' ? o.status.replicas : 0),
  selector: (o: KObject) => asSelector(obj(o.spec).selector)?.toString() ?? '',
};

/**
 * WarningsOnCreate of Deployment, ReplicaSet, Job and CronJob (since v1.27): pod names and hostnames
 * derive from the object's name, so a name that is not a DNS label earns a warning.
 */
export function podNameWarning(o: KObject): string[] {
  const msgs = isDNS1123Label(o.metadata.name ?? '');
  if (msgs.length === 0) return [];
  return [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`];
}

/**
 * WarningsOnCreate / WarningsOnUpdate of the workload kinds: the name warning on create only
 * (`withName`), the template's warnings on create and on updates that changed the spec.
 */
export function workloadWarnings(o: KObject, ctx: ValidationContext, withName: boolean, templateWarnings: () => string[]): string[] {
  const w = withName && ctx.operation === 'create' ? podNameWarning(o) : [];
  if (ctx.operation === 'create' || ctx.generationChanged) w.push(...templateWarnings());
  return w;
}
