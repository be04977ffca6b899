// The table of served resources, built once from the KindDefs. Routing, discovery and OpenAPI
// all read it, so adding a kind touches only its own file and the registry list.

import type { KindDef } from '../kinds/types.js';

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface GroupVersion {
  group: string;
  version: string;
}

export class ResourceTable {
  private readonly byPath = new Map<string, KindDef>();
  private readonly byKind = new Map<string, KindDef>();
  readonly kinds: readonly KindDef[];

  constructor(kinds: readonly KindDef[]) {
    this.kinds = kinds;
    for (const k of kinds) {
      const p = `${k.group}/${k.version}/${k.plural}`;
      if (this.byPath.has(p)) throw new Error(`duplicate resource ${p}`);
      this.byPath.set(p, k);
      this.byKind.set(`${k.group}/${k.version}/${k.kind}`, k);
    }
  }

  lookup(group: string, version: string, plural: string): KindDef | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  byGroupVersionKind(group: string, version: string, kind: string): KindDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** Group versions in serving order: core first, then groups by name. */
  groupVersions(): GroupVersion[] {
    const seen = new Map<string, GroupVersion>();
    for (const k of this.kinds) seen.set(`${k.group}/${k.version}`, { group: k.group, version: k.version });
    return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
  }

  kindsOf(group: string, version: string): KindDef[] {
    return this.kinds.filter((k) => k.group === group && k.version === version);
  }
}

export function verbsOf(k: KindDef): string[] {
  return k.verbs ?? DEFAULT_VERBS;
}
