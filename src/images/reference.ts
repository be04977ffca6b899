// Image references as Docker and the kubelet read them (distribution/reference's grammar and
// its "normalized" rules): `busybox` is docker.io/library/busybox:latest, `me/app` is
// docker.io/me/app, a first component with a dot, a colon, or "localhost" (or an upper-case
// letter) names a registry, index.docker.io is docker.io, and a reference may carry a tag, a
// digest, or both (the digest then wins for pulling). Errors carry the library's messages,
// because the kubelet shows them in InvalidImageName.

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
/** Where docker.io's API really lives. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const NAME_MAX = 255;
const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${domain}/)?${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`);
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;

/** A reference that cannot be parsed (the kubelet's InvalidImageName). */
export class InvalidImageNameError extends Error {
  readonly reason = 'InvalidImageName';
  constructor(
    readonly image: string,
    readonly detail: string,
  ) {
    super(`couldn't parse image reference "${image}": ${detail}`);
    this.name = 'InvalidImageNameError';
  }

  /** The message the kubelet shows in the container's waiting state and event. */
  get kubeletMessage(): string {
    // The kubelet's applyDefaultImageTag wraps the parse error as parsers.ParseImageName does.
    return `Failed to apply default image tag "${this.image}": couldn't parse image name "${this.image}": ${this.detail}`;
  }
}

export interface ImageReference {
  /** Registry host[:port] as written, normalised (docker.io for Docker Hub). */
  registry: string;
  /** Repository path inside the registry (library/busybox). */
  repository: string;
  tag?: string;
  /** sha256:... when the reference pins one. */
  digest?: string;
}

/** Parses a reference with the normalisation rules; throws InvalidImageNameError. */
export function parseReference(image: string): ImageReference {
  if (ANCHORED_IDENTIFIER.test(image)) throw new InvalidImageNameError(image, `invalid repository name (${image}), cannot specify 64-byte hexadecimal strings`);
  const [registry, remainder] = splitRegistry(image);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep >= 0 ? remainder.slice(0, tagSep) : remainder.split('@')[0];
  if (remote.toLowerCase() !== remote) throw new InvalidImageNameError(image, `invalid reference format: repository name (${remote}) must be lowercase`);
  const full = `${registry}/${remainder}`;
  const m = REFERENCE.exec(full);
  if (!m) throw new InvalidImageNameError(image, image === '' ? 'repository name must have at least one component' : 'invalid reference format');
  if (m[1].length > NAME_MAX) throw new InvalidImageNameError(image, `repository name must not be more than ${NAME_MAX} characters`);
  const repository = m[1].slice(registry.length + 1);
  const ref: ImageReference = { registry, repository };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    const [alg, hex] = m[3].split(':');
    if (alg !== 'sha256') throw new InvalidImageNameError(image, 'unsupported digest algorithm');
    if (hex.length !== 64) throw new InvalidImageNameError(image, 'invalid checksum digest length');
    if (/[A-F]/.test(hex)) throw new InvalidImageNameError(image, 'invalid checksum digest format');
    ref.digest = m[3];
  }
  return ref;
}

/** The registry part and the rest, with Docker Hub's defaults applied. */
function splitRegistry(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_REGISTRY, `library/${name}`];
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  const isRegistry = first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first;
  if (!isRegistry) return [DEFAULT_REGISTRY, name];
  const registry = first === LEGACY_DEFAULT_REGISTRY ? DEFAULT_REGISTRY : first;
  if (registry === DEFAULT_REGISTRY && !rest.includes('/')) return [registry, `library/${rest}`];
  return [registry, rest];
}

/** registry/repository, e.g. docker.io/library/busybox. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The fully qualified form: docker.io/library/busybox:latest, or ...@sha256:... for digests. */
export function canonicalName(ref: ImageReference): string {
  const base = repositoryName(ref);
  if (ref.digest) return ref.tag ? `${base}:${ref.tag}@${ref.digest}` : `${base}@${ref.digest}`;
  return `${base}:${ref.tag ?? DEFAULT_TAG}`;
}

/** What a pull resolves in the registry: the digest if any, else the tag (default latest). */
export function pullTarget(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** The short form Docker prints: busybox:latest, me/app:1, 127.0.0.1:5000/x:2. */
export function familiarName(ref: ImageReference): string {
  let repo = repositoryName(ref);
  if (ref.registry === DEFAULT_REGISTRY) {
    repo = ref.repository.startsWith('library/') && ref.repository.split('/').length === 2 ? ref.repository.slice('library/'.length) : ref.repository;
  }
  if (ref.digest) return `${repo}@${ref.digest}`;
  return `${repo}:${ref.tag ?? DEFAULT_TAG}`;
}

/** The repo digest form reported as imageID: docker.io/library/busybox@sha256:... */
export function digestReference(ref: ImageReference, manifestDigest: string): string {
  return `${repositoryName(ref)}@${manifestDigest}`;
}

/** The host to talk to for a registry name (docker.io's API is on registry-1.docker.io). */
export function registryHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}
