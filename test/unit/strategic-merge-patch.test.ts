import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../src/api/patch/strategic-merge-patch.js';
import { ApiError } from '../../src/api/errors.js';
import { deepFreeze, deployment, pod } from './patch-schemas.js';

type Obj = Record<string, any>;

function nginxDeployment(): Obj {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      replicas: 2,
      paused: true,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx-container',
              image: 'nginx:1.17',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
          ],
          tolerations: [{ key: 'a', operator: 'Exists' }],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  });
}

function smp(doc: unknown, patch: unknown, schema = deployment): Obj {
  return applyStrategicMergePatch(doc, deepFreeze(patch), schema) as Obj;
}

function containers(d: Obj): Obj[] {
  return d.spec.template.spec.containers;
}

function rejects(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('kubectl set image: only the named container changes, order and the other container are kept', () => {
  const live = nginxDeployment();
  const out = smp(live, {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx-container' }, { name: 'sidecar' }],
          containers: [{ image: 'nginx:1.18', name: 'nginx-container' }],
        },
      },
    },
  });
  const c = containers(out);
  assert.deepEqual(c.map((x) => x.name), ['nginx-container', 'sidecar']);
  assert.equal(c[0].image, 'nginx:1.18');
  assert.deepEqual(c[0].env, live.spec.template.spec.containers[0].env);
  assert.deepEqual(c[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(c[1], live.spec.template.spec.containers[1]);
  assert.equal(JSON.stringify(out).includes('$setElementOrder'), false);
  assert.equal(containers(live)[0].image, 'nginx:1.17', 'input is untouched');
});

test('rollout pause / resume: true sets, null deletes the key', () => {
  const live = nginxDeployment();
  const resumed = smp(live, { spec: { paused: null } });
  assert.equal('paused' in resumed.spec, false);
  assert.equal(resumed.spec.replicas, 2);
  const paused = smp(resumed, { spec: { paused: true } });
  assert.equal(paused.spec.paused, true);
});

test('rollout restart adds an annotation to the pod template', () => {
  const out = smp(nginxDeployment(), {
    spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } } },
  });
  assert.deepEqual(out.spec.template.metadata, {
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' },
  });
});

test('DaemonSet/StatefulSet rollout undo: $patch replace swaps the whole template', () => {
  const revision = {
    metadata: { creationTimestamp: null, labels: { app: 'web', tier: 'old' } },
    spec: { containers: [{ name: 'nginx-container', image: 'nginx:1.16' }], restartPolicy: 'Always' },
  };
  const out = smp(nginxDeployment(), { spec: { template: { $patch: 'replace', ...revision } } });
  assert.deepEqual(out.spec.template, revision);
  assert.equal(out.spec.replicas, 2);
});

test('client-side apply: labels and last-applied merge, containers merge by name in the given order', () => {
  const out = smp(nginxDeployment(), {
    metadata: {
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' },
      labels: { tier: 'web' },
    },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx-container' }],
          containers: [{ image: 'nginx:1.17', name: 'nginx-container' }],
        },
      },
    },
  });
  assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'web' });
  assert.deepEqual(out.metadata.annotations, {
    'deployment.kubernetes.io/revision': '1',
    'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n',
  });
  // The sidecar is not in the patch's order list: it is a server-only item and keeps its place.
  assert.deepEqual(containers(out).map((c) => c.name), ['nginx-container', 'sidecar']);
});

test('apply removing a container and an env entry with $patch delete', () => {
  const noSidecar = smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ $patch: 'delete', name: 'sidecar' }] } } } });
  assert.deepEqual(containers(noSidecar).map((c) => c.name), ['nginx-container']);

  const noB = smp(nginxDeployment(), {
    spec: { template: { spec: { containers: [{ name: 'nginx-container', env: [{ $patch: 'delete', name: 'B' }] }] } } },
  });
  assert.deepEqual(containers(noB)[0].env, [{ name: 'A', value: '1' }]);
  assert.equal(containers(noB).length, 2);

  const gone = smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ $patch: 'delete', name: 'nope' }] } } } });
  assert.deepEqual(containers(gone).map((c) => c.name), ['nginx-container', 'sidecar']);
});

test('client-side apply shapes: removals next to $setElementOrder, nested in containers', () => {
  const noSidecar = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx-container' }],
          containers: [{ $patch: 'delete', name: 'sidecar' }],
        },
      },
    },
  });
  assert.deepEqual(containers(noSidecar).map((c) => c.name), ['nginx-container']);

  const out = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx-container' }, { name: 'sidecar' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }],
              '$setElementOrder/ports': [{ containerPort: 8080 }],
              env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }],
              ports: [{ containerPort: 8080 }, { $patch: 'delete', containerPort: 80 }],
              name: 'nginx-container',
            },
          ],
        },
      },
    },
  });
  const c = containers(out)[0];
  assert.deepEqual(c.env, [{ name: 'C', value: '3' }, { name: 'A', value: '1' }]);
  assert.deepEqual(c.ports, [{ containerPort: 8080 }]);
  assert.equal(JSON.stringify(out).includes('$'), false);
});

test('without $setElementOrder, patch items come first in patch order and live-only items keep their place', () => {
  const out = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'z-new', image: 'a' },
            { name: 'nginx-container', image: 'nginx:2' },
            { name: 'a-new', image: 'b' },
          ],
        },
      },
    },
  });
  assert.deepEqual(containers(out).map((c) => `${c.name}=${c.image}`), [
    'z-new=a',
    'nginx-container=nginx:2',
    'a-new=b',
    'sidecar=busybox',
  ]);
});

test('$setElementOrder reorders and places a new item where the order list says', () => {
  const swapped = smp(nginxDeployment(), {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx-container' }] } } },
  });
  assert.deepEqual(containers(swapped).map((c) => c.name), ['sidecar', 'nginx-container']);

  const inserted = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx-container' }, { name: 'middle' }, { name: 'sidecar' }],
          containers: [{ name: 'middle', image: 'm' }],
        },
      },
    },
  });
  assert.deepEqual(containers(inserted).map((c) => c.name), ['nginx-container', 'middle', 'sidecar']);
});

test('$setElementOrder that contradicts the patch list fails like upstream', () => {
  rejects(
    () =>
      smp(nginxDeployment(), {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'nginx-container' }, { name: 'sidecar' }],
              containers: [{ name: 'sidecar', image: 'x' }, { name: 'nginx-container', image: 'y' }],
            },
          },
        },
      }),
    500,
    /^The order in patch list:\n\[map\[image:x name:sidecar\] map\[image:y name:nginx-container\]\]\n doesn't match \$setElementOrder list:/,
  );
});

test('ports merge by containerPort, env by name', () => {
  const out = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'nginx-container',
              ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443, protocol: 'TCP' }],
              env: [{ name: 'A', value: 'changed' }],
            },
          ],
        },
      },
    },
  });
  const c = containers(out)[0];
  assert.deepEqual(c.ports, [
    { containerPort: 80, protocol: 'TCP', name: 'http' },
    { containerPort: 443, protocol: 'TCP' },
  ]);
  assert.deepEqual(c.env, [
    { name: 'A', value: 'changed' },
    { name: 'B', value: '2' },
  ]);
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
  const live = deepFreeze({ metadata: { name: 'p', finalizers: ['a', 'b'] } });
  const added = smp(live, { metadata: { finalizers: ['c', 'a'] } }, pod);
  assert.deepEqual(added.metadata.finalizers, ['c', 'a', 'b']);
  const removed = smp(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zz'] } }, pod);
  assert.deepEqual(removed.metadata.finalizers, ['b']);
  const both = smp(
    live,
    { metadata: { '$setElementOrder/finalizers': ['b', 'c'], finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
    pod,
  );
  assert.deepEqual(both.metadata.finalizers, ['b', 'c']);
  const none = smp(deepFreeze({ metadata: { name: 'p' } }), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, pod);
  assert.deepEqual(none.metadata, { name: 'p' });
});

test('lists without a merge strategy are replaced: tolerations, args', () => {
  const out = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          tolerations: [{ key: 'b', operator: 'Equal', value: 'x' }],
          containers: [{ name: 'sidecar', args: ['sleep', '1'] }],
        },
      },
    },
  });
  assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'b', operator: 'Equal', value: 'x' }]);
  assert.deepEqual(containers(out)[1].args, ['sleep', '1']);
});

test('{"$patch":"replace"} as a list item replaces the merge list', () => {
  const out = smp(nginxDeployment(), {
    spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } } },
  });
  assert.deepEqual(containers(out), [{ name: 'only', image: 'x' }]);
});

test('$retainKeys: switching the deployment strategy drops rollingUpdate', () => {
  const out = smp(nginxDeployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  const kept = smp(nginxDeployment(), { spec: { strategy: { rollingUpdate: { maxSurge: '1' } } } });
  assert.deepEqual(kept.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: '25%' } });
});

test('$retainKeys inside a volume (merge,retainKeys list): emptyDir becomes configMap', () => {
  const out = smp(nginxDeployment(), {
    spec: {
      template: {
        spec: {
          '$setElementOrder/volumes': [{ name: 'data' }],
          volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, name: 'data' }],
        },
      },
    },
  });
  assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
});

test('malformed $retainKeys is a 400 with the upstream message', () => {
  rejects(() => smp(nginxDeployment(), { spec: { strategy: { $retainKeys: 'type' } } }), 400, 'invalid patch format of retainKeys');
  rejects(
    () => smp(nginxDeployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }),
    400,
    'invalid patch format of retainKeys',
  );
});

test('ownerReferences merge by uid, status conditions by type', () => {
  const live = deepFreeze({
    metadata: { name: 'web', ownerReferences: [{ uid: 'u1', name: 'a', kind: 'X', controller: true }] },
    status: { conditions: [{ type: 'Available', status: 'False' }, { type: 'Progressing', status: 'True' }] },
  });
  const out = smp(live, {
    metadata: { ownerReferences: [{ uid: 'u1', controller: false }, { uid: 'u2', name: 'b', kind: 'Y' }] },
    status: { conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] },
  });
  assert.deepEqual(out.metadata.ownerReferences, [
    { uid: 'u1', name: 'a', kind: 'X', controller: false },
    { uid: 'u2', name: 'b', kind: 'Y' },
  ]);
  assert.deepEqual(out.status.conditions, [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
    { type: 'Progressing', status: 'True' },
  ]);
});

test('maps: keys merge, null removes a label, $patch replace/delete act on the whole map', () => {
  const merged = smp(nginxDeployment(), { metadata: { labels: { app: null, env: 'prod' } } });
  assert.deepEqual(merged.metadata.labels, { env: 'prod' });
  const replaced = smp(nginxDeployment(), { metadata: { labels: { $patch: 'replace', only: 'this' } } });
  assert.deepEqual(replaced.metadata.labels, { only: 'this' });
  // Upstream turns `$patch: delete` into an empty map rather than removing the key.
  const deleted = smp(nginxDeployment(), { metadata: { labels: { $patch: 'delete' } } });
  assert.deepEqual(deleted.metadata.labels, {});
  // A directive map for a key the object does not have is dropped.
  const absent = smp(nginxDeployment(), { spec: { template: { spec: { nodeSelector: { $patch: 'replace', a: 'b' } } } } });
  assert.equal('nodeSelector' in absent.spec.template.spec, false);
});

test('map values follow additionalProperties: struct values merge their lists by key', () => {
  const live = deepFreeze({ spec: { overrides: { blue: { env: [{ name: 'A', value: '1' }] } } } });
  const out = smp(live, { spec: { overrides: { blue: { env: [{ name: 'B', value: '2' }] }, green: { env: [] } } } });
  assert.deepEqual(out.spec.overrides, {
    // Without $setElementOrder upstream puts new items before the live-only ones.
    blue: { env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] },
    green: { env: [] },
  });
});

test('values for new keys lose their nulls and nested directive maps', () => {
  const out = smp(deepFreeze({ metadata: { name: 'p' } }), {
    spec: { nodeSelector: { a: 'b', gone: null }, containers: [{ name: 'c', image: 'i', env: [{ $patch: 'delete', name: 'x' }] }] },
  }, pod);
  assert.deepEqual(out.spec, { nodeSelector: { a: 'b' }, containers: [{ name: 'c', image: 'i', env: [] }] });
});

test('unknown or unsupported $patch values fail with the upstream text (500, no reason)', () => {
  rejects(
    () => smp(nginxDeployment(), { metadata: { labels: { $patch: 'frob', a: 'b' } } }),
    500,
    'unknown patch type: frob in map: map[$patch:frob a:b]',
  );
  rejects(
    () => smp(nginxDeployment(), { metadata: { labels: { $patch: 'merge' } } }),
    500,
    'unknown patch type: merge in map: map[$patch:merge]',
  );
  rejects(
    () => smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ $patch: 'merge' }] } } } }),
    500,
    'merging lists cannot yet be specified in the patch',
  );
  try {
    smp(nginxDeployment(), { metadata: { labels: { $patch: 'frob' } } });
  } catch (e) {
    assert.equal((e as ApiError).reason, '');
  }
});

test('a list item without its merge key is rejected', () => {
  rejects(
    () => smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }),
    500,
    'map: map[image:x] does not contain declared merge key: name',
  );
  rejects(
    () => smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }),
    500,
    'map: map[$patch:delete] does not contain declared merge key: name',
  );
});

test('malformed directive keys and bodies are 400s; lists of lists are 422', () => {
  rejects(
    () => smp(nginxDeployment(), { spec: { template: { spec: { '$setElementOrderX/containers': [] } } } }),
    400,
    'invalid patch format of setElementOrder list',
  );
  rejects(
    () => smp(nginxDeployment(), { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }),
    400,
    'invalid patch format of primitive list',
  );
  rejects(() => smp(nginxDeployment(), [{ spec: {} }]), 400, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
  rejects(
    () => smp(deepFreeze({ metadata: { finalizers: [] } }), { metadata: { finalizers: [['b']] } }, pod),
    422,
    'the server rejected our request due to an error in our request',
  );
  // Only a list as the first element is "lists of lists"; later ones are a type mismatch.
  rejects(
    () => smp(deepFreeze({ metadata: { finalizers: ['a'] } }), { metadata: { finalizers: [['b']] } }, pod),
    500,
    'list element types are not identical: [[a] [[b]]]',
  );
});

test('a null patch changes nothing; a top-level $patch replace swaps the object', () => {
  const live = nginxDeployment();
  assert.equal(smp(live, null), live);
  assert.deepEqual(smp(live, { $patch: 'replace', kind: 'Deployment' }), { kind: 'Deployment' });
});

test('without a schema: maps merge, lists are replaced, null deletes', () => {
  const live = nginxDeployment();
  const out = applyStrategicMergePatch(
    live,
    deepFreeze({ metadata: { labels: { extra: 'x' } }, spec: { paused: null, template: { spec: { containers: [{ name: 'solo' }] } } } }),
    undefined,
  ) as Obj;
  assert.deepEqual(out.metadata.labels, { app: 'web', extra: 'x' });
  assert.equal('paused' in out.spec, false);
  assert.deepEqual(containers(out), [{ name: 'solo' }]);
});

test('untouched subtrees are shared, not copied', () => {
  const live = nginxDeployment();
  const out = smp(live, { spec: { replicas: 5 } });
  assert.equal(out.spec.replicas, 5);
  assert.equal(out.metadata, live.metadata);
  assert.equal(out.spec.template, live.spec.template);
});

test('merging a list with many items keeps the patch order and values', () => {
  const n = 5000;
  const env = Array.from({ length: n }, (_, i) => ({ name: `E${i}`, value: String(i) }));
  const live = deepFreeze({ spec: { template: { spec: { containers: [{ name: 'c', env }] } } } });
  const patchEnv = Array.from({ length: n }, (_, i) => ({ name: `E${n - 1 - i}`, value: 'x' }));
  const out = smp(live, {
    spec: { template: { spec: { containers: [{ name: 'c', '$setElementOrder/env': patchEnv.map((e) => ({ name: e.name })), env: patchEnv }] } } },
  });
  const merged = containers(out)[0].env as Obj[];
  assert.equal(merged.length, n);
  assert.equal(merged[0].name, `E${n - 1}`);
  assert.equal(merged[n - 1].value, 'x');
});
