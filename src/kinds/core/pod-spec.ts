// The shared PodSpec entry points, used by Pod, PodTemplate, ReplicationController and every
// workload kind (ReplicaSet, Deployment, DaemonSet, StatefulSet, Job, CronJob):
//   defaultPodSpec / defaultPodTemplateSpec   (pod-defaults.ts)
//   validatePodSpec / validatePodTemplateSpec (ValidatePodSpec / ValidatePodTemplateSpec upstream)
// Pod-only rules (image whitespace, ephemeral containers on create, hostPort==containerPort under
// hostNetwork) are switched on by `opts.isPod`, as upstream's PodValidationOptions.ResourceIsPod.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/names.js';
import { validateAnnotations, validateLabels } from '../../api/validation/object-meta.js';
import { arr, isObject, num, obj, objs, str } from './json-shape.js';
import { type ContainerContext, validateContainerOnlyForPod, validateContainers, validateEphemeralContainers, validateInitContainers } from './pod-validation-containers.js';
import {
  validateAffinity, validateDNSPolicy, validateHostAliases, validatePodDNSConfig, validatePodSecurityContext,
  validateReadinessGates, validateSchedulingGates, validateTolerations, validateTopologySpreadConstraints,
} from './pod-validation-scheduling.js';
import { validateVolumes } from './pod-validation-volumes.js';
import { validateResourceQuantityValue, quantityOf } from './resource-validation.js';

export { defaultPodSpec, defaultPodTemplateSpec, defaultPodOnly } from './pod-defaults.js';

export interface PodSpecValidationOptions {
  /** When set, spec.restartPolicy must be one of these (e.g. ["Always"] for ReplicaSets). */
  restartPolicies?: string[];
  /** True when validating a Pod object (not a template): enables pod-only checks. */
  isPod?: boolean;
  /** The pod's name, used to check generated ephemeral-volume PVC names (pods only). */
  podName?: string;
}

type Errs = FieldError[];

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];

export function validatePodSpec(spec: JsonObject, path: FieldPath, opts: PodSpecValidationOptions = {}): FieldError[] {
  const errs: Errs = [];
  if (!isObject(spec)) return [fieldErr.required(String(path))];
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    errs.push(fieldErr.required(String(path.child('terminationGracePeriodSeconds'))));
  }
  const gracePeriod = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : undefined;
  const { vols, errs: volErrs } = validateVolumes(spec.volumes, opts.isPod ? opts.podName : undefined, path.child('volumes'));
  errs.push(...volErrs);
  const podClaimNames = new Set<string>();
  objs(spec.resourceClaims).forEach((c, i) => {
    const p = path.child('resourceClaims').index(i);
    const name = str(c.name);
    if (!name) errs.push(fieldErr.required(String(p.child('name'))));
    else if (podClaimNames.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
    else {
      for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(String(p.child('name')), name, m));
      podClaimNames.add(name);
    }
  });
  const ctx: ContainerContext = { vols, podClaimNames, gracePeriod };
  errs.push(...validateContainers(spec.containers, ctx, path.child('containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, ctx, path.child('initContainers')));
  errs.push(...validateEphemeralContainers(spec.ephemeralContainers, spec, ctx, path.child('ephemeralContainers')));
  if (spec.hostNetwork === true) {
    objs(spec.containers).forEach((c, i) => {
      objs(c.ports).forEach((port, j) => {
        const hp = num(port.hostPort);
        const cp = num(port.containerPort);
        if ((opts.isPod || hp !== 0) && hp !== cp) {
          errs.push(fieldErr.invalid(String(path.child('containers').index(i).child('ports').index(j).child('hostPort')), hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const restartPolicy = str(spec.restartPolicy);
  if (restartPolicy === '') errs.push(fieldErr.required(String(path.child('restartPolicy'))));
  else if (!RESTART_POLICIES.includes(restartPolicy)) errs.push(fieldErr.notSupported(String(path.child('restartPolicy')), restartPolicy, RESTART_POLICIES));
  errs.push(...validateDNSPolicy(str(spec.dnsPolicy), path.child('dnsPolicy')));
  errs.push(...validateLabels(obj(spec.nodeSelector), path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(spec.securityContext, path.child('securityContext')));
  objs(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== 'name')) errs.push(fieldErr.invalid(String(path.child('imagePullSecrets').index(i)), s, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, path.child('affinity')));
  errs.push(...validatePodDNSConfig(spec.dnsConfig, str(spec.dnsPolicy), path.child('dnsConfig')));
  errs.push(...validateReadinessGates(spec.readinessGates, path.child('readinessGates')));
  errs.push(...validateSchedulingGates(spec.schedulingGates, path.child('schedulingGates')));
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  const sc = obj(spec.securityContext);
  if (sc.hostUsers === false || spec.hostUsers === false) {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (spec[f] === true) errs.push(fieldErr.forbidden(String(path.child(f === 'hostNetwork' ? f : f === 'hostPID' ? 'HostPID' : 'HostIPC')), 'when `pod.Spec.HostUsers` is false'));
    }
  }
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName']) {
    const v = str(spec[f]);
    if (v) for (const m of isDNS1123Subdomain(v)) errs.push(fieldErr.invalid(String(path.child(f)), v, m));
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = num(spec.activeDeadlineSeconds);
    if (v < 1 || v > 2147483647) errs.push(fieldErr.invalid(String(path.child('activeDeadlineSeconds')), v, inclusiveRangeError(1, 2147483647)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v) for (const m of isDNS1123Label(v)) errs.push(fieldErr.invalid(String(path.child(f)), v, m));
  }
  if (arr(spec.tolerations).length > 0) errs.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  if (arr(spec.hostAliases).length > 0) errs.push(...validateHostAliases(spec.hostAliases, path.child('hostAliases')));
  if (spec.runtimeClassName !== undefined && spec.runtimeClassName !== null) {
    for (const m of isDNS1123Subdomain(str(spec.runtimeClassName))) errs.push(fieldErr.invalid(String(path.child('runtimeClassName')), spec.runtimeClassName, m));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    const pp = str(spec.preemptionPolicy);
    if (pp === '') errs.push(fieldErr.required(String(path.child('preemptionPolicy'))));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(fieldErr.notSupported(String(path.child('preemptionPolicy')), pp, ['PreemptLowerPriority', 'Never']));
  }
  if (isObject(spec.overhead)) {
    for (const k of Object.keys(spec.overhead)) {
      const p = path.child('overhead').child('limits').key(k);
      const q = quantityOf(spec.overhead[k], p, errs);
      if (q) errs.push(...validateResourceQuantityValue(k, q, p));
    }
  }
  if (isObject(spec.os)) {
    const name = str(spec.os.name);
    if (!name) errs.push(fieldErr.required(String(path.child('os').child('name'))));
    else if (name !== 'linux' && name !== 'windows') errs.push(fieldErr.notSupported(String(path.child('os').child('name')), name, ['linux', 'windows']));
  }
  if (opts.restartPolicies && restartPolicy && RESTART_POLICIES.includes(restartPolicy) && !opts.restartPolicies.includes(restartPolicy)) {
    errs.push(fieldErr.notSupported(String(path.child('restartPolicy')), restartPolicy, opts.restartPolicies));
  }
  if (opts.isPod) {
    objs(spec.containers).forEach((c, i) => errs.push(...validateContainerOnlyForPod(c, path.child('containers').index(i))));
    objs(spec.initContainers).forEach((c, i) => errs.push(...validateContainerOnlyForPod(c, path.child('initContainers').index(i))));
  }
  return errs;
}

/**
 * ValidatePodTemplateSpec: template labels/annotations (reported, as upstream, at `<path>.labels`
 * and `<path>.annotations`), the spec at `<path>.spec`, and no ephemeral containers.
 */
export function validatePodTemplateSpec(tpl: JsonObject, path: FieldPath, opts: { restartPolicies?: string[] } = {}): FieldError[] {
  if (!isObject(tpl)) return [fieldErr.required(String(path))];
  const errs: Errs = [];
  const meta = obj(tpl.metadata);
  errs.push(...validateLabels(obj(meta.labels), path.child('labels')));
  errs.push(...validateAnnotations(obj(meta.annotations), path.child('annotations')));
  errs.push(...validatePodSpecificAnnotations(obj(meta.annotations), obj(tpl.spec), path.child('annotations')));
  errs.push(...validatePodSpec(obj(tpl.spec), path.child('spec'), { restartPolicies: opts.restartPolicies }));
  if (arr(obj(tpl.spec).ephemeralContainers).length > 0) {
    errs.push(fieldErr.forbidden(String(path.child('spec', 'ephemeralContainers')), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** ValidatePodSpecificAnnotations: mirror-pod and deletion-cost annotations. */
export function validatePodSpecificAnnotations(annotations: JsonObject, spec: JsonObject, path: FieldPath): FieldError[] {
  const errs: Errs = [];
  const mirror = annotations['kubernetes.io/config.mirror'];
  if (mirror !== undefined && !str(spec.nodeName)) {
    errs.push(fieldErr.invalid(String(path.key('kubernetes.io/config.mirror')), mirror, 'must set spec.nodeName if mirror pod annotation is set'));
  }
  const cost = annotations['controller.kubernetes.io/pod-deletion-cost'];
  if (cost !== undefined) {
    const n = /^[+-]?\d+$/.test(str(cost)) ? Number(cost) : NaN;
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
      errs.push(fieldErr.invalid(String(path.key('controller.kubernetes.io/pod-deletion-cost')), cost, 'must be a 32bit integer'));
    }
  }
  return errs;
}
