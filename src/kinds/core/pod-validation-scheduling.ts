// Scheduling-related PodSpec validation (tolerations, affinity, topology spread, DNS config,
// host aliases, readiness/scheduling gates, pod security context), restating the matching
// functions of pkg/apis/core/validation/validation.go. Also shared by Node (taint effects).

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidLabelValue } from '../../api/validation/names.js';
import { validateLabelName, validateLabelSelector } from '../../api/validation/object-meta.js';
import { arr, isObject, num, obj, objs, str } from './json-shape.js';
import { isValidID } from './value-checks.js';

type Errs = FieldError[];

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: FieldPath): Errs {
  if (!allowEmpty && effect.length === 0) return [fieldErr.required(String(path))];
  if (TAINT_EFFECTS.includes(effect)) return [];
  return [fieldErr.notSupported(String(path), effect, TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  objs(tolerations).forEach((t, i) => {
    const p = path.index(i);
    const key = str(t.key);
    const op = str(t.operator);
    const value = str(t.value);
    const effect = str(t.effect);
    if (key.length > 0) errs.push(...validateLabelName(key, p.child('key')));
    if (key.length === 0 && op !== 'Exists') {
      errs.push(fieldErr.invalid(String(p.child('operator')), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(fieldErr.invalid(String(p.child('effect')), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length) errs.push(fieldErr.invalid(String(p.child('operator')), value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value.length > 0) errs.push(fieldErr.invalid(String(p.child('operator')), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(fieldErr.notSupported(String(p.child('operator')), op, ['Equal', 'Exists']));
    }
    if (effect.length > 0) errs.push(...validateTaintEffect(effect, true, p.child('effect')));
  });
  return errs;
}

export function validateNodeSelectorRequirement(rq: JsonObject, allowInvalidValues: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  const values = arr(rq.values);
  const op = str(rq.operator);
  switch (op) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErr.required(String(path.child('values')), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldErr.forbidden(String(path.child('values')), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(fieldErr.required(String(path.child('values')), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(fieldErr.invalid(String(path.child('operator')), op, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(rq.key), path.child('key')));
  if (!allowInvalidValues) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(str(v))) errs.push(fieldErr.invalid(String(path.child('values').index(i)), v, m));
    });
  }
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: JsonObject, path: FieldPath): Errs {
  const errs: Errs = [];
  const op = str(rq.operator);
  const values = arr(rq.values);
  if (op === 'In' || op === 'NotIn') {
    if (values.length !== 1) {
      errs.push(fieldErr.required(String(path.child('values')), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    }
  } else {
    errs.push(fieldErr.invalid(String(path.child('operator')), op, 'not a valid selector operator'));
  }
  if (str(rq.key) !== 'metadata.name') {
    errs.push(fieldErr.invalid(String(path.child('key')), str(rq.key), 'not a valid field selector key'));
  } else {
    values.forEach((v, i) => {
      for (const m of isDNS1123Subdomain(str(v))) errs.push(fieldErr.invalid(String(path.child('values').index(i)), v, m));
    });
  }
  return errs;
}

export function validateNodeSelectorTerm(term: JsonObject, allowInvalidValues: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  objs(term.matchExpressions).forEach((rq, j) => errs.push(...validateNodeSelectorRequirement(rq, allowInvalidValues, path.child('matchExpressions').index(j))));
  objs(term.matchFields).forEach((rq, j) => errs.push(...validateNodeFieldSelectorRequirement(rq, path.child('matchFields').index(j))));
  return errs;
}

export function validateNodeSelector(sel: JsonObject, allowInvalidValues: boolean, path: FieldPath): Errs {
  const terms = objs(sel.nodeSelectorTerms);
  const termPath = path.child('nodeSelectorTerms');
  if (terms.length === 0) return [fieldErr.required(String(termPath), 'must have at least one node selector term')];
  const errs: Errs = [];
  terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, allowInvalidValues, termPath.index(i))));
  return errs;
}

function validatePodAffinityTerm(term: JsonObject, path: FieldPath): Errs {
  const errs: Errs = [];
  if (term.labelSelector !== undefined && term.labelSelector !== null) errs.push(...validateLabelSelector(obj(term.labelSelector), path.child('labelSelector')));
  if (term.namespaceSelector !== undefined && term.namespaceSelector !== null) {
    errs.push(...validateLabelSelector(obj(term.namespaceSelector), path.child('namespaceSelector')));
  }
  for (const ns of arr(term.namespaces)) {
    for (const m of isDNS1123Label(str(ns))) errs.push(fieldErr.invalid(String(path.child('namespace')), ns, m));
  }
  const hasSelector = isObject(term.labelSelector);
  for (const which of ['matchLabelKeys', 'mismatchLabelKeys'] as const) {
    const keys = arr(term[which]);
    if (keys.length === 0) continue;
    if (!hasSelector) {
      errs.push(fieldErr.forbidden(String(path.child(which)), 'must not be specified when labelSelector is not set'));
      continue;
    }
    keys.forEach((k, i) => errs.push(...validateLabelName(str(k), path.child(which).index(i))));
  }
  const topologyKey = str(term.topologyKey);
  if (topologyKey.length === 0) errs.push(fieldErr.required(String(path.child('topologyKey')), 'can not be empty'));
  errs.push(...validateLabelName(topologyKey, path.child('topologyKey')));
  return errs;
}

function validatePodAffinityLike(a: JsonObject, path: FieldPath): Errs {
  const errs: Errs = [];
  const req = 'requiredDuringSchedulingIgnoredDuringExecution';
  const pref = 'preferredDuringSchedulingIgnoredDuringExecution';
  objs(a[req]).forEach((t, i) => errs.push(...validatePodAffinityTerm(t, path.child(req).index(i))));
  objs(a[pref]).forEach((w, j) => {
    const weight = num(w.weight);
    if (weight <= 0 || weight > 100) errs.push(fieldErr.invalid(String(path.child(pref).index(j).child('weight')), weight, 'must be in the range 1-100'));
    errs.push(...validatePodAffinityTerm(obj(w.podAffinityTerm), path.child(pref).index(j).child('podAffinityTerm')));
  });
  return errs;
}

export function validateAffinity(aff: unknown, path: FieldPath): Errs {
  if (!isObject(aff)) return [];
  const errs: Errs = [];
  if (isObject(aff.nodeAffinity)) {
    const na = aff.nodeAffinity;
    const np = path.child('nodeAffinity');
    if (isObject(na.requiredDuringSchedulingIgnoredDuringExecution)) {
      errs.push(...validateNodeSelector(na.requiredDuringSchedulingIgnoredDuringExecution, false, np.child('requiredDuringSchedulingIgnoredDuringExecution')));
    }
    const pref = 'preferredDuringSchedulingIgnoredDuringExecution';
    objs(na[pref]).forEach((t, i) => {
      const weight = num(t.weight);
      if (weight <= 0 || weight > 100) errs.push(fieldErr.invalid(String(np.child(pref).index(i).child('weight')), weight, 'must be in the range 1-100'));
      // Preferred terms tolerate invalid label values (they can still match on a single node).
      errs.push(...validateNodeSelectorTerm(obj(t.preference), true, np.child(pref).index(i).child('preference')));
    });
  }
  if (isObject(aff.podAffinity)) errs.push(...validatePodAffinityLike(aff.podAffinity, path.child('podAffinity')));
  if (isObject(aff.podAntiAffinity)) errs.push(...validatePodAffinityLike(aff.podAntiAffinity, path.child('podAntiAffinity')));
  return errs;
}

export function validateTopologySpreadConstraints(list: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  const cs = objs(list);
  cs.forEach((c, i) => {
    const p = path.index(i);
    const maxSkew = num(c.maxSkew);
    if (maxSkew <= 0) errs.push(fieldErr.invalid(String(p.child('maxSkew')), maxSkew, 'must be greater than zero'));
    const key = str(c.topologyKey);
    if (!key) errs.push(fieldErr.required(String(p.child('topologyKey')), 'can not be empty'));
    const action = str(c.whenUnsatisfiable);
    if (action !== 'DoNotSchedule' && action !== 'ScheduleAnyway') {
      errs.push(fieldErr.notSupported(String(p.child('whenUnsatisfiable')), action, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    for (const other of cs.slice(i + 1)) {
      if (str(other.topologyKey) === key && str(other.whenUnsatisfiable) === action) {
        errs.push(fieldErr.duplicate(String(p.child('{topologyKey, whenUnsatisfiable}')), `{${key}, ${action}}`));
        break;
      }
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      const md = num(c.minDomains);
      if (md <= 0) errs.push(fieldErr.invalid(String(p.child('minDomains')), md, 'must be greater than zero'));
      if (action !== 'DoNotSchedule') {
        errs.push(fieldErr.invalid(String(p.child('minDomains')), md, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
      }
    }
    for (const pol of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      if (c[pol] !== undefined && c[pol] !== null && c[pol] !== 'Ignore' && c[pol] !== 'Honor') {
        errs.push(fieldErr.notSupported(String(p.child(pol)), c[pol], ['Honor', 'Ignore']));
      }
    }
    if (c.labelSelector !== undefined && c.labelSelector !== null) errs.push(...validateLabelSelector(obj(c.labelSelector), p.child('labelSelector')));
  });
  return errs;
}

export function validateDNSPolicy(policy: string, path: FieldPath): Errs {
  const valid = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (valid.includes(policy)) return [];
  if (policy === '') return [fieldErr.required(String(path))];
  return [fieldErr.notSupported(String(path), policy, valid)];
}

export function validatePodDNSConfig(cfg: unknown, dnsPolicy: string, path: FieldPath): Errs {
  const errs: Errs = [];
  if (dnsPolicy === 'None') {
    if (!isObject(cfg)) return [fieldErr.required(String(path), 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0) {
      return [fieldErr.required(String(path.child('nameservers')), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!isObject(cfg)) return errs;
  const ns = arr(cfg.nameservers);
  if (ns.length > 3) errs.push(fieldErr.invalid(String(path.child('nameservers')), ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => {
    for (const m of isValidIP(str(n))) errs.push(fieldErr.invalid(String(path.child('nameservers').index(i)), n, m));
  });
  const searches = arr(cfg.searches).map(str);
  if (searches.length > 32) errs.push(fieldErr.invalid(String(path.child('searches')), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(fieldErr.invalid(String(path.child('searches')), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
    for (const m of isDNS1123Subdomain(trimmed)) errs.push(fieldErr.invalid(String(path.child('searches').index(i)), trimmed, m));
  });
  objs(cfg.options).forEach((o, i) => {
    if (!str(o.name)) errs.push(fieldErr.required(String(path.child('options').index(i)), 'must not be empty'));
  });
  return errs;
}

export function validateHostAliases(aliases: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  objs(aliases).forEach((a, i) => {
    for (const m of isValidIP(str(a.ip))) errs.push(fieldErr.invalid(String(path.index(i).child('ip')), str(a.ip), m));
    arr(a.hostnames).forEach((h, j) => {
      for (const m of isDNS1123Subdomain(str(h))) errs.push(fieldErr.invalid(String(path.index(i).child('hostnames').index(j)), h, m));
    });
  });
  return errs;
}

export function validateReadinessGates(gates: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  objs(gates).forEach((g, i) => {
    const t = str(g.conditionType);
    for (const m of isQualifiedName(t)) errs.push(fieldErr.invalid(String(path.index(i).child('conditionType')), t, m));
  });
  return errs;
}

export function validateSchedulingGates(gates: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  objs(gates).forEach((g, i) => {
    const name = str(g.name);
    for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(String(path.index(i)), name, m));
    if (seen.has(name)) errs.push(fieldErr.duplicate(String(path.index(i)), name));
    seen.add(name);
  });
  return errs;
}

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

export function validateSeccompProfile(sp: unknown, path: FieldPath): Errs {
  if (!isObject(sp)) return [];
  const errs: Errs = [];
  const t = str(sp.type);
  if (t === '') errs.push(fieldErr.required(String(path.child('type')), 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(t)) errs.push(fieldErr.notSupported(String(path.child('type')), t, SECCOMP_TYPES));
  if (t === 'Localhost') {
    if (sp.localhostProfile === undefined || sp.localhostProfile === null) {
      errs.push(fieldErr.required(String(path.child('localhostProfile')), 'must be set when seccomp type is Localhost'));
    }
  } else if (sp.localhostProfile !== undefined && sp.localhostProfile !== null) {
    errs.push(fieldErr.invalid(String(path.child('localhostProfile')), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

export function validatePodSecurityContext(sc: unknown, path: FieldPath): Errs {
  if (!isObject(sc)) return [];
  const errs: Errs = [];
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup']) {
    if (typeof sc[f] === 'number') for (const m of isValidID(sc[f])) errs.push(fieldErr.invalid(String(path.child(f)), sc[f], m));
  }
  arr(sc.supplementalGroups).forEach((g, i) => {
    for (const m of isValidID(num(g))) errs.push(fieldErr.invalid(String(path.child('supplementalGroups').index(i)), g, m));
  });
  if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== null && sc.fsGroupChangePolicy !== 'OnRootMismatch' && sc.fsGroupChangePolicy !== 'Always') {
    errs.push(fieldErr.notSupported(String(path.child('fsGroupChangePolicy')), sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  const seen = new Set<string>();
  objs(sc.sysctls).forEach((s, i) => {
    const name = str(s.name);
    const p = path.child('sysctls').index(i).child('name');
    if (!name) errs.push(fieldErr.required(String(p)));
    else if (name.length > 253 || !/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(name)) {
      errs.push(fieldErr.invalid(String(p), name, 'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$'));
    } else if (seen.has(name)) errs.push(fieldErr.duplicate(String(p), name));
    seen.add(name);
  });
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  return errs;
}

/** Container securityContext (ValidateSecurityContext): the checks a user can trip without a node. */
export function validateContainerSecurityContext(sc: unknown, path: FieldPath): Errs {
  if (!isObject(sc)) return [];
  const errs: Errs = [];
  if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
    errs.push(fieldErr.invalid(String(path), sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  if (isObject(sc.capabilities) && arr(sc.capabilities.add).includes('CAP_SYS_ADMIN') && sc.allowPrivilegeEscalation === false) {
    errs.push(fieldErr.invalid(String(path), sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  for (const f of ['runAsUser', 'runAsGroup']) {
    if (typeof sc[f] === 'number') for (const m of isValidID(sc[f])) errs.push(fieldErr.invalid(String(path.child(f)), sc[f], m));
  }
  if (sc.procMount !== undefined && sc.procMount !== null && sc.procMount !== 'Default' && sc.procMount !== 'Unmasked') {
    errs.push(fieldErr.notSupported(String(path.child('procMount')), sc.procMount, ['Default', 'Unmasked']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  return errs;
}

