// Layer boundaries (design.md rule 9): controllers, the scheduler, the node agent and the client
// reach the API only through src/client; none imports the API server or the storage layer, and
// the node agent does not import the kinds the server uses either.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// The sources, also when this test runs compiled from dist/: the folder holding package.json.
let repo = import.meta.dirname;
while (!existsSync(join(repo, 'package.json')) && dirname(repo) !== repo) repo = dirname(repo);
const SRC = join(repo, 'src');

const RULES: { layer: string; forbidden: RegExp }[] = [
  { layer: 'controllers', forbidden: /^(apiserver|storage)\// },
  { layer: 'scheduler', forbidden: /^(apiserver|storage)\// },
  { layer: 'kubelet', forbidden: /^(apiserver|storage|kinds)\// },
  { layer: 'client', forbidden: /^(apiserver|storage|controllers|scheduler|kubelet)\// },
];

for (const { layer, forbidden } of RULES) {
  test(`src/${layer} does not import ${forbidden.source}`, () => {
    const all = files(join(SRC, layer));
    assert.ok(all.length > 3, `expected sources under src/${layer}`);
    const bad: string[] = [];
    for (const f of all) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (!m[1].startsWith('.')) continue;
        const rel = relative(SRC, resolve(dirname(f), m[1]));
        if (forbidden.test(rel)) bad.push(`${relative(repo, f)} -> ${m[1]}`);
      }
    }
    assert.deepEqual(bad, []);
  });
}
