// Image reference parsing, just enough to reproduce upstream's imagePullPolicy default
// (pkg/util/parsers.ParseImageName over distribution's reference grammar): the default is
// `Always` only when the parsed tag is "latest" (given or implied); a digest without a tag, an
// explicit other tag, or an unparsable reference gives `IfNotPresent`.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

export interface ImageRef {
  name: string;
  tag: string; // "" when only a digest was given
  digest: string;
}

/** Parses an image reference; returns undefined when upstream's parser would fail. */
export function parseImageRef(image: string): ImageRef | undefined {
  if (!image || HEX64_RE.test(image)) return undefined;
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return undefined;
  }
  let tag = '';
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  if (rest.length === 0 || rest.length > 255 || !NAME_RE.test(rest)) return undefined;
  if (!tag && !digest) tag = 'latest';
  return { name: rest, tag, digest };
}

/** Upstream's default imagePullPolicy for a container image. */
export function defaultPullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  const ref = typeof image === 'string' ? parseImageRef(image) : undefined;
  return ref?.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
