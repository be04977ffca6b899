// `k8ts image import|ls|rm|pull`: the node's image store (`<data-dir>/images`) for offline use,
// shared with the runc runtime of `k8ts up` / `k8ts agent` on the same data dir.

import { resolve, join } from 'node:path';
import { importArchive } from '../images/image-import.js';
import { ImageStore } from '../images/image-store.js';
import { parseReference, type ImageReference } from '../images/reference.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags.js';

export const IMAGE_FLAGS: FlagSpec = {
  'data-dir': { type: 'string', default: './.k8ts', help: 'the data dir of the cluster or agent whose images to manage' },
  name: { type: 'string', help: 'import: repository (or full name) for images the archive names by tag only or not at all' },
  'insecure-registry': { type: 'string', repeatable: true, help: 'pull: a registry host:port that may be used over plain HTTP (repeatable)' },
  quiet: { type: 'boolean', help: 'ls: print image ids only' },
  help: { type: 'boolean', help: 'show this help' },
};

const HELP = `Usage:
  k8ts image import FILE... [--name REPO]   import an OCI archive or a docker save tarball
  k8ts image ls [-q]                        list images
  k8ts image rm IMAGE...                    remove images by name or id (content goes once unused)
  k8ts image pull IMAGE                     pull an image from its registry
Flags:
${usage('image', IMAGE_FLAGS).split('\n').slice(1).join('\n')}`;

/** Decimal units with four significant digits, as crictl prints sizes (go-units HumanSize). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join('').trimEnd()).join('\n');
}

function repoAndTag(name: string): [string, string] {
  let ref: ImageReference;
  try {
    ref = parseReference(name);
  } catch {
    return [name, '<none>'];
  }
  return [`${ref.registry}/${ref.repository}`, ref.digest && !ref.tag ? '<none>' : (ref.tag ?? 'latest')];
}

export async function image(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(HELP);
    return 0;
  }
  const normalized = rest.map((a) => (a === '-q' ? '--quiet' : a));
  const { flags, positionals } = parseFlags(normalized, IMAGE_FLAGS);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const store = new ImageStore({ root: join(resolve(String(flags['data-dir'])), 'images'), insecureRegistries: (flags['insecure-registry'] as string[] | undefined) ?? [] });
  switch (sub) {
    case 'import': {
      if (!positionals.length) throw new UsageError('image import needs an archive file');
      for (const file of positionals) {
        const got = await importArchive(store, resolve(file), { baseName: flags.name ? String(flags.name) : undefined });
        for (const g of got) console.log(`imported ${g.name} (${g.id}, ${humanSize(g.size)})`);
      }
      return 0;
    }
    case 'ls':
    case 'list': {
      const list = await store.list();
      if (flags.quiet) {
        for (const id of new Set(list.map((i) => i.config))) console.log(id);
        return 0;
      }
      const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
      for (const i of list) {
        const [repo, tag] = repoAndTag(i.name);
        rows.push([repo, tag, i.config.slice(7, 20), humanSize(i.size)]);
      }
      console.log(table(rows));
      return 0;
    }
    case 'rm':
    case 'rmi': {
      if (!positionals.length) throw new UsageError('image rm needs an image name or id');
      let failed = false;
      for (const p of positionals) {
        try {
          for (const n of await store.remove(p)) console.log(`Deleted: ${n}`);
        } catch (err) {
          console.error(`error: ${(err as Error).message}`);
          failed = true;
        }
      }
      await store.gc();
      return failed ? 1 : 0;
    }
    case 'pull': {
      if (positionals.length !== 1) throw new UsageError('image pull needs one image name');
      const img = await store.pull(positionals[0]);
      console.log(`Image is up to date for ${img.repoDigest}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown image command "${sub}"\n\n${HELP}`);
  }
}
