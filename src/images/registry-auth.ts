// Registry authentication as the distribution spec and Docker Hub do it: a request answered 401
// carries `WWW-Authenticate: Bearer realm=...,service=...,scope=...` (get a token from the realm,
// anonymously or with basic credentials, and retry with it) or `Basic realm=...` (retry with the
// credentials). Credentials come from `imagePullSecrets` (.dockerconfigjson / .dockercfg) or the
// caller; they are looked up by registry host as Docker's config does.

export interface Credentials {
  username?: string;
  password?: string;
  /** A refresh token (`identitytoken` in a docker config) used with OAuth2 token servers. */
  identityToken?: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses the challenges of a WWW-Authenticate header (`Bearer realm="...",service="..."`). */
export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skip = (chars: string) => {
    while (i < n && chars.includes(header[i])) i++;
  };
  while (i < n) {
    skip(' \t,');
    const start = i;
    while (i < n && !' \t,='.includes(header[i])) i++;
    const token = header.slice(start, i);
    if (!token) break;
    skip(' \t');
    if (header[i] !== '=') {
      out.push({ scheme: token.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(' \t');
    let value = '';
    if (header[i] === '"') {
      i++;
      while (i < n && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < n) i++;
        value += header[i++];
      }
      i++;
    } else {
      const vs = i;
      while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
      value = header.slice(vs, i);
    }
    if (out.length) out[out.length - 1].params[token.toLowerCase()] = value;
  }
  return out;
}

export function basicAuth(c: Credentials): string | undefined {
  if (c.username === undefined && c.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/** Registry keys Docker configs use for the same registry. */
function hostsFor(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

interface DockerConfigEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/**
 * Credentials for `registry` from docker config documents (the decoded `.dockerconfigjson` or
 * `.dockercfg` of imagePullSecrets), the first that has an entry winning.
 */
export function credentialsFromDockerConfigs(registry: string, docs: unknown[]): Credentials | undefined {
  const keys = hostsFor(registry);
  for (const doc of docs) {
    if (!doc || typeof doc !== 'object') continue;
    const d = doc as Record<string, unknown>;
    const auths = (d.auths && typeof d.auths === 'object' ? d.auths : d) as Record<string, DockerConfigEntry>;
    for (const [k, entry] of Object.entries(auths)) {
      const host = k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
      if (!keys.includes(k) && !keys.includes(host)) continue;
      if (!entry || typeof entry !== 'object') continue;
      if (entry.identitytoken) return { identityToken: entry.identitytoken, username: entry.username };
      // As the kubelet's keyring reads an entry: a non-empty `auth` (base64 user:password) wins
      // over `username`/`password`.
      if (entry.auth) {
        const s = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = s.indexOf(':');
        return colon >= 0 ? { username: s.slice(0, colon), password: s.slice(colon + 1) } : { username: s };
      }
      if (entry.username !== undefined || entry.password !== undefined) return { username: entry.username, password: entry.password };
    }
  }
  return undefined;
}
