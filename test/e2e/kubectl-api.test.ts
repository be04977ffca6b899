// Real kubectl against a real `k8ts up`: the API server contract of issue 2.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { startCluster, eventually, ok, rawRequest, kubectlVersion, ROOT, type Cluster } from './harness.js';

const EX = join(ROOT, 'examples');

const podYaml = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: sample-app${extra}
spec:
  containers:
    - name: nginx-container
      image: nginx:1.16
`;

describe('kubectl against k8ts up', () => {
  let c: Cluster;
  before(async () => {
    // No nodes: this suite is about the API server alone, so pods stay Pending.
    c = await startCluster({ args: ['--nodes', '0'] });
  });
  after(async () => {
    await c?.destroy();
  });

  test('version reports 1.32 and discovery lists every workload kind', () => {
    const v = ok(c.kubectl(['version']));
    assert.match(v, /Server Version: v1\.32\./);
    const r = ok(c.kubectl(['api-resources']));
    for (const line of [
      /^pods\s+po\s+v1\s+true\s+Pod$/m,
      /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m,
      /^replicasets\s+rs\s+apps\/v1\s+true\s+ReplicaSet$/m,
      /^statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet$/m,
      /^daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet$/m,
      /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m,
      /^jobs\s+batch\/v1\s+true\s+Job$/m,
      /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
      /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m,
      /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m,
    ]) {
      assert.match(r, line);
    }
  });

  test('apply creates, then configures, then leaves unchanged', () => {
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: podYaml('apply-pod') })).trim(), 'pod/apply-pod created');
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: podYaml('apply-pod', '\n    tier: web') })).trim(), 'pod/apply-pod configured');
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: podYaml('apply-pod', '\n    tier: web') })).trim(), 'pod/apply-pod unchanged');
    const pod = JSON.parse(ok(c.kubectl(['get', 'pod', 'apply-pod', '-o', 'json'])));
    assert.equal(pod.metadata.labels.tier, 'web');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.status.phase, 'Pending');
  });

  test('get prints server-side tables, wide, json and yaml', () => {
    ok(c.kubectl(['apply', '-f', join(EX, 'sample-pod.yaml')]));
    const table = ok(c.kubectl(['get', 'pods']));
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(table, /^sample-pod\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    const wide = ok(c.kubectl(['get', 'pods', '-o', 'wide']));
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    assert.match(wide, /^sample-pod\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$/m);
    const list = JSON.parse(ok(c.kubectl(['get', 'pods', '-o', 'json'])));
    assert.equal(list.kind, 'List');
    assert.ok(list.items.some((p: { metadata: { name: string } }) => p.metadata.name === 'sample-pod'));
    const yaml = ok(c.kubectl(['get', 'pod', 'sample-pod', '-o', 'yaml']));
    assert.match(yaml, /^kind: Pod$/m);
    assert.match(yaml, /^ {2}uid: [0-9a-f-]{36}$/m);
    const named = ok(c.kubectl(['get', 'pods', '-l', 'app=sample-app', '-o', 'name']));
    assert.match(named, /^pod\/sample-pod$/m);
    const nf = c.kubectl(['get', 'pod', 'nope']);
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  });

  test('create deployment: protobuf from kubectl 1.32, JSON from 1.31', () => {
    assert.equal(ok(c.kubectl(['create', 'deployment', 'by-cli-132', '--image', 'nginx:1.16'])).trim(), 'deployment.apps/by-cli-132 created');
    assert.equal(
      ok(c.kubectl(['create', 'deployment', 'by-cli-131', '--image', 'nginx:1.16', '--replicas', '2'], { binary: kubectlVersion(31) })).trim(),
      'deployment.apps/by-cli-131 created',
    );
    for (const [name, replicas] of [['by-cli-132', 1], ['by-cli-131', 2]] as const) {
      const d = JSON.parse(ok(c.kubectl(['get', 'deployment', name, '-o', 'json'])));
      assert.equal(d.spec.replicas, replicas);
      assert.deepEqual(d.spec.selector, { matchLabels: { app: name } });
      assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.16');
      assert.equal(d.spec.strategy.type, 'RollingUpdate');
      assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
      assert.equal(d.spec.revisionHistoryLimit, 10);
      assert.equal(d.metadata.generation, 1);
    }
    const dup = c.kubectl(['create', 'deployment', 'by-cli-132', '--image', 'nginx:1.16']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /deployments\.apps "by-cli-132" already exists/);
    ok(c.kubectl(['create', 'namespace', 'created-ns']));
    ok(c.kubectl(['create', 'configmap', 'cm1', '--from-literal', 'a=b']));
    const cm = JSON.parse(ok(c.kubectl(['get', 'configmap', 'cm1', '-o', 'json'])));
    assert.deepEqual(cm.data, { a: 'b' });
  });

  test('describe shows the object', () => {
    const out = ok(c.kubectl(['describe', 'deployment', 'by-cli-132']));
    assert.match(out, /^Name:\s+by-cli-132$/m);
    assert.match(out, /^Namespace:\s+default$/m);
    assert.match(out, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(out, /nginx:1\.16/);
    const pod = ok(c.kubectl(['describe', 'pod', 'sample-pod']));
    assert.match(pod, /^Name:\s+sample-pod$/m);
  });

  test('label and patch (strategic, merge, json)', () => {
    assert.equal(ok(c.kubectl(['label', 'pod', 'sample-pod', 'tier=web'])).trim(), 'pod/sample-pod labeled');
    assert.match(ok(c.kubectl(['get', 'pods', '-l', 'tier=web', '-o', 'name'])), /pod\/sample-pod/);
    assert.equal(ok(c.kubectl(['label', 'pod', 'sample-pod', 'tier-'])).trim(), 'pod/sample-pod unlabeled');
    assert.equal(
      ok(c.kubectl(['patch', 'deployment', 'by-cli-132', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.17"}]}}}}'])).trim(),
      'deployment.apps/by-cli-132 patched',
    );
    assert.equal(ok(c.kubectl(['patch', 'deployment', 'by-cli-132', '--type', 'merge', '-p', '{"spec":{"paused":true}}'])).trim(), 'deployment.apps/by-cli-132 patched');
    assert.equal(
      ok(c.kubectl(['patch', 'deployment', 'by-cli-132', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]'])).trim(),
      'deployment.apps/by-cli-132 patched',
    );
    const d = JSON.parse(ok(c.kubectl(['get', 'deployment', 'by-cli-132', '-o', 'json'])));
    assert.equal(d.spec.template.spec.containers.length, 1);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.17');
    assert.equal(d.spec.paused, true);
    assert.equal(d.spec.replicas, 4);
    assert.equal(d.metadata.generation, 4);
    assert.equal(ok(c.kubectl(['patch', 'deployment', 'by-cli-132', '--type', 'merge', '-p', '{"spec":{"paused":true}}'])).trim(), 'deployment.apps/by-cli-132 patched (no change)');
    assert.equal(JSON.parse(ok(c.kubectl(['get', 'deployment', 'by-cli-132', '-o', 'json']))).metadata.generation, 4);
    // rollout resume sends {"spec":{"paused":null}}: null deletes the key.
    ok(c.kubectl(['rollout', 'resume', 'deployment', 'by-cli-132']));
    assert.equal(JSON.parse(ok(c.kubectl(['get', 'deployment', 'by-cli-132', '-o', 'json']))).spec.paused, undefined);
  });

  test('scale through the scale subresource', () => {
    assert.equal(ok(c.kubectl(['scale', 'deployment', 'by-cli-131', '--replicas', '5'])).trim(), 'deployment.apps/by-cli-131 scaled');
    assert.equal(JSON.parse(ok(c.kubectl(['get', 'deployment', 'by-cli-131', '-o', 'json']))).spec.replicas, 5);
  });

  test('invalid objects get 422 with Kubernetes-style messages and nothing is stored', () => {
    const bad = `apiVersion: v1
kind: Pod
metadata:
  name: invalid-pod
spec:
  containers:
    - name: nginx-container
`;
    const r = c.kubectl(['apply', '-f', '-'], { input: bad });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Pod "invalid-pod" is invalid: spec\.containers\[0\]\.image: Required value/);
    assert.equal(c.kubectl(['get', 'pod', 'invalid-pod']).code, 1);
    const zero = c.kubectl(['patch', 'deployment', 'by-cli-132', '--type', 'merge', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}}}']);
    assert.equal(zero.code, 1);
    assert.match(zero.stderr, /The Deployment "by-cli-132" is invalid: spec\.strategy\.rollingUpdate\.maxUnavailable: Invalid value: intstr\.IntOrString\{Type:0, IntVal:0, StrVal:""\}: may not be 0 when `maxSurge` is 0/);
    const sel = c.kubectl(['patch', 'deployment', 'by-cli-132', '--type', 'merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    assert.equal(sel.code, 1);
    assert.match(sel.stderr, /spec\.selector: Invalid value: .*field is immutable/);
    const unknown = c.kubectl(['apply', '-f', '-'], { input: podYaml('strict-pod').replace('spec:\n', 'spec:\n  bogus: 1\n') });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /strict decoding error: unknown field "spec\.bogus"/);
  });

  test('stale update gets 409 Conflict', () => {
    const pod = JSON.parse(ok(c.kubectl(['get', 'pod', 'sample-pod', '-o', 'json'])));
    pod.metadata.labels.first = 'yes';
    ok(c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(pod) }));
    pod.metadata.labels.second = 'yes';
    const r = c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(pod) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Operation cannot be fulfilled on pods "sample-pod": the object has been modified; please apply your changes to the latest version and try again/);
  });

  test('server-side apply records managers and reports conflicts', () => {
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\ndata:\n  key: "${v}"\n`;
    assert.equal(ok(c.kubectl(['apply', '--server-side', '--field-manager', 'alice', '-f', '-'], { input: cm('a') })).trim(), 'configmap/ssa-cm serverside-applied');
    const r = c.kubectl(['apply', '--server-side', '--field-manager', 'bob', '-f', '-'], { input: cm('b') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /conflict with "alice"/);
    assert.match(r.stderr, /\.data\.key/);
    ok(c.kubectl(['apply', '--server-side', '--field-manager', 'bob', '--force-conflicts', '-f', '-'], { input: cm('b') }));
    const got = JSON.parse(ok(c.kubectl(['get', 'configmap', 'ssa-cm', '-o', 'json', '--show-managed-fields'])));
    assert.equal(got.data.key, 'b');
    assert.ok(got.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'bob' && m.operation === 'Apply'));
  });

  test('explain prints field documentation from OpenAPI', () => {
    const out = ok(c.kubectl(['explain', 'deployment.spec.strategy']));
    assert.match(out, /GROUP:\s+apps/);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /rollingUpdate\s+<RollingUpdateDeployment>/);
    assert.match(out, /type\s+<string>/);
  });

  test('get --watch prints new pods as they come', async () => {
    const watch = c.kubectlStream(['get', 'pods', '--watch']);
    try {
      // The current table comes first; then the new pod shows up as a row of its own.
      await eventually(() => /^sample-pod\s/m.test(watch.output()), 'the initial table of the watch');
      ok(c.kubectl(['apply', '-f', '-'], { input: podYaml('watched-pod') }));
      await eventually(() => /^watched-pod\s+0\/1\s+Pending\s+0\s+\S+$/m.test(watch.output()), 'the watched pod row');
      ok(c.kubectl(['label', 'pod', 'watched-pod', 'seen=yes']));
      await eventually(() => watch.output().match(/^watched-pod\s/gm)?.length === 2, 'a second row for the update');
    } finally {
      await watch.stop();
    }
  });

  test('delete removes the object and waits for it to be gone', () => {
    assert.equal(ok(c.kubectl(['delete', 'pod', 'apply-pod'])).trim(), 'pod "apply-pod" deleted');
    const r = c.kubectl(['get', 'pod', 'apply-pod']);
    assert.equal(r.code, 1);
    ok(c.kubectl(['delete', 'namespace', 'created-ns']));
    assert.equal(c.kubectl(['get', 'namespace', 'created-ns']).code, 1);
  });

  test('requests without the token get 401; health and version are open', async () => {
    const r = await rawRequest(c, 'GET', '/api/v1/namespaces/default/pods', { token: null });
    assert.equal(r.status, 401);
    assert.equal(r.json().reason, 'Unauthorized');
    assert.equal((await rawRequest(c, 'GET', '/api/v1/namespaces/default/pods', { token: 'wrong' })).status, 401);
    assert.equal((await rawRequest(c, 'GET', '/readyz', { token: null })).status, 200);
    assert.equal((await rawRequest(c, 'GET', '/livez', { token: null })).status, 200);
    assert.equal((await rawRequest(c, 'GET', '/version', { token: null })).json().minor, '32');
  });

  test('bad bodies: malformed JSON 400, over 3 MiB 413, nothing stored', async () => {
    const bad = await rawRequest(c, 'POST', '/api/v1/namespaces/default/configmaps', { body: '{"metadata": {"name": "x"' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().reason, 'BadRequest');
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const tooLarge = await rawRequest(c, 'POST', '/api/v1/namespaces/default/configmaps', { body: big });
    assert.equal(tooLarge.status, 413);
    assert.equal((await rawRequest(c, 'GET', '/api/v1/namespaces/default/configmaps/big')).status, 404);
    const policy = await rawRequest(c, 'DELETE', '/api/v1/namespaces/default/configmaps/cm1', { body: '{"propagationPolicy":"Sometimes"}' });
    assert.equal(policy.status, 422);
    assert.equal(policy.json().details.causes[0].field, 'propagationPolicy');
    assert.equal((await rawRequest(c, 'GET', '/api/v1/namespaces/default/configmaps/cm1')).status, 200);
    const pb = await rawRequest(c, 'POST', '/api/v1/namespaces/default/configmaps', { body: Buffer.from('k8s\u0000\u000a\u00ff'), headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
    assert.equal(pb.status, 400);
  });
});

describe('persistence and locking', () => {
  test('a restart on the same data dir brings everything back; a second up is refused', async () => {
    // No nodes, so that nothing but the user writes and resourceVersions stay put across the restart.
    const c = await startCluster({ args: ['--nodes', '0'] });
    try {
      ok(c.kubectl(['apply', '-f', join(EX, 'sample-deployment.yaml')]));
      ok(c.kubectl(['create', 'configmap', 'kept', '--from-literal', 'k=v']));
      const before = JSON.parse(ok(c.kubectl(['get', 'deployment', 'sample-deployment', '-o', 'json'])));
      const cmBefore = JSON.parse(ok(c.kubectl(['get', 'configmap', 'kept', '-o', 'json'])));
      const { spawnSync } = await import('node:child_process');
      const second = spawnSync(process.execPath, [join(ROOT, 'bin', 'k8ts.js'), 'up', '--data-dir', c.dataDir, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(second.status, 1);
      assert.match(second.stderr, /data dir .* is in use by another k8ts/);
      assert.equal(await c.stop('SIGTERM'), 0);
      const again = await startCluster({ dataDir: c.dataDir, args: ['--nodes', '0'] });
      try {
        const after = JSON.parse(ok(again.kubectl(['get', 'deployment', 'sample-deployment', '-o', 'json'])));
        assert.equal(after.metadata.uid, before.metadata.uid);
        assert.deepEqual(after.spec, before.spec);
        // Nothing but the user writes a ConfigMap: its resourceVersion is exactly what it was.
        const cmAfter = JSON.parse(ok(again.kubectl(['get', 'configmap', 'kept', '-o', 'json'])));
        assert.equal(cmAfter.metadata.resourceVersion, cmBefore.metadata.resourceVersion);
        assert.deepEqual(cmAfter.data, { k: 'v' });
        ok(again.kubectl(['label', 'configmap', 'kept', 'restarted=yes']));
        const relabeled = JSON.parse(ok(again.kubectl(['get', 'configmap', 'kept', '-o', 'json'])));
        assert.ok(BigInt(relabeled.metadata.resourceVersion) > BigInt(cmBefore.metadata.resourceVersion));
      } finally {
        await again.destroy();
      }
    } finally {
      await c.destroy();
    }
  });
});
