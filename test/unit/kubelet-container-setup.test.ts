// The pure parts of giving a container what its spec asks for: $(VAR) expansion, env with
// valueFrom (downward API, ConfigMaps, Secrets) and upstream's error words, volume files
// (configMap items, secrets, downward API), the API server's container choice for logs and
// exec, and the timestamp format of `kubectl logs --timestamps`.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KObject } from '../../src/api/types.js';
import { chooseContainer } from '../../src/apiserver/pod-streams.js';
import { containerEnvironment, expandVars } from '../../src/kubelet/container-env.js';
import { PodVolumes } from '../../src/kubelet/pod-volumes.js';
import { rfc3339Nano } from '../../src/kubelet/server/log-handler.js';

const pod: KObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
  spec: { nodeName: 'node-a', containers: [{ name: 'main' }, { name: 'side' }], initContainers: [{ name: 'init' }] },
};
const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { mode: 'fast', 'a.conf': 'x=1\n' } };
const secret: KObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pw', namespace: 'shop' }, data: { password: Buffer.from('s3cret').toString('base64') } };
const sources = {
  configMap: async (_ns: string, n: string) => (n === 'cfg' ? cm : undefined),
  secret: async (_ns: string, n: string) => (n === 'pw' ? secret : undefined),
};
const facts = { pod, podIP: '10.244.1.7', hostIP: '192.168.1.5' };

test('expandVars: $(VAR) from defined variables, $$ escapes, unknown references stay', () => {
  const vars = new Map([['A', 'one']]);
  assert.equal(expandVars('$(A)-$(B)-$$(A)-$A', vars), 'one-$(B)-$(A)-$A');
});

test('env: literal values, downward API fields, ConfigMap and Secret keys, envFrom with prefix; command expands', async () => {
  const r = await containerEnvironment(
    {
      name: 'main',
      command: ['echo', '$(POD)'],
      args: ['$(MODE)'],
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'pw', key: 'password' } } },
        { name: 'URL', value: 'http://$(IP):80' },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
      ],
    },
    facts,
    sources,
  );
  const env = Object.fromEntries(r.env.map((e) => [e.name, e.value]));
  assert.deepEqual(env, {
    CFG_mode: 'fast',
    'CFG_a.conf': 'x=1\n',
    POD: 'web-0',
    NS: 'shop',
    IP: '10.244.1.7',
    HOST: '192.168.1.5',
    NODE: 'node-a',
    UID: 'u-1',
    APP: 'web',
    MODE: 'fast',
    PASSWORD: 's3cret',
    URL: 'http://10.244.1.7:80',
  });
  assert.deepEqual([r.command, r.args], [['echo', 'web-0'], ['fast']]);
});

test('env: a missing ConfigMap, key or Secret fails with the kubelet\'s words', async () => {
  const fail = (env: object[]) => containerEnvironment({ name: 'main', env }, facts, sources);
  await assert.rejects(fail([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }]), /^ContainerConfigError: configmap "nope" not found$/);
  await assert.rejects(fail([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }]), /couldn't find key k in ConfigMap shop\/cfg/);
  await assert.rejects(fail([{ name: 'X', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }]), /secret "other" not found/);
});

test('volumes: emptyDir, configMap items with modes, secret files, downward API files; read-only where Kubernetes mounts them so', async () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-volumes-'));
  try {
    const vols = new PodVolumes(root, { ...sources, claim: async () => undefined, volume: async () => undefined });
    const p: KObject = {
      ...pod,
      spec: {
        ...pod.spec,
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a.conf', path: 'conf/app.conf', mode: 0o600 }] } },
          { name: 'pw', secret: { secretName: 'pw' } },
          { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'claim', persistentVolumeClaim: { claimName: 'missing' } },
        ],
      },
    };
    const mounts = await vols.mountsFor({ ...facts, pod: p }, {
      name: 'main',
      volumeMounts: [
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'cfg', mountPath: '/etc/app' },
        { name: 'pw', mountPath: '/run/pw' },
        { name: 'info', mountPath: '/etc/info' },
      ],
    });
    assert.deepEqual(mounts.map((m) => [m.containerPath, m.readOnly]), [['/scratch', false], ['/etc/app', true], ['/run/pw', true], ['/etc/info', true]]);
    assert.ok(existsSync(mounts[0].hostPath));
    assert.equal(readFileSync(join(mounts[1].hostPath, 'conf/app.conf'), 'utf8'), 'x=1\n');
    assert.equal(statSync(join(mounts[1].hostPath, 'conf/app.conf')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(mounts[2].hostPath, 'password'), 'utf8'), 's3cret');
    assert.equal(readFileSync(join(mounts[3].hostPath, 'name'), 'utf8'), 'web-0');
    assert.equal(readFileSync(join(mounts[3].hostPath, 'labels'), 'utf8'), 'app="web"');
    await assert.rejects(vols.mountsFor({ ...facts, pod: p }, { name: 'main', volumeMounts: [{ name: 'claim', mountPath: '/data' }] }), /persistentvolumeclaim "missing" not found/);
    await vols.cleanup('u-1');
    assert.equal(existsSync(vols.podDir('u-1')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('chooseContainer: the only container, or the named one, else upstream\'s 400 messages', () => {
  const single: KObject = { ...pod, spec: { containers: [{ name: 'only' }] } };
  assert.equal(chooseContainer(single, ''), 'only');
  assert.equal(chooseContainer(pod, 'init'), 'init');
  assert.throws(() => chooseContainer(pod, ''), /^ApiError: a container name must be specified for pod web-0, choose one of: \[main side\] or one of the init containers: \[init\]$/);
  assert.throws(() => chooseContainer(pod, 'nope'), (e: unknown) => (e as { code: number }).code === 400 && /^container nope is not valid for pod web-0$/.test((e as Error).message));
});

test('log timestamps print as Go\'s RFC3339Nano (trailing zeros dropped)', () => {
  const at = (timestamp: string) => rfc3339Nano({ time: new Date(timestamp), timestamp, stream: 'stdout', line: '' });
  assert.equal(at('2026-01-02T03:04:05.123456789Z'), '2026-01-02T03:04:05.123456789Z');
  assert.equal(at('2026-01-02T03:04:05.120000000Z'), '2026-01-02T03:04:05.12Z');
  assert.equal(at('2026-01-02T03:04:05.000000000Z'), '2026-01-02T03:04:05Z');
});
