// A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables):
// envFrom sources first, then env in order; valueFrom reads the pod's own fields (downward API),
// its resources, ConfigMaps and Secrets; `$(VAR)` references to variables defined earlier expand
// (`$$` escapes), unknown ones stay as written. command and args expand the same way.
// A missing source fails the container with CreateContainerConfigError and upstream's words.

import type { JsonObject, KObject } from '../api/types.js';
import { parseQuantity } from '../api/quantity.js';
import type { KeyValue } from './runtime/runtime.js';

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<KObject | undefined>;
  secret(namespace: string, name: string): Promise<KObject | undefined>;
}

export interface PodFacts {
  pod: KObject;
  podIP?: string;
  hostIP: string;
}

export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Expands $(VAR) with `vars`; $$ is a literal $; unknown references are kept as written. */
export function expandVars(s: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '$' || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = s.indexOf(')', i + 2);
      if (end < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, end);
      out += vars.has(name) ? vars.get(name)! : s.slice(i, end + 1);
      i = end;
    } else out += ch;
  }
  return out;
}

/** The value of a downward-API field path (env fieldRef, downwardAPI volume items). */
export function podFieldValue(f: PodFacts, path: string): string {
  const m = f.pod.metadata;
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return String(((label[1] === 'labels' ? m.labels : m.annotations) ?? {})[label[2]] ?? '');
  switch (path) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? 'default';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return formatMap(m.labels);
    case 'metadata.annotations':
      return formatMap(m.annotations);
    case 'spec.nodeName':
      return String(f.pod.spec?.nodeName ?? '');
    case 'spec.serviceAccountName':
      return String(f.pod.spec?.serviceAccountName ?? '');
    case 'status.hostIP':
    case 'status.hostIPs':
      return f.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return f.podIP ?? '';
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** resourceFieldRef: a container's request or limit in units of the divisor, rounded up. */
export function resourceFieldValue(container: JsonObject, ref: JsonObject): string {
  const resource = String(ref.resource ?? '');
  const [kind, name] = resource.split('.');
  const res = (container.resources ?? {}) as JsonObject;
  const raw = ((res[kind] ?? {}) as JsonObject)[name] ?? (kind === 'requests' ? ((res.limits ?? {}) as JsonObject)[name] : undefined);
  const divisor = ref.divisor !== undefined ? parseQuantity(String(ref.divisor)).value() : name === 'cpu' ? 1 : 1;
  if (raw === undefined) return '0';
  const v = parseQuantity(String(raw)).value();
  return String(Math.ceil(v / (divisor || 1)));
}

function decodeSecretValue(s: KObject, key: string): string | undefined {
  const d = (s.data as Record<string, string> | undefined)?.[key];
  if (d !== undefined) return Buffer.from(d, 'base64').toString('utf8');
  return (s.stringData as Record<string, string> | undefined)?.[key];
}

export async function containerEnvironment(c: JsonObject, f: PodFacts, src: EnvSources): Promise<{ env: KeyValue[]; command: string[]; args: string[] }> {
  const ns = f.pod.metadata.namespace ?? 'default';
  const vars = new Map<string, string>();
  for (const from of Array.isArray(c.envFrom) ? (c.envFrom as JsonObject[]) : []) {
    const prefix = typeof from.prefix === 'string' ? from.prefix : '';
    if (from.configMapRef) {
      const ref = from.configMapRef as JsonObject;
      const cm = await src.configMap(ns, String(ref.name));
      if (!cm) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`configmap "${ref.name}" not found`);
      }
      for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) vars.set(prefix + k, v);
    } else if (from.secretRef) {
      const ref = from.secretRef as JsonObject;
      const s = await src.secret(ns, String(ref.name));
      if (!s) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`secret "${ref.name}" not found`);
      }
      for (const k of Object.keys((s.data ?? {}) as object)) vars.set(prefix + k, decodeSecretValue(s, k) ?? '');
    }
  }
  for (const e of Array.isArray(c.env) ? (c.env as JsonObject[]) : []) {
    if (typeof e.name !== 'string') continue;
    const vf = e.valueFrom as JsonObject | undefined;
    if (!vf) {
      vars.set(e.name, expandVars(typeof e.value === 'string' ? e.value : '', vars));
      continue;
    }
    if (vf.fieldRef) vars.set(e.name, podFieldValue(f, String((vf.fieldRef as JsonObject).fieldPath)));
    else if (vf.resourceFieldRef) vars.set(e.name, resourceFieldValue(c, vf.resourceFieldRef as JsonObject));
    else if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef as JsonObject;
      const cm = await src.configMap(ns, String(ref.name));
      const v = (cm?.data as Record<string, string> | undefined)?.[String(ref.key)];
      if (v === undefined) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`);
      }
      vars.set(e.name, v);
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef as JsonObject;
      const s = await src.secret(ns, String(ref.name));
      const v = s ? decodeSecretValue(s, String(ref.key)) : undefined;
      if (v === undefined) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(s ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`);
      }
      vars.set(e.name, v);
    }
  }
  const str = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return {
    env: [...vars].map(([name, value]) => ({ name, value })),
    command: str(c.command).map((a) => expandVars(a, vars)),
    args: str(c.args).map((a) => expandVars(a, vars)),
  };
}
