// Scaling a Deployment (sync.go scale(), v1.32): one active ReplicaSet takes everything; a
// saturated new one retires the old ones; mid-rollout the change is spread proportionally, using
// each ReplicaSet's max-replicas annotation, with the rounding leftover on the largest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxSurge, proportionalScale } from '../../src/controllers/deployment/util.js';
import type { IntOrString } from '../../src/api/intstr.js';
import { deployment, FakeWorld, replicaSet } from './deployment-fake.js';

/** Annotations as the previous scale left them: desired = old replicas, max = old replicas + old surge. */
const sized = (desired: number, max: number) => ({ 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(max) });

interface Case {
  name: string;
  from: number; // the Deployment size the ReplicaSets were sized for
  to: number;
  surge?: IntOrString;
  unavailable?: IntOrString;
  fromSurge?: number;
  newRS: number;
  old: number[];
  wantNew: number;
  wantOld: number[];
}

// From upstream's TestScale table (surge and unavailable 0 unless given; the new ReplicaSet is the newest).
const cases: Case[] = [
  { name: 'proportional 5 -> 10', from: 5, to: 10, newRS: 2, old: [3], wantNew: 4, wantOld: [6] },
  { name: 'proportional 5 -> 3', from: 5, to: 3, newRS: 2, old: [3], wantNew: 1, wantOld: [2] },
  { name: 'proportional 9 -> 4', from: 9, to: 4, newRS: 8, old: [1], wantNew: 4, wantOld: [0] },
  { name: 'proportional 7 -> 10', from: 7, to: 10, newRS: 2, old: [3, 2], wantNew: 3, wantOld: [4, 3] },
  { name: 'proportional 13 -> 8', from: 13, to: 8, newRS: 2, old: [8, 3], wantNew: 1, wantOld: [5, 2] },
  { name: 'leftover 3 -> 4 goes to the newest of equal sizes', from: 3, to: 4, newRS: 1, old: [1, 1], wantNew: 2, wantOld: [1, 1] },
  { name: 'leftover 10 -> 4', from: 10, to: 4, newRS: 4, old: [3, 3], wantNew: 2, wantOld: [1, 1] },
  // new round(2·10/4) = +3; then the newer old one round(2.5) = +2 (Go rounds halves up); the older one gets what is left (+1).
  { name: 'leftover 4 -> 10', from: 4, to: 10, newRS: 2, old: [1, 1], wantNew: 5, wantOld: [2, 3] },
  { name: 'scale to zero', from: 7, to: 0, newRS: 3, old: [4], wantNew: 0, wantOld: [0] },
  // kubernetes.io docs, "Proportional scaling": 10 replicas, maxSurge 3, maxUnavailable 2, a
  // rollout stuck at 8 old + 5 new; scaled to 15: 3 more go to the old ReplicaSet and 2 to the new.
  { name: 'documented example 10 -> 15', from: 10, to: 15, surge: 3, unavailable: 2, fromSurge: 3, newRS: 5, old: [8], wantNew: 7, wantOld: [11] },
  // With 25% surge the allowance is 15 + ⌈3.75⌉ = 19: old round(8·19/13) = 12, new round(5·19/13) = 7.
  { name: '25% surge 10 -> 15', from: 10, to: 15, surge: '25%', unavailable: '25%', fromSurge: 3, newRS: 5, old: [8], wantNew: 7, wantOld: [12] },
];

function setup(c: Case) {
  const d = deployment('web', { replicas: c.to, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: c.surge ?? 0, maxUnavailable: c.unavailable ?? 0 } } });
  d.status = { replicas: c.from };
  const ann = sized(c.from, c.from + (c.fromSurge ?? 0));
  const old = c.old.map((n, i) => replicaSet(`old${i}`, { replicas: n, available: 0, created: `2026-01-01T00:00:0${i}Z`, annotations: ann }));
  const newRS = replicaSet('new', { replicas: c.newRS, available: 0, created: '2026-01-01T00:01:00Z', annotations: ann });
  return { d, old, newRS };
}

test('proportionalScale: upstream TestScale table and the documented example', () => {
  for (const c of cases) {
    const { d, old, newRS } = setup(c);
    const plan = proportionalScale(d, newRS, old);
    const size = (name: string) => plan.sizes.find((s) => s.rs.metadata.name === name)?.replicas;
    assert.equal(size('new'), c.wantNew, `${c.name}: new`);
    assert.deepEqual(old.map((o) => size(o.metadata.name!)), c.wantOld, `${c.name}: old`);
    const toAdd = (c.to > 0 ? c.to + maxSurge(d) : 0) - c.newRS - c.old.reduce((a, b) => a + b, 0);
    assert.equal(plan.operation, toAdd > 0 ? 'up' : 'down', `${c.name}: operation`);
  }
});

test('scale(): events name each ReplicaSet resized and every ReplicaSet gets the new replica annotations', async () => {
  const c = cases.find((x) => x.name === 'documented example 10 -> 15')!;
  const { d, old, newRS } = setup(c);
  const w = new FakeWorld(d);
  for (const rs of [...old, newRS]) w.add(rs);
  await w.syncer.scale(w.d, [...w.rs.values()].find((r) => r.metadata.name === 'new'), [...w.rs.values()].filter((r) => r.metadata.name !== 'new'));
  assert.deepEqual(
    w.events.map((e) => e.message),
    ['Scaled up replica set old0 from 8 to 11', 'Scaled up replica set new from 5 to 7'],
  );
  for (const rs of w.rs.values()) {
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '15');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '18');
  }
});

test('scale(): a single active ReplicaSet takes the new size; with none active the newest does', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 5 }));
  w.add(replicaSet('old', { replicas: 0, created: '2026-01-01T00:00:01Z' }));
  w.add(replicaSet('cur', { replicas: 3, created: '2026-01-01T00:00:02Z', annotations: sized(3, 4) }));
  const all = [...w.rs.values()];
  await w.syncer.scale(w.d, all[1], [all[0]]);
  assert.equal(w.rs.get('cur')!.spec.replicas, 5);
  assert.deepEqual(w.events.map((e) => `${e.type} ${e.reason} ${e.message}`), ['Normal ScalingReplicaSet Scaled up replica set cur from 3 to 5']);

  const z = new FakeWorld(deployment('web', { replicas: 6 }));
  z.add(replicaSet('a', { replicas: 0, created: '2026-01-01T00:00:01Z' }));
  z.add(replicaSet('b', { replicas: 0, created: '2026-01-01T00:00:02Z' }));
  await z.syncer.scale(z.d, undefined, [...z.rs.values()]);
  assert.equal(z.rs.get('b')!.spec.replicas, 6);
  assert.equal(z.rs.get('a')!.spec.replicas, 0);
});

test('scale(): a saturated new ReplicaSet retires the old ones (adoption of a finished rollout)', async () => {
  const w = new FakeWorld(deployment('web', { replicas: 3 }));
  w.add(replicaSet('old', { replicas: 2, created: '2026-01-01T00:00:01Z' }));
  w.add(replicaSet('new', { replicas: 3, available: 3, created: '2026-01-01T00:00:02Z', annotations: sized(3, 4) }));
  await w.syncer.scale(w.d, w.rs.get('new'), [w.rs.get('old')!]);
  assert.equal(w.rs.get('old')!.spec.replicas, 0);
  assert.equal(w.rs.get('new')!.spec.replicas, 3);
  assert.deepEqual(w.events.map((e) => e.message), ['Scaled down replica set old from 2 to 0']);
});

test('a scaling event mid-rollout is proportional, then the rollout continues from the new sizes', async () => {
  // 10 replicas, maxSurge 3, maxUnavailable 2; the new image never becomes ready.
  const w = new FakeWorld(deployment('web', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
  await w.rollout();
  const first = w.newRSName()!;
  w.update((d) => (d.spec.template!.spec!.containers = [{ name: 'c', image: 'nginx:bad' }]));
  await w.sync();
  const second = w.newRSName()!;
  assert.notEqual(first, second);
  w.unready.add(second);
  w.settle();
  await w.rollout();
  // Stuck where the docs say: 8 old (10 − maxUnavailable) + 5 new (13 − 8).
  assert.equal(w.sizes(), `${first}=8 ${second}=5`);
  w.update((d) => (d.spec.replicas = 15));
  const msgs = await w.rollout();
  assert.deepEqual(msgs.slice(0, 2), [`Scaled up replica set ${first} from 8 to 11`, `Scaled up replica set ${second} from 5 to 7`]);
  assert.equal(w.sizes(), `${first}=11 ${second}=7`);
});
