// Real kubectl (1.32 and 1.33) sends protobuf bodies for `kubectl create <subcommand>`. A tiny plain-HTTP server
// captures them, decodes them with decodeKubernetesProtobuf and answers 201 with the decoded JSON; the decoded
// object must equal what the same kubectl prints for the same command with `--dry-run=client -o json` (both come from
// the same Go struct: one through the protobuf marshaller, the other through encoding/json).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from '../../src/api/protobuf/decode.js';
import type { KObject } from '../../src/api/types.js';

const KUBECTL_132 = '/usr/bin/kubectl'; // gcloud dispatcher; runs itself (v1.32.4) when /version says minor 32
const KUBECTL_133 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

interface Captured {
  method: string;
  path: string;
  contentType: string;
  userAgent: string;
  body: Buffer;
  decoded?: KObject;
}

const resource = (name: string, kind: string, namespaced: boolean) => ({
  name,
  singularName: kind.toLowerCase(),
  namespaced,
  kind,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
});

const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ['apps', 'batch'].map((g) => ({
      name: g,
      versions: [{ groupVersion: `${g}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' },
    })),
  },
  '/api/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'v1',
    resources: [
      resource('namespaces', 'Namespace', false),
      resource('configmaps', 'ConfigMap', true),
      resource('secrets', 'Secret', true),
      resource('services', 'Service', true),
      resource('pods', 'Pod', true),
    ],
  },
  '/apis/apps/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: [resource('deployments', 'Deployment', true)] },
  '/apis/batch/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'batch/v1',
    resources: [resource('jobs', 'Job', true), resource('cronjobs', 'CronJob', true)],
  },
};

/** A mock API server: discovery, /version, POST (decode + echo 201) and GET of previously created objects. */
async function startServer(minor: string): Promise<{ url: string; captured: Captured[]; close: () => Promise<void> }> {
  const captured: Captured[] = [];
  const created = new Map<string, KObject>();
  let uid = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (path === '/version') {
        return send(200, {
          major: '1',
          minor,
          gitVersion: `v1.${minor}.4`,
          gitCommit: 'x',
          gitTreeState: 'clean',
          buildDate: '2025-04-22T16:02:27Z',
          goVersion: 'go1.23.6',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
      }
      if (DISCOVERY[path]) return send(200, DISCOVERY[path]);
      if (req.method === 'POST') {
        const c: Captured = { method: 'POST', path, contentType: String(req.headers['content-type'] ?? ''), userAgent: String(req.headers['user-agent'] ?? ''), body: Buffer.concat(chunks) };
        captured.push(c);
        try {
          const obj = decodeKubernetesProtobuf(c.body);
          c.decoded = obj;
          const stored = structuredClone(obj);
          stored.metadata.uid = `uid-${++uid}`;
          stored.metadata.namespace = /\/namespaces\/([^/]+)\//.exec(path)?.[1];
          created.set(`${path}/${obj.metadata.name}`, stored);
          return send(201, obj);
        } catch (e) {
          return send(400, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest', message: String((e as Error).message) });
        }
      }
      const obj = req.method === 'GET' ? created.get(path) : undefined;
      if (obj) return send(200, obj);
      send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: `${path} not found` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function kubectl(bin: string, server: string, cacheDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['--server', server, '--cache-dir', cacheDir, ...args],
      { timeout: 60_000, env: { ...process.env, KUBECONFIG: join(cacheDir, 'no-kubeconfig') } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const COMMANDS: { args: string[]; printed: string; post: string }[] = [
  { args: ['create', 'deployment', 'd1', '--image', 'nginx:1.16', '--replicas', '3', '--port', '80'], printed: 'deployment.apps/d1 created', post: '/apis/apps/v1/namespaces/default/deployments' },
  { args: ['create', 'job', 'j1', '--image', 'busybox', '--', 'sleep', '30'], printed: 'job.batch/j1 created', post: '/apis/batch/v1/namespaces/default/jobs' },
  {
    args: ['create', 'cronjob', 'c1', '--image', 'busybox', '--schedule', '*/1 * * * *', '--restart', 'Never'],
    printed: 'cronjob.batch/c1 created',
    post: '/apis/batch/v1/namespaces/default/cronjobs',
  },
  // Needs c1 from the previous command: kubectl GETs the CronJob and copies its job template.
  { args: ['create', 'job', 'j2', '--from', 'cronjob/c1'], printed: 'job.batch/j2 created', post: '/apis/batch/v1/namespaces/default/jobs' },
  { args: ['create', 'namespace', 'ns1'], printed: 'namespace/ns1 created', post: '/api/v1/namespaces' },
  { args: ['create', 'configmap', 'cm1', '--from-literal', 'a=b'], printed: 'configmap/cm1 created', post: '/api/v1/namespaces/default/configmaps' },
  { args: ['create', 'secret', 'generic', 's1', '--from-literal', 'a=b'], printed: 'secret/s1 created', post: '/api/v1/namespaces/default/secrets' },
  { args: ['create', 'service', 'clusterip', 'svc1', '--tcp', '80:8080'], printed: 'service/svc1 created', post: '/api/v1/namespaces/default/services' },
];

for (const [bin, minor] of [
  [KUBECTL_132, '32'],
  [KUBECTL_133, '33'],
] as const) {
  test(`kubectl 1.${minor} create sends protobuf that decodes to exactly its --dry-run=client -o json object`, { skip: !existsSync(bin) && `${bin} not installed`, timeout: 240_000 }, async () => {
    const srv = await startServer(minor);
    const cacheDir = mkdtempSync(join(tmpdir(), 'k8ts-pb-kubectl-'));
    try {
      for (const cmd of COMMANDS) {
        const label = `kubectl 1.${minor} ${cmd.args.join(' ')}`;
        const before = srv.captured.length;
        const run = await kubectl(bin, srv.url, cacheDir, cmd.args);
        assert.equal(run.code, 0, `${label}: exit ${run.code}\n${run.stderr}`);
        assert.equal(run.stdout.trim(), cmd.printed, label);
        const posts = srv.captured.slice(before);
        assert.equal(posts.length, 1, `${label}: expected one POST, got ${posts.length}`);
        const post = posts[0];
        assert.equal(post.path, cmd.post, label);
        assert.match(post.userAgent, new RegExp(`/v1\\.${minor}\\.`), `${label}: ran the wrong kubectl (${post.userAgent})`);
        assert.equal(post.contentType, PROTOBUF_MEDIA_TYPE, `${label}: body was not protobuf`);
        assert.equal(post.body.subarray(0, 4).toString('latin1'), 'k8s\0', label);
        assert.ok(post.decoded, `${label}: body did not decode`);

        // Flags go before the subcommand's arguments: anything after `--` is the container command.
        const dry = await kubectl(bin, srv.url, cacheDir, ['create', '--dry-run=client', '-o', 'json', ...cmd.args.slice(1)]);
        assert.equal(dry.code, 0, `${label} --dry-run: exit ${dry.code}\n${dry.stderr}`);
        assert.equal(srv.captured.length, before + 1, `${label}: dry-run must not POST`);
        // No normalisation needed: kubectl prints the dry-run object with the same Go struct and encoding/json, so
        // even the key order matches (map keys sorted, struct fields in declaration order).
        assert.equal(JSON.stringify(post.decoded), JSON.stringify(JSON.parse(dry.stdout)), label);
      }
      // Spot-check the facts the server relies on, beyond "equal to dry-run".
      const byName = new Map(srv.captured.map((c) => [c.decoded!.metadata.name, c.decoded!]));
      const d1 = byName.get('d1')!;
      assert.equal(d1.spec.replicas, 3);
      assert.deepEqual(d1.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:1.16', ports: [{ containerPort: 80 }], resources: {} }]);
      assert.equal(d1.metadata.creationTimestamp, null);
      const j2 = byName.get('j2')!;
      assert.deepEqual(j2.metadata.annotations, { 'cronjob.kubernetes.io/instantiate': 'manual' });
      assert.deepEqual(j2.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'c1', uid: 'uid-3', controller: true }]);
      assert.equal(byName.get('c1')!.spec.schedule, '*/1 * * * *');
      assert.deepEqual(byName.get('s1')!.data, { a: Buffer.from('b').toString('base64') });
      assert.deepEqual(byName.get('svc1')!.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    } finally {
      await srv.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
}
