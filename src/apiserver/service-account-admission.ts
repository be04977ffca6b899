// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount, v1.32), for pod
// creates: the pod runs as `default` unless it names an account; the account must exist (403
// Forbidden otherwise, as upstream words it); a pod without imagePullSecrets gets the account's;
// an account annotated kubernetes.io/enforce-mountable-secrets=true limits the secrets the pod
// may reference to the account's; mirror pods may reference neither accounts nor secrets.
// k8ts issues no service account tokens, so unlike upstream no `kube-api-access-*` projected
// token volume is added (automountServiceAccountToken is left as given).
// Pure functions over the raw (not yet defaulted) request body; the API server does the lookup.

import { ApiError } from '../api/errors.js';
import type { JsonObject, KObject } from '../api/types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

const isObj = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);
const objs = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function isMirrorPod(pod: KObject): boolean {
  return isObj(pod.metadata?.annotations) && pod.metadata.annotations[MIRROR_POD_ANNOTATION] !== undefined;
}

/**
 * The account the pod names, as the internal object has it after v1 conversion:
 * spec.serviceAccountName, else the deprecated spec.serviceAccount; "" when neither is set.
 */
export function namedServiceAccount(pod: KObject): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  return str(spec.serviceAccountName) || str(spec.serviceAccount);
}

/** The account the pod runs as once admitted: the one it names, else `default`. */
export function podServiceAccountName(pod: KObject): string {
  return namedServiceAccount(pod) || DEFAULT_SERVICE_ACCOUNT;
}

/** The name admission errors use for the pod: its name, else its generateName, else "Unknown". */
export function admissionObjectName(obj: KObject): string {
  return str(obj.metadata?.name) || str(obj.metadata?.generateName) || 'Unknown';
}

/** admission.NewForbidden for a pod: `pods "<name>" is forbidden: <message>`. */
export function forbiddenPod(pod: KObject, message: string): ApiError {
  const name = admissionObjectName(pod);
  return new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: ${message}`, { name, kind: 'pods' });
}

/** The lookup failure upstream reports for an account that does not exist. */
export function serviceAccountNotFoundMessage(namespace: string, name: string): string {
  return `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`;
}

/** strconv.ParseBool: undefined for anything it rejects. */
function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export function enforcesMountableSecrets(sa: KObject): boolean {
  const v = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  return typeof v === 'string' && parseGoBool(v) === true;
}

/**
 * Every Secret a pod spec references (podutil.VisitPodSecretNames): pull secrets, env and envFrom
 * of every container list, and the secret refs of volumes.
 */
export function podSecretNames(spec: JsonObject): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v) out.push(v);
  };
  for (const s of objs(spec.imagePullSecrets)) add(s.name);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of objs(spec[list])) {
      for (const e of objs(c.envFrom)) if (isObj(e.secretRef)) add(e.secretRef.name);
      for (const e of objs(c.env)) if (isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) add(e.valueFrom.secretKeyRef.name);
    }
  }
  for (const v of objs(spec.volumes)) {
    if (isObj(v.secret)) add(v.secret.secretName);
    if (isObj(v.projected)) for (const s of objs(v.projected.sources)) if (isObj(s.secret)) add(s.secret.name);
    if (isObj(v.azureFile)) add(v.azureFile.secretName);
    for (const k of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'iscsi', 'scaleIO', 'storageos']) {
      if (isObj(v[k]) && isObj(v[k].secretRef)) add(v[k].secretRef.name);
    }
    if (isObj(v.csi) && isObj(v.csi.nodePublishSecretRef)) add(v.csi.nodePublishSecretRef.name);
  }
  return out;
}

/** The mirror-pod rule (Validate): why a mirror pod may not be created, or undefined. */
export function mirrorPodViolation(pod: KObject): string | undefined {
  const spec = isObj(pod.spec) ? pod.spec : {};
  if (namedServiceAccount(pod)) return 'a mirror pod may not reference service accounts';
  if (podSecretNames(spec).length > 0) return 'a mirror pod may not reference secrets';
  for (const v of objs(spec.volumes)) {
    if (isObj(v.projected) && objs(v.projected.sources).some((s) => isObj(s.serviceAccountToken))) {
      return 'a mirror pod may not use ServiceAccountToken volume projections';
    }
  }
  return undefined;
}

/**
 * limitSecretReferences: with an account that enforces mountable secrets, why the pod may not be
 * created (a secret volume, env or envFrom outside the account's `secrets`, or a pull secret
 * outside its `imagePullSecrets`), or undefined.
 */
export function secretReferenceViolation(sa: KObject, pod: KObject): string | undefined {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const saName = sa.metadata?.name ?? '';
  const mountable = new Set(objs(sa.secrets).map((s) => str(s.name)));
  for (const v of objs(spec.volumes)) {
    if (!isObj(v.secret)) continue;
    const name = str(v.secret.secretName);
    if (!mountable.has(name)) return `volume with secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
  }
  for (const [list, what] of [['initContainers', 'init container'], ['containers', 'container']] as const) {
    for (const c of objs(spec[list])) {
      for (const e of objs(c.env)) {
        if (!isObj(e.valueFrom) || !isObj(e.valueFrom.secretKeyRef)) continue;
        const name = str(e.valueFrom.secretKeyRef.name);
        if (!mountable.has(name)) {
          return `${what} ${str(c.name)} with envVar ${str(e.name)} referencing secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
      for (const e of objs(c.envFrom)) {
        if (!isObj(e.secretRef)) continue;
        const name = str(e.secretRef.name);
        if (!mountable.has(name)) {
          return `${what} ${str(c.name)} with envFrom referencing secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
    }
  }
  const pullable = new Set(objs(sa.imagePullSecrets).map((s) => str(s.name)));
  const pull = objs(spec.imagePullSecrets);
  for (let i = 0; i < pull.length; i++) {
    const name = str(pull[i].name);
    if (!pullable.has(name)) return `imagePullSecrets[${i}].name="${name}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

/**
 * The mutation of an admitted pod: spec.serviceAccountName (and its deprecated mirror
 * spec.serviceAccount) set to `saName`, and, when the pod has no imagePullSecrets, the account's.
 */
export function applyServiceAccount(pod: KObject, saName: string, sa: KObject | undefined): void {
  if (!isObj(pod.spec)) pod.spec = {};
  const spec = pod.spec as JsonObject;
  spec.serviceAccountName = saName;
  spec.serviceAccount = saName;
  const own = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : [];
  const fromSA = objs(sa?.imagePullSecrets);
  if (own.length === 0 && fromSA.length > 0) spec.imagePullSecrets = fromSA.map((s) => ({ name: str(s.name) }));
}

/**
 * The whole decision for a pod being created in `namespace`, given the account lookup: mutates
 * the pod, or throws the 403 upstream returns. `lookup` resolves to undefined when the account
 * does not exist (after whatever waiting it does for `default`).
 */
export async function admitPodServiceAccount(pod: KObject, namespace: string, lookup: (name: string) => Promise<KObject | undefined>): Promise<void> {
  if (isMirrorPod(pod)) {
    const why = mirrorPodViolation(pod);
    if (why) throw forbiddenPod(pod, why);
    return;
  }
  const name = podServiceAccountName(pod);
  const sa = await lookup(name);
  if (!sa) throw forbiddenPod(pod, serviceAccountNotFoundMessage(namespace, name));
  applyServiceAccount(pod, name, sa);
  if (enforcesMountableSecrets(sa)) {
    const why = secretReferenceViolation(sa, pod);
    if (why) throw forbiddenPod(pod, why);
  }
}
