// Pod (core/v1): pkg/registry/core/pod/strategy.go plus the admission defaults every real
// cluster applies at create (ServiceAccount name, Priority, DefaultTolerationSeconds), so that
// `kubectl get pod -o yaml` looks as it does on a 1.32 cluster. The kube-api-access token volume
// of ServiceAccount admission is not added: k8ts does not mount service account tokens.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Label } from '../../api/validation/names.js';
import type { KindDef, ValidationContext } from '../types.js';
import { isObject, obj, objs, str } from './json-shape.js';
import { defaultPodOnly, defaultPodSpec } from './pod-defaults.js';
import { computePodQOS } from './pod-qos.js';
import { validatePodSpec, validatePodSpecificAnnotations } from './pod-spec.js';
import { podTable } from './pod-table.js';
import { validatePodStatusUpdate, validatePodUpdate } from './pod-update.js';
import { podSpecWarnings } from './pod-warnings.js';

const BUILTIN_PRIORITY_CLASSES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

/**
 * The create-time admission defaults (mutating admission plugins enabled by default upstream).
 * DefaultTolerationSeconds is applied by the API server, which knows the configured seconds;
 * so is ServiceAccount admission (src/apiserver/service-account-admission.ts) when enabled, which
 * has set serviceAccountName already; the `default` here covers API servers without it.
 */
export function admitPod(spec: JsonObject, annotations: JsonObject): void {
  if (annotations['kubernetes.io/config.mirror'] === undefined && !str(spec.serviceAccountName)) {
    spec.serviceAccountName = 'default';
    spec.serviceAccount = 'default';
  }
  const pcName = str(spec.priorityClassName);
  if (!pcName) {
    if (spec.priority === undefined) spec.priority = 0;
    if (spec.preemptionPolicy === undefined) spec.preemptionPolicy = 'PreemptLowerPriority';
  } else if (BUILTIN_PRIORITY_CLASSES[pcName] !== undefined) {
    if (spec.priority === undefined) spec.priority = BUILTIN_PRIORITY_CLASSES[pcName];
    if (spec.preemptionPolicy === undefined) spec.preemptionPolicy = 'PreemptLowerPriority';
  }
}

export function validatePod(pod: KObject, ctx: ValidationContext): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(pod.spec);
  const specPath = FieldPath.root('spec');
  errs.push(...validatePodSpecificAnnotations(obj(pod.metadata.annotations), spec, FieldPath.root('metadata').child('annotations')));
  errs.push(...validatePodSpec(spec, specPath, { isPod: true, podName: pod.metadata.name }));
  if (!str(spec.serviceAccountName)) {
    objs(spec.volumes).forEach((v, vi) => {
      if (!isObject(v.projected)) return;
      objs(v.projected.sources).forEach((s, si) => {
        if (isObject(s.serviceAccountToken)) {
          const p = specPath.child('volumes').index(vi).child('projected', 'sources').index(si).child('serviceAccountToken');
          errs.push(fieldErr.forbidden(String(p), 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  if (ctx.operation === 'create') {
    if (objs(spec.ephemeralContainers).length > 0) errs.push(fieldErr.forbidden(String(specPath.child('ephemeralContainers')), 'cannot be set on create'));
    if (str(spec.nodeName) && objs(spec.schedulingGates).length > 0) {
      errs.push(fieldErr.forbidden(String(specPath.child('nodeName')), 'cannot be set until all schedulingGates have been cleared'));
    }
  }
  return errs;
}

/** ValidatePodBinding, for the pods/binding subresource (the API layer performs the bind). */
export function validateBinding(binding: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const target = obj(binding.target);
  const kind = str(target.kind);
  if (kind && kind !== 'Node') errs.push(fieldErr.notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!str(target.name)) errs.push(fieldErr.required('target.name'));
  return errs;
}

export const podKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  generation: false,
  extraSubresources: [
    { name: 'attach', verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodAttachOptions' } },
    { name: 'binding', verbs: ['create'], kind: { group: '', version: 'v1', kind: 'Binding' } },
    { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'Pod' } },
    { name: 'eviction', verbs: ['create'], kind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
    { name: 'exec', verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodExecOptions' } },
    { name: 'log', verbs: ['get'], kind: { group: '', version: 'v1', kind: 'Pod' } },
    { name: 'portforward', verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' } },
    { name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'PodProxyOptions' } },
  ],
  defaults(pod) {
    if (!isObject(pod.spec)) return;
    defaultPodSpec(pod.spec);
    defaultPodOnly(pod.spec);
  },
  prepareForCreate(pod) {
    if (!isObject(pod.spec)) pod.spec = {};
    admitPod(pod.spec, obj(pod.metadata.annotations));
    const status: JsonObject = { phase: 'Pending', qosClass: computePodQOS(pod.spec) };
    if (objs(pod.spec.schedulingGates).length > 0) {
      status.conditions = [
        { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
      ];
    }
    pod.status = status;
  },
  validate: (pod, ctx) => validatePod(pod, ctx),
  validateUpdate: (pod, old) => validatePodUpdate(pod, old),
  warnings(pod, ctx) {
    // Upstream warns on create only (WarningsOnUpdate returns nil for pods).
    if (ctx.operation !== 'create') return [];
    const w: string[] = [];
    const msgs = isDNS1123Label(pod.metadata.name ?? '');
    if (msgs.length) w.push(`metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`);
    w.push(...podSpecWarnings(obj(pod.spec), obj(pod.metadata)));
    return w;
  },
  status: {
    prepareForUpdate(pod, old) {
      if (!isObject(pod.status)) pod.status = {};
      if (!pod.status.qosClass && isObject(old.status) && old.status.qosClass) pod.status.qosClass = old.status.qosClass;
    },
    validateUpdate: (pod, old) => validatePodStatusUpdate(pod, old),
  },
  fieldSelectors: {
    'spec.nodeName': (p) => str(obj(p.spec).nodeName),
    'spec.restartPolicy': (p) => str(obj(p.spec).restartPolicy),
    'spec.schedulerName': (p) => str(obj(p.spec).schedulerName),
    'spec.serviceAccountName': (p) => str(obj(p.spec).serviceAccountName),
    'spec.hostNetwork': (p) => String(obj(p.spec).hostNetwork === true),
    'status.phase': (p) => str(obj(p.status).phase),
    'status.podIP': (p) => str(objs(obj(p.status).podIPs)[0]?.ip),
    'status.nominatedNodeName': (p) => str(obj(p.status).nominatedNodeName),
  },
  table: podTable,
};
