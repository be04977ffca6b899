import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_FACTS, DEFINITIONS_PATH, generateDefinitions, repoRoot, serializeDefinitions,
} from '../../scripts/gen-openapi.js';

test('the committed definitions.json is exactly what the generator produces (run: npx tsx scripts/gen-openapi.ts)', () => {
  const committed = readFileSync(path.join(repoRoot(), DEFINITIONS_PATH), 'utf8');
  const generated = serializeDefinitions(generateDefinitions());
  if (generated !== committed) {
    const a = JSON.parse(committed) as Record<string, unknown>;
    const b = JSON.parse(generated) as Record<string, unknown>;
    const differing = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    assert.fail(`definitions.json is stale; differing definitions: ${differing.slice(0, 20).join(', ')}`);
  }
});

test('generation is deterministic', () => {
  assert.equal(serializeDefinitions(generateDefinitions()), serializeDefinitions(generateDefinitions()));
});

test('a fact naming a property that does not exist fails generation', () => {
  const facts = { ...DEFAULT_FACTS, propertyPatchMeta: { 'io.k8s.api.core.v1.PodSpec.containerz': { 'x-kubernetes-list-type': 'atomic' } } };
  assert.throws(() => generateDefinitions(undefined, facts), /PodSpec\.containerz.*no such property/);
  const formats = { ...DEFAULT_FACTS, int64: ['io.k8s.api.apps.v1.DeploymentSpec.replicaz'] };
  assert.throws(() => generateDefinitions(undefined, formats), /DeploymentSpec\.replicaz/);
});
