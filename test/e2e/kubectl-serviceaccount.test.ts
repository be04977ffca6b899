// Real kubectl against a real `k8ts up`: ServiceAccounts as a user sees them (the default
// account in every namespace, kube-root-ca.crt, and ServiceAccount admission for pods).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster, eventually, ok, type Cluster } from './harness.js';

describe('ServiceAccounts with kubectl', () => {
  let c: Cluster;
  before(async () => {
    // No nodes: pods stay Pending, which is all these tests need.
    c = await startCluster({ args: ['--nodes', '0'] });
  });
  after(async () => {
    await c?.destroy();
  });

  test('kubectl get sa: default in every system namespace', async () => {
    const out = await eventually(() => {
      const r = c.kubectl(['get', 'sa', '-A', '--no-headers']);
      const namespaces = r.stdout
        .split('\n')
        .filter((l) => /^\S+\s+default\s+0\s+/.test(l))
        .map((l) => l.split(/\s+/)[0]);
      return ['default', 'kube-system', 'kube-public', 'kube-node-lease'].every((ns) => namespaces.includes(ns)) ? r.stdout : '';
    }, 'default ServiceAccounts');
    assert.doesNotMatch(out, /kube-api-access/);
    const header = ok(c.kubectl(['get', 'sa'])).split('\n')[0];
    assert.match(header, /^NAME\s+SECRETS\s+AGE$/);
  });

  test('kubectl get cm kube-root-ca.crt -o yaml shows the cluster CA', async () => {
    const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt'), 'utf8');
    const cm = await eventually(() => {
      const r = c.kubectl(['get', 'cm', 'kube-root-ca.crt', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 'kube-root-ca.crt in default');
    assert.deepEqual(cm.data, { 'ca.crt': ca });
    assert.match(cm.metadata.annotations['kubernetes.io/description'], /^Contains a CA bundle that can be used to verify the kube-apiserver/);
    const yaml = ok(c.kubectl(['get', 'cm', 'kube-root-ca.crt', '-o', 'yaml']));
    assert.match(yaml, /-----BEGIN CERTIFICATE-----/);
  });

  test('create namespace, then run in it at once: the pod runs as default', () => {
    ok(c.kubectl(['create', 'namespace', 'sa-fresh']));
    assert.equal(ok(c.kubectl(['run', '-n', 'sa-fresh', 'p', '--image=busybox', '--', 'sleep', '1000'])).trim(), 'pod/p created');
    const spec = JSON.parse(ok(c.kubectl(['get', 'pod', '-n', 'sa-fresh', 'p', '-o', 'jsonpath={.spec}'])));
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.volumes, undefined, 'no kube-api-access token volume');
    assert.equal(ok(c.kubectl(['get', 'sa', 'default', '-n', 'sa-fresh', '-o', 'name'])).trim(), 'serviceaccount/default');
  });

  test('a pod naming a missing ServiceAccount is forbidden with the upstream message', async () => {
    await eventually(() => c.kubectl(['get', 'sa', 'default']).code === 0, 'default ServiceAccount');
    const r = c.kubectl(['run', 'x', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"missing"}}']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "x" is forbidden: error looking up service account default/missing: serviceaccount "missing" not found');
  });

  test('kubectl create sa, with imagePullSecrets the pod inherits', () => {
    assert.equal(ok(c.kubectl(['create', 'sa', 'builder'])).trim(), 'serviceaccount/builder created');
    ok(c.kubectl(['patch', 'sa', 'builder', '-p', '{"imagePullSecrets":[{"name":"regcred"}]}']));
    ok(c.kubectl(['run', 'b', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"builder"}}', '--', 'sleep', '1000']));
    const spec = JSON.parse(ok(c.kubectl(['get', 'pod', 'b', '-o', 'jsonpath={.spec}'])));
    assert.equal(spec.serviceAccountName, 'builder');
    assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
    // No TokenRequest in k8ts.
    const token = c.kubectl(['create', 'token', 'builder']);
    assert.notEqual(token.code, 0);
    assert.match(token.stderr, /the server could not find the requested resource/);
  });

  test("a Deployment's pods run as default; its template does not change", async () => {
    ok(c.kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=2', '--', 'sleep', '1000']));
    const accounts = await eventually(() => {
      const names = ok(c.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.serviceAccountName}'])).trim().split(/\s+/).filter(Boolean);
      return names.length === 2 ? names : undefined;
    }, '2 pods of web');
    assert.deepEqual(accounts, ['default', 'default']);
    const template = JSON.parse(ok(c.kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec}'])));
    assert.equal(template.serviceAccountName, undefined);
  });

  test('a deleted default ServiceAccount and kube-root-ca.crt come back', async () => {
    ok(c.kubectl(['create', 'namespace', 'sa-restore']));
    await eventually(() => c.kubectl(['get', 'sa', 'default', '-n', 'sa-restore']).code === 0 && c.kubectl(['get', 'cm', 'kube-root-ca.crt', '-n', 'sa-restore']).code === 0, 'default and kube-root-ca.crt in sa-restore');
    const uid = (kind: string, name: string) => c.kubectl(['get', kind, name, '-n', 'sa-restore', '-o', 'jsonpath={.metadata.uid}']).stdout;
    const saUid = uid('sa', 'default');
    const cmUid = uid('cm', 'kube-root-ca.crt');
    ok(c.kubectl(['delete', 'sa', 'default', '-n', 'sa-restore']));
    ok(c.kubectl(['delete', 'cm', 'kube-root-ca.crt', '-n', 'sa-restore']));
    await eventually(() => {
      const s = uid('sa', 'default');
      const m = uid('cm', 'kube-root-ca.crt');
      return s && m && s !== saUid && m !== cmUid;
    }, 'a new default ServiceAccount and kube-root-ca.crt');
  });
});
