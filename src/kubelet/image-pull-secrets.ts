// A pod's imagePullSecrets as the kubelet uses them: each named Secret of the pod's namespace,
// read through the API, contributes its docker config: `.dockerconfigjson` of a Secret of type
// kubernetes.io/dockerconfigjson ({"auths": {"host": {...}}}) or `.dockercfg` of type
// kubernetes.io/dockercfg (the host entries themselves). Other secrets contribute nothing. A
// secret that cannot be read is not fatal: the caller warns (FailedToRetrieveImagePullSecret) and
// pulls with what it has, as upstream does. A docker config that is not JSON fails the pull.

import type { JsonObject, KObject } from '../api/types.js';

export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKERCFG_KEY = '.dockercfg';

export interface PodPullSecrets {
  /** Decoded docker config documents, in the order the pod names the secrets. */
  dockerConfigs: unknown[];
  /** Names of the secrets that could not be read. */
  missing: string[];
}

/** The names in spec.imagePullSecrets (empty names, which validation lets through, are skipped). */
export function pullSecretNames(pod: KObject): string[] {
  const refs = (pod.spec as JsonObject | undefined)?.imagePullSecrets;
  if (!Array.isArray(refs)) return [];
  return refs.map((r) => (r && typeof r === 'object' && typeof (r as JsonObject).name === 'string' ? ((r as JsonObject).name as string) : '')).filter((n) => n !== '');
}

/**
 * The docker config a Secret holds, or undefined when it is not a docker registry secret (or its
 * key is empty). Throws when the data is not a JSON object.
 */
export function dockerConfigOfSecret(secret: KObject): unknown {
  const type = (secret as JsonObject).type;
  const data = ((secret as JsonObject).data ?? {}) as Record<string, unknown>;
  const key = type === SECRET_TYPE_DOCKER_CONFIG_JSON ? DOCKER_CONFIG_JSON_KEY : type === SECRET_TYPE_DOCKERCFG ? DOCKERCFG_KEY : undefined;
  if (!key) return undefined;
  const encoded = data[key];
  if (typeof encoded !== 'string' || encoded === '') return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`the ${key} of image pull secret "${secret.metadata?.name ?? ''}" is not valid JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`the ${key} of image pull secret "${secret.metadata?.name ?? ''}" is not a JSON object`);
  // A .dockerconfigjson keeps its entries under "auths"; a .dockercfg is the entries.
  return type === SECRET_TYPE_DOCKER_CONFIG_JSON ? { auths: (doc as JsonObject).auths ?? {} } : { auths: doc };
}

/** Reads the pod's pull secrets with `get` (undefined or a rejection: the secret is missing). */
export async function podPullSecrets(pod: KObject, get: (namespace: string, name: string) => Promise<KObject | undefined>): Promise<PodPullSecrets> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const out: PodPullSecrets = { dockerConfigs: [], missing: [] };
  for (const name of pullSecretNames(pod)) {
    const secret = await get(namespace, name).catch(() => undefined);
    if (!secret) {
      out.missing.push(name);
      continue;
    }
    const doc = dockerConfigOfSecret(secret);
    if (doc !== undefined) out.dockerConfigs.push(doc);
  }
  return out;
}
