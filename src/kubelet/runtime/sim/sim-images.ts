// The sim runtime has every image "on the machine": references resolve to a stable digest and
// a plausible size derived from the name, so imageID and Pulled events look like a real node's.

import { createHash } from 'node:crypto';
import type { ImageInfo } from '../runtime.js';

/** docker.io normalisation, as containerd reports repositories (nginx -> docker.io/library/nginx). */
export function normalizeRepository(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

export class SimImages {
  private cache = new Map<string, ImageInfo>();

  resolve(image: string): ImageInfo {
    let info = this.cache.get(image);
    if (!info) {
      const digest = createHash('sha256').update(image).digest('hex');
      const at = image.indexOf('@');
      const ref = at >= 0 ? `${normalizeRepository(image)}${image.slice(at)}` : `${normalizeRepository(image)}@sha256:${digest}`;
      info = { ref, size: 5_000_000 + (parseInt(digest.slice(0, 8), 16) % 150_000_000) };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(image, info);
    }
    return info;
  }
}
