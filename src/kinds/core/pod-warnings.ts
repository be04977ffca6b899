// Non-fatal pod(-template) warnings, restating pkg/api/pod/warnings.go. They come back to the
// client as `Warning: 299` headers (kubectl prints "Warning: <text>"). For a Pod the paths start
// at `spec`; for a template they start at the template's path (e.g. `spec.template.spec...`).

import { FieldPath } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { parseQuantity } from '../../api/quantity.js';
import { isObject, num, obj, objs, str } from './json-shape.js';

const DEPRECATED_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

const DEPRECATED_ANNOTATIONS: [string, string][] = [
  ['scheduler.alpha.kubernetes.io/critical-pod', 'non-functional in v1.16+; use the "priorityClassName" field instead'],
  ['security.alpha.kubernetes.io/sysctls', 'non-functional in v1.11+; use the "sysctls" field instead'],
  ['security.alpha.kubernetes.io/unsafe-sysctls', 'non-functional in v1.11+; use the "sysctls" field instead'],
];

const DEPRECATED_VOLUMES: [string, string, string][] = [
  ['photonPersistentDisk', 'photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  ['gitRepo', 'gitRepo', 'deprecated in v1.11'],
  ['scaleIO', 'scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['flocker', 'flocker', 'deprecated in v1.22, non-functional in v1.25+'],
  ['storageos', 'storageOS', 'deprecated in v1.22, non-functional in v1.25+'],
  ['quobyte', 'quobyte', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
  ['cephfs', 'cephfs', 'deprecated in v1.28, non-functional in v1.31+'],
  ['rbd', 'rbd', 'deprecated in v1.28, non-functional in v1.31+'],
];

/** Warnings for a Pod (`base` undefined) or a pod template at `base` (e.g. `spec.template`). */
export function podSpecWarnings(spec: JsonObject, meta: JsonObject, base?: FieldPath): string[] {
  const w: string[] = [];
  const specPath = base ? base.child('spec') : FieldPath.root('spec');
  const metaPath = base ? base.child('metadata') : FieldPath.root('metadata');
  const annotations = obj(meta.annotations);

  for (const k of Object.keys(obj(spec.nodeSelector))) {
    const msg = DEPRECATED_NODE_LABELS[k];
    if (msg) w.push(`${specPath.child('nodeSelector').key(k)}: ${msg}`);
  }
  const na = isObject(spec.affinity) && isObject(spec.affinity.nodeAffinity) ? spec.affinity.nodeAffinity : undefined;
  if (na) {
    const termPath = specPath.child('affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
    objs(obj(na.requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms).forEach((t, i) => w.push(...termWarnings(t, termPath.index(i))));
    const prefPath = specPath.child('affinity', 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution');
    objs(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => w.push(...termWarnings(obj(t.preference), prefPath.index(i).child('preference'))));
  }
  objs(spec.topologySpreadConstraints).forEach((t, i) => {
    const p = specPath.child('topologySpreadConstraints').index(i);
    const msg = DEPRECATED_NODE_LABELS[str(t.topologyKey)];
    if (msg) w.push(`${p.child('topologyKey')}: ${str(t.topologyKey)} is ${msg}`);
    if (!isObject(t.labelSelector)) w.push(`${p.child('labelSelector')}: a null labelSelector results in matching no pod`);
  });
  for (const [key, msg] of DEPRECATED_ANNOTATIONS) {
    if (annotations[key] !== undefined) w.push(`${metaPath.child('annotations').key(key)}: ${msg}`);
  }
  objs(spec.volumes).forEach((v, i) => {
    for (const [field, shown, msg] of DEPRECATED_VOLUMES) {
      if (v[field] !== undefined && v[field] !== null) w.push(`${specPath.child('volumes').index(i).child(shown)}: ${msg}`);
    }
  });
  if (objs(spec.hostAliases).length > 1) {
    const seen = new Set<string>();
    objs(spec.hostAliases).forEach((a, i) => {
      const ip = str(a.ip);
      if (seen.has(ip)) w.push(`${specPath.child('hostAliases').index(i).child('ip')}: duplicate ip ${JSON.stringify(ip)}`);
      else seen.add(ip);
    });
  }
  const pullSecrets = objs(spec.imagePullSecrets);
  if (pullSecrets.length > 1) {
    const seen = new Set<string>();
    pullSecrets.forEach((s, i) => {
      const name = str(s.name);
      if (seen.has(name)) w.push(`${specPath.child('imagePullSecrets').index(i).child('name')}: duplicate name ${JSON.stringify(name)}`);
      else seen.add(name);
    });
  }
  pullSecrets.forEach((s, i) => {
    if (!str(s.name)) w.push(`${specPath.child('imagePullSecrets').index(i).child('name')}: invalid empty name ""`);
  });
  for (const r of ['memory', 'ephemeral-storage']) {
    const f = fractional(obj(spec.overhead)[r]);
    if (f) w.push(`${specPath.child('overhead').key(r)}: fractional byte value ${JSON.stringify(f)} is invalid, must be an integer`);
  }
  const sc = obj(spec.securityContext);
  if (!isObject(sc.seccompProfile) && annotations['seccomp.security.alpha.kubernetes.io/pod'] !== undefined) {
    w.push(`${metaPath.child('annotations').key('seccomp.security.alpha.kubernetes.io/pod')}: non-functional in v1.27+; use the "seccompProfile" field instead`);
  }

  const containers: [JsonObject, FieldPath][] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    objs(spec[list]).forEach((c, i) => containers.push([c, specPath.child(list).index(i)]));
  }
  for (const [c, p] of containers) {
    const csc = obj(c.securityContext);
    const seccompKey = `container.seccomp.security.alpha.kubernetes.io/${str(c.name)}`;
    if (!isObject(csc.seccompProfile) && annotations[seccompKey] !== undefined) {
      w.push(`${metaPath.child('annotations').key(seccompKey)}: non-functional in v1.27+; use the "seccompProfile" field instead`);
    }
    const appArmorKey = `container.apparmor.security.beta.kubernetes.io/${str(c.name)}`;
    if (base && !isObject(sc.appArmorProfile) && !isObject(csc.appArmorProfile) && annotations[appArmorKey] !== undefined) {
      w.push(`${metaPath.child('annotations').key(appArmorKey)}: deprecated since v1.30; use the "appArmorProfile" field instead`);
    }
    const res = obj(c.resources);
    for (const [kind, r] of [['limits', 'memory'], ['requests', 'memory'], ['limits', 'ephemeral-storage'], ['requests', 'ephemeral-storage']]) {
      const f = fractional(obj(res[kind])[r]);
      if (f) w.push(`${p.child('resources', kind).key(r)}: fractional byte value ${JSON.stringify(f)} is invalid, must be an integer`);
    }
    const env = objs(c.env);
    if (env.length > 1) {
      const seen = new Set<string>();
      env.forEach((e, i) => {
        const name = str(e.name);
        if (!seen.has(name)) {
          seen.add(name);
          return;
        }
        const ref = `$(${name})`;
        const value = str(e.value);
        if (isObject(e.valueFrom) || value === ref || !value.includes(ref)) {
          w.push(`${p.child('env').index(i)}: hides previous definition of ${JSON.stringify(name)}, which may be dropped when using apply`);
        }
      });
    }
  }

  const allPorts = new Map<string, { path: string; hostIP: string; hostPort: number }[]>();
  for (const [c, p] of containers) {
    objs(c.ports).forEach((port, i) => {
      const pp = String(p.child('ports').index(i));
      const hostIP = str(port.hostIP);
      const hostPort = num(port.hostPort);
      if (hostIP && hostPort === 0) w.push(`${pp}: hostIP set without hostPort: ${goPortString(port)}`);
      const k = `${num(port.containerPort)}/${str(port.protocol)}`;
      const others = allPorts.get(k);
      if (!others) {
        allPorts.set(k, [{ path: pp, hostIP, hostPort }]);
        return;
      }
      for (const o of others) {
        if (hostIP === o.hostIP && hostPort === o.hostPort) w.push(`${pp}: duplicate port definition with ${o.path}`);
        else if (hostPort === 0 || o.hostPort === 0) w.push(`${pp}: overlapping port definition with ${o.path}`);
        else if (hostPort === o.hostPort && (hostIP === '') !== (o.hostIP === '')) w.push(`${pp}: dangerously ambiguous port definition with ${o.path}`);
      }
      others.push({ path: pp, hostIP, hostPort });
    });
  }

  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    w.push(`${specPath.child('terminationGracePeriodSeconds')}: must be >= 0; negative values are invalid and will be treated as 1`);
  }
  const aff = obj(spec.affinity);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    if (!isObject(aff[kind])) continue;
    const reqPath = specPath.child('affinity', kind, 'requiredDuringSchedulingIgnoredDuringExecution');
    objs(aff[kind].requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      if (!isObject(t.labelSelector)) w.push(`${reqPath.index(i).child('labelSelector')}: a null labelSelector results in matching no pod`);
    });
    const prefPath = specPath.child('affinity', kind, 'preferredDuringSchedulingIgnoredDuringExecution');
    objs(aff[kind].preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      if (!isObject(obj(t.podAffinityTerm).labelSelector)) {
        w.push(`${prefPath.index(i).child('podAffinityTerm', 'labelSelector')}: a null labelSelector results in matching no pod`);
      }
    });
  }
  return w;
}

/** Warnings for a PodTemplateSpec at `path` (e.g. `spec.template`), for workload kinds. */
export function podTemplateWarnings(tpl: JsonObject, path: FieldPath): string[] {
  if (!isObject(tpl)) return [];
  return podSpecWarnings(obj(tpl.spec), obj(tpl.metadata), path);
}

function termWarnings(term: JsonObject, p: FieldPath): string[] {
  const w: string[] = [];
  objs(term.matchExpressions).forEach((e, i) => {
    const msg = DEPRECATED_NODE_LABELS[str(e.key)];
    if (msg) w.push(`${p.child('matchExpressions').index(i).child('key')}: ${str(e.key)} is ${msg}`);
  });
  return w;
}

/** The canonical value when a byte quantity has a fractional part (e.g. "1m"), else undefined. */
function fractional(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const q = parseQuantity(String(v));
    return q.milliValue() % 1000 !== 0 ? q.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Go's `%+v` of a core.ContainerPort. */
function goPortString(p: JsonObject): string {
  return `{Name:${str(p.name)} HostPort:${num(p.hostPort)} ContainerPort:${num(p.containerPort)} Protocol:${str(p.protocol)} HostIP:${str(p.hostIP)}}`;
}
