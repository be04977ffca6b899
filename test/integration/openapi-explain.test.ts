// End to end: real kubectl against a tiny plain-HTTP server that serves discovery and the
// /openapi/v3 documents built by src/openapi/document.ts. Checks that `kubectl explain` prints
// the field docs, and that `kubectl create -f` (validation on by default) detects server-side
// field validation from the GV document: it sends fieldValidation=Strict and never asks for
// /openapi/v2.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KindDef } from '../../src/kinds/types.js';
import { buildGroupVersionDocument, buildOpenApiIndex, documentHash, type GroupVersion } from '../../src/openapi/document.js';

const KUBECTL = '/usr/bin/kubectl';

const scale = { specReplicas: () => 1, setSpecReplicas: () => {}, statusReplicas: () => 1, selector: () => '' };
const KINDS: KindDef[] = [
  { group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true, status: {} },
  {
    group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments',
    singular: 'deployment', namespaced: true, shortNames: ['deploy'], status: {}, scale,
  },
];

interface Recorded {
  method: string;
  url: string;
}

let server: Server;
let base: string;
let cacheRoot: string;
const requests: Recorded[] = [];
const docs = new Map<string, { text: string; hash: string }>();

function gvKey(gv: GroupVersion): string {
  return `${gv.group}/${gv.version}`;
}

function resourceList(gv: GroupVersion): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version,
    resources: KINDS.filter((k) => k.group === gv.group && k.version === gv.version).map((k) => ({
      name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: k.shortNames,
    })),
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  if (path === '/version') {
    return send(res, 200, {
      major: '1', minor: '32', gitVersion: 'v1.32.4', gitCommit: '0000000', gitTreeState: 'clean',
      buildDate: '2025-04-22T16:02:27Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64',
    });
  }
  if (path === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (path === '/apis') {
    return send(res, 200, {
      kind: 'APIGroupList', apiVersion: 'v1',
      groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
    });
  }
  if (path === '/api/v1') return send(res, 200, resourceList({ group: '', version: 'v1' }));
  if (path === '/apis/apps/v1') return send(res, 200, resourceList({ group: 'apps', version: 'v1' }));
  if (path === '/openapi/v3') {
    const gvs = [{ group: '', version: 'v1' }, { group: 'apps', version: 'v1' }];
    return send(res, 200, buildOpenApiIndex(gvs, (gv) => docs.get(gvKey(gv))!.hash));
  }
  if (path === '/openapi/v3/api/v1') return send(res, 200, docs.get('/v1')!.text);
  if (path === '/openapi/v3/apis/apps/v1') return send(res, 200, docs.get('apps/v1')!.text);
  if (req.method === 'POST' && path === '/apis/apps/v1/namespaces/default/deployments') {
    const obj = JSON.parse(body) as { metadata: Record<string, unknown> };
    obj.metadata = { ...obj.metadata, namespace: 'default', uid: '6c7d1c35-0000-4000-8000-000000000001', resourceVersion: '1' };
    return send(res, 201, obj);
  }
  send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
}

before(async () => {
  for (const gv of [{ group: '', version: 'v1' }, { group: 'apps', version: 'v1' }]) {
    const kinds = KINDS.filter((k) => k.group === gv.group && k.version === gv.version);
    const text = JSON.stringify(buildGroupVersionDocument(gv.group, gv.version, kinds));
    docs.set(gvKey(gv), { text, hash: documentHash(text) });
  }
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '' });
      handle(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cacheRoot = mkdtempSync(join(tmpdir(), 'k8ts-openapi-test-'));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(cacheRoot, { recursive: true, force: true });
});

/** Runs kubectl with a fresh cache dir and no kubeconfig; resolves with its exit code and output. */
function kubectl(args: string[], name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cacheDir = join(cacheRoot, name);
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--server', base, '--cache-dir', cacheDir, ...args], {
      env: { ...process.env, KUBECONFIG: join(cacheRoot, 'no-kubeconfig') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('kubectl explain prints field docs from the served OpenAPI v3 document', async () => {
  const r = await kubectl(['explain', 'deployment.spec.strategy'], 'explain');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIND:\s+Deployment/);
  assert.match(r.stdout, /FIELD:\s+strategy <DeploymentStrategy>/);
  assert.match(r.stdout, /The deployment strategy to use to replace existing pods with new ones\./);
  assert.match(r.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
  assert.match(r.stdout, /type\s+<string>/);
  assert.match(r.stdout, /Rolling update config params\./);
  const hash = docs.get('apps/v1')!.hash;
  // kubectl fetches the serverRelativeURL from the index (explain appends `&timeout=32s`).
  assert.ok(requests.some((q) => q.url.startsWith(`/openapi/v3/apis/apps/v1?hash=${hash}`)), JSON.stringify(requests));
});

test('kubectl explain descends through arrays and maps (pod containers, resources)', async () => {
  const r = await kubectl(['explain', 'pods.spec.containers.resources.limits'], 'explain-pod');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /FIELD:\s+limits <map\[string\]Quantity>/);
  assert.match(r.stdout, /Limits describes the maximum amount of compute resources allowed\./);
});

test('kubectl create -f detects server-side field validation and sends fieldValidation=Strict', async () => {
  const dir = mkdtempSync(join(cacheRoot, 'manifest-'));
  const file = join(dir, 'deploy.yaml');
  writeFileSync(file, [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:',
    '  selector: {matchLabels: {app: web}}', '  template:', '    metadata: {labels: {app: web}}',
    '    spec:', '      containers: [{name: web, image: nginx}]', '',
  ].join('\n'));
  const before = requests.length;
  const r = await kubectl(['create', '-f', file, '-n', 'default'], 'create');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deployment\.apps\/web created/);
  const seen = requests.slice(before);
  const post = seen.find((q) => q.method === 'POST');
  assert.ok(post, `no POST among ${JSON.stringify(seen)}`);
  assert.match(post.url, /[?&]fieldValidation=Strict(&|$)/);
  assert.ok(seen.some((q) => q.url.startsWith('/openapi/v3/apis/apps/v1?hash=')), 'kubectl read the apps/v1 document');
  assert.ok(!seen.some((q) => q.url.startsWith('/openapi/v2')), `kubectl fell back to /openapi/v2: ${JSON.stringify(seen)}`);
});
