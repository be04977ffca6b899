// Layer boundary: the node agent reaches the API only through src/client; it never imports the
// API server or the storage layers (design.md, "Layer boundaries hold").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '../..');
const KUBELET = join(ROOT, 'src', 'kubelet');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/kubelet imports neither src/apiserver nor src/storage (nor the kinds the server uses)', () => {
  const bad: string[] = [];
  const all = files(KUBELET);
  assert.ok(all.length > 10);
  for (const f of all) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/from\s+'([^']+)'/g)) {
      const target = resolve(join(f, '..'), m[1]);
      const rel = relative(join(ROOT, 'src'), target);
      if (/^(apiserver|storage|kinds)\//.test(rel)) bad.push(`${relative(ROOT, f)} -> ${m[1]}`);
    }
  }
  assert.deepEqual(bad, []);
});
