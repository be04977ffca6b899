// A small flag parser: `--name value`, `--name=value`, boolean `--flag`, and positionals.

export interface FlagSpec {
  [name: string]: { type: 'string' | 'number' | 'boolean'; default?: string | number | boolean; help: string; repeatable?: boolean };
}

export type Flags = Record<string, string | number | boolean | string[] | undefined>;

export class UsageError extends Error {}

export function parseFlags(argv: string[], spec: FlagSpec): { flags: Flags; positionals: string[] } {
  const flags: Flags = {};
  const positionals: string[] = [];
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) flags[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag: --${name}`);
    let value: string | undefined = eq > 0 ? a.slice(eq + 1) : undefined;
    if (s.type === 'boolean') {
      flags[name] = value === undefined ? true : value === 'true';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: --${name}`);
    }
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`invalid value "${value}" for --${name}: not a number`);
      flags[name] = n;
    } else if (s.repeatable) {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else flags[name] = value;
  }
  return { flags, positionals };
}

export function usage(command: string, spec: FlagSpec): string {
  const lines = Object.entries(spec).map(([k, v]) => `  --${k}${v.type === 'boolean' ? '' : ' ' + v.type.toUpperCase()}\t${v.help}${v.default !== undefined ? ` (default ${v.default})` : ''}`);
  return `Usage: k8ts ${command} [flags]\n${lines.join('\n')}`;
}
