// Pod update rules (ValidatePodUpdate) and status-update rules (ValidatePodStatusUpdate). The
// generic layer has already run metadata-update validation and the kind's `validate`, so these
// functions only add what is specific to changing an existing pod.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { inclusiveRangeError, isDNS1123Subdomain, isQualifiedName, isValidIP } from '../../api/validation/names.js';
import { cloneJson, deepEqual } from '../../api/equality.js';
import { isObject, num, obj, objs, str } from './json-shape.js';
import { validateTolerations } from './pod-validation-scheduling.js';
import { semanticDiff, semanticEqual } from './semantic-diff.js';
import { isIPv4, isIPv6 } from './value-checks.js';

type Errs = FieldError[];

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

export function validatePodUpdate(newPod: KObject, oldPod: KObject): FieldError[] {
  const errs: Errs = [];
  errs.push(...validatePodAnnotationUpdates(obj(newPod.metadata.annotations), obj(oldPod.metadata.annotations)));
  const spec = obj(newPod.spec);
  const old = obj(oldPod.spec);
  const specPath = FieldPath.root('spec');
  for (const list of ['containers', 'initContainers']) {
    if (objs(spec[list]).length !== objs(old[list]).length) {
      errs.push(fieldErr.forbidden(String(specPath.child(list)), 'pod updates may not add or remove containers'));
      return errs;
    }
  }
  const newADS = spec.activeDeadlineSeconds;
  const oldADS = old.activeDeadlineSeconds;
  if (newADS !== undefined && newADS !== null) {
    const v = num(newADS);
    if (v < 0 || v > 2147483647) {
      errs.push(fieldErr.invalid(String(specPath.child('activeDeadlineSeconds')), v, inclusiveRangeError(0, 2147483647)));
      return errs;
    }
    if (oldADS !== undefined && oldADS !== null && num(oldADS) < v) {
      errs.push(fieldErr.invalid(String(specPath.child('activeDeadlineSeconds')), v, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldADS !== undefined && oldADS !== null) {
    errs.push(fieldErr.invalid(String(specPath.child('activeDeadlineSeconds')), null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(spec.tolerations, old.tolerations, specPath.child('tolerations')));
  errs.push(...validateOnlyDeletedSchedulingGates(spec.schedulingGates, old.schedulingGates, specPath.child('schedulingGates')));
  if (semanticEqual(spec, old)) return errs;

  const munged = cloneJson(spec);
  objs(munged.containers).forEach((c, i) => (c.image = objs(old.containers)[i].image));
  objs(munged.initContainers).forEach((c, i) => (c.image = objs(old.initContainers)[i].image));
  setOrDelete(munged, 'activeDeadlineSeconds', old.activeDeadlineSeconds);
  setOrDelete(munged, 'schedulingGates', old.schedulingGates);
  setOrDelete(munged, 'tolerations', old.tolerations);
  if (typeof old.terminationGracePeriodSeconds === 'number' && old.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  }
  if (objs(old.schedulingGates).length > 0) {
    // Gated pods may add nodeSelector entries and change node affinity (scheduling directives).
    const oldSel = obj(old.nodeSelector);
    const newSel = obj(munged.nodeSelector);
    if (!semanticEqual(oldSel, newSel)) {
      if (Object.keys(oldSel).some((k) => newSel[k] !== oldSel[k])) {
        errs.push(fieldErr.invalid(String(specPath.child('nodeSelector')), newSel, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
      }
      setOrDelete(munged, 'nodeSelector', old.nodeSelector);
    }
    const oldNA = obj(old.affinity).nodeAffinity;
    if (isObject(munged.affinity)) setOrDelete(munged.affinity, 'nodeAffinity', oldNA);
    else if (oldNA !== undefined) munged.affinity = { nodeAffinity: oldNA };
    if (isObject(munged.affinity) && !isObject(old.affinity) && Object.keys(munged.affinity).every((k) => k === 'nodeAffinity')) delete munged.affinity;
  }
  if (!semanticEqual(munged, old)) {
    errs.push(
      fieldErr.forbidden(String(specPath), `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${semanticDiff('core.PodSpec', old, munged)}`),
    );
  }
  return errs;
}

function setOrDelete(o: JsonObject, k: string, v: unknown): void {
  if (v === undefined) delete o[k];
  else o[k] = cloneJson(v);
}

function validatePodAnnotationUpdates(newA: JsonObject, oldA: JsonObject): Errs {
  const errs: Errs = [];
  const p = FieldPath.root('metadata').child('annotations');
  const appArmor = 'container.apparmor.security.beta.kubernetes.io/';
  for (const k of Object.keys(oldA)) {
    if (newA[k] === oldA[k]) continue;
    if (k.startsWith(appArmor)) errs.push(fieldErr.forbidden(String(p.key(k)), 'may not remove or update AppArmor annotations'));
    if (k === 'kubernetes.io/config.mirror') errs.push(fieldErr.forbidden(String(p.key(k)), 'may not remove or update mirror pod annotation'));
  }
  for (const k of Object.keys(newA)) {
    if (k in oldA) continue;
    if (k.startsWith(appArmor)) errs.push(fieldErr.forbidden(String(p.key(k)), 'may not add AppArmor annotations'));
    if (k === 'kubernetes.io/config.mirror') errs.push(fieldErr.forbidden(String(p.key(k)), 'may not add mirror pod annotation'));
  }
  return errs;
}

function validateOnlyAddedTolerations(newT: unknown, oldT: unknown, path: FieldPath): Errs {
  const news = objs(newT);
  for (const o of objs(oldT)) {
    const found = news.some((n) => deepEqual({ ...o, tolerationSeconds: n.tolerationSeconds }, n));
    if (!found) return [fieldErr.forbidden(String(path), 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newT, path);
}

function validateOnlyDeletedSchedulingGates(newG: unknown, oldG: unknown, path: FieldPath): Errs {
  const news = objs(newG);
  if (news.length === 0) return [];
  const oldNames = new Set(objs(oldG).map((g) => str(g.name)));
  const errs: Errs = [];
  const added = new Map<string, number>();
  news.forEach((g, i) => added.set(str(g.name), i));
  for (const [name, i] of added) {
    if (!oldNames.has(name)) errs.push(fieldErr.forbidden(String(path.index(i).child('name')), `only deletion is allowed, but found new scheduling gate '${name}'`));
  }
  return errs;
}

const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** ValidatePodStatusUpdate (spec and metadata were restored from the stored pod already). */
export function validatePodStatusUpdate(newPod: KObject, oldPod: KObject): FieldError[] {
  const errs: Errs = [];
  const st = obj(newPod.status);
  const oldSt = obj(oldPod.status);
  objs(st.conditions).forEach((c, i) => {
    const t = str(c.type);
    if (SYSTEM_CONDITIONS.has(t)) return;
    for (const m of isQualifiedName(t)) errs.push(fieldErr.invalid(String(FieldPath.root('metadata').child('conditions').index(i).child('Type')), t, m));
  });
  const sp = FieldPath.root('status');
  const nominated = str(st.nominatedNodeName);
  if (nominated && nominated !== str(oldSt.nominatedNodeName)) {
    for (const m of isDNS1123Subdomain(nominated)) errs.push(fieldErr.invalid(String(sp.child('nominatedNodeName')), nominated, m));
  }
  if (str(st.qosClass) !== str(oldSt.qosClass)) errs.push(fieldErr.invalid(String(sp.child('qosClass')), str(st.qosClass), 'field is immutable'));
  const spec = obj(oldPod.spec);
  const restartPolicy = str(spec.restartPolicy);
  errs.push(...stateTransitions(st.containerStatuses, oldSt.containerStatuses, sp.child('containerStatuses'), restartPolicy, () => false));
  const sidecars = new Set(objs(spec.initContainers).filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  errs.push(...stateTransitions(st.initContainerStatuses, oldSt.initContainerStatuses, sp.child('initContainerStatuses'), restartPolicy, (n) => sidecars.has(n)));
  errs.push(...stateTransitions(st.ephemeralContainerStatuses, oldSt.ephemeralContainerStatuses, sp.child('ephemeralContainerStatuses'), 'Never', () => false));
  errs.push(...validateIPs(objs(st.podIPs), sp.child('podIPs'), false));
  const hostIPs = objs(st.hostIPs);
  if (hostIPs.length > 0) {
    if (str(st.hostIP) !== str(hostIPs[0].ip)) errs.push(fieldErr.invalid(String(sp.child('hostIPs').index(0).child('ip')), str(hostIPs[0].ip), 'must be equal to `hostIP`'));
    errs.push(...validateIPs(hostIPs, sp.child('hostIPs'), true));
  }
  return errs;
}

function stateTransitions(newS: unknown, oldS: unknown, path: FieldPath, restartPolicy: string, restartable: (name: string) => boolean): Errs {
  if (restartPolicy === 'Always') return [];
  const errs: Errs = [];
  const news = objs(newS);
  objs(oldS).forEach((o, i) => {
    const term = obj(o.state).terminated;
    if (!isObject(term)) return;
    if (num(term.exitCode) !== 0 && restartPolicy === 'OnFailure') return;
    if (restartable(str(o.name))) return;
    for (const n of news) {
      if (str(n.name) === str(o.name) && !isObject(obj(n.state).terminated)) {
        errs.push(fieldErr.forbidden(String(path.index(i).child('state')), 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}

function validateIPs(ips: JsonObject[], path: FieldPath, dupFirst: boolean): Errs {
  const errs: Errs = [];
  if (!dupFirst) ips.forEach((ip, i) => errs.push(...isValidIP(str(ip.ip)).map((m) => fieldErr.invalid(String(path.index(i)), str(ip.ip), m))));
  if (ips.length > 1) {
    const seen = new Set<string>();
    const dups: Errs = [];
    ips.forEach((ip, i) => {
      if (seen.has(str(ip.ip))) dups.push(fieldErr.duplicate(String(path.index(i)), ip));
      seen.add(str(ip.ip));
    });
    if (dupFirst) errs.push(...dups);
    const v4 = ips.filter((ip) => isIPv4(str(ip.ip))).length;
    const v6 = ips.filter((ip) => isIPv6(str(ip.ip))).length;
    if (!(v4 === 1 && v6 === 1) || ips.length > 2) errs.push(fieldErr.invalid(String(path), ips, 'may specify no more than one IP for each IP family'));
    if (!dupFirst) errs.push(...dups);
  }
  if (dupFirst) ips.forEach((ip, i) => errs.push(...isValidIP(str(ip.ip)).map((m) => fieldErr.invalid(String(path.index(i)), str(ip.ip), m))));
  return errs;
}
