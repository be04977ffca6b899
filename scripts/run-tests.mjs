// Runs every compiled test file under dist/test with node's test runner.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
//
// Files that drive real runc/crun containers run one at a time, after the others: each starts a
// node whose pod network (bridge, gateway, cluster DNS address, nftables table) is the host's,
// the same for every `k8ts up`, so two at once would take each other's network down.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = walk('dist/test', []).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const hostNetwork = (f) => /runc/.test(f);
const run = (list, concurrency) => (list.length ? spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...list], { stdio: 'inherit' }).status ?? 1 : 0);
const parallel = run(files.filter((f) => !hostNetwork(f)), 2);
const serial = run(files.filter(hostNetwork), 1);
process.exit(parallel || serial);
