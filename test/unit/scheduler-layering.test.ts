// The scheduler talks to the cluster only through src/client: no import may reach the API
// server or the storage layer (design rule 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/scheduler imports neither src/apiserver nor src/storage', () => {
  // The sources, also when this test runs compiled from dist/: the folder holding package.json.
  let repo = import.meta.dirname;
  while (!existsSync(join(repo, 'package.json')) && dirname(repo) !== repo) repo = dirname(repo);
  const root = join(repo, 'src');
  const offenders: string[] = [];
  const all = files(join(root, 'scheduler'));
  assert.ok(all.length > 5);
  for (const f of all) {
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(join(f, '..'), spec));
      if (/^(apiserver|storage)\//.test(target)) offenders.push(`${relative(root, f)} -> ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
