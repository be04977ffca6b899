// kubectl 1.27 and 1.28 against `k8ts up`. Both build their client-side validator and `explain`
// from /openapi/v2 (gnostic protobuf) before anything else, so without it apply/create/explain
// fail. They decide whether the server validates fields from /openapi/v3 first and fall back to
// the v2 document when v3 is not found; a proxy that hides /openapi/v3 exercises that v2 path.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, KUBECTL, kubectlVersion, ok, rawRequest, startCluster, type Cluster } from './harness.js';

/** An HTTPS proxy to the cluster (same certificate) answering /openapi/v3 with upstream's 404. */
async function startV3HidingProxy(c: Cluster): Promise<{ url: string; close(): Promise<void> }> {
  const pki = join(c.dataDir, 'pki');
  const ca = readFileSync(join(pki, 'ca.crt'));
  const upstream = new URL(c.server);
  const server = https.createServer({ key: readFileSync(join(pki, 'apiserver.key')), cert: readFileSync(join(pki, 'apiserver.crt')) }, (req, res) => {
    if ((req.url ?? '').startsWith('/openapi/v3')) {
      const body = JSON.stringify({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource',
        reason: 'NotFound', details: { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] }, code: 404,
      });
      res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    const forward = https.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, ca }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const pod = (name: string, extra = '', specExtra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: old-kubectl${extra}
spec:${specExtra}
  containers:
    - name: c
      image: nginx:1.16
`;

describe('old kubectl versions (OpenAPI v2)', () => {
  let c: Cluster;
  let proxy: { url: string; close(): Promise<void> };
  before(async () => {
    c = await startCluster();
    proxy = await startV3HidingProxy(c);
  });
  after(async () => {
    await proxy?.close();
    await c?.destroy();
  });

  test('/openapi/v2 answers protobuf, JSON, 304 and 406 as upstream', async () => {
    const pb = await rawRequest(c, 'GET', '/openapi/v2', { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.match(String(pb.headers.etag), /^"[0-9A-F]{128}"$/);
    const again = await rawRequest(c, 'GET', '/openapi/v2', {
      headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'If-None-Match': String(pb.headers.etag) },
    });
    assert.equal(again.status, 304);
    const json = await rawRequest(c, 'GET', '/openapi/v2', { headers: { Accept: 'application/json' } });
    assert.equal(json.status, 200);
    const doc = json.json();
    assert.equal(doc.swagger, '2.0');
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' });
    assert.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
    const none = await rawRequest(c, 'GET', '/openapi/v2', { headers: { Accept: 'text/html' } });
    assert.equal(none.status, 406);
  });

  for (const minor of [27, 28]) {
    const binary = kubectlVersion(minor);
    const run = (args: string[], input?: string) => c.kubectl(args, { binary, input });

    test(`kubectl 1.${minor}: apply creates, configures, then leaves unchanged`, () => {
      const name = `apply-${minor}`;
      assert.equal(ok(run(['apply', '-f', '-'], pod(name))).trim(), `pod/${name} created`);
      assert.equal(ok(run(['apply', '-f', '-'], pod(name, '\n    tier: web'))).trim(), `pod/${name} configured`);
      assert.equal(ok(run(['apply', '-f', '-'], pod(name, '\n    tier: web'))).trim(), `pod/${name} unchanged`);
      const got = JSON.parse(ok(run(['get', 'pod', name, '-o', 'json'])));
      assert.equal(got.metadata.labels.tier, 'web');
    });

    test(`kubectl 1.${minor}: create -f, get pods`, () => {
      const name = `create-${minor}`;
      assert.equal(ok(run(['create', '-f', '-'], pod(name))).trim(), `pod/${name} created`);
      const again = run(['create', '-f', '-'], pod(name));
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`Error from server \\(AlreadyExists\\): error when creating "STDIN": pods "${name}" already exists`));
      const table = ok(run(['get', 'pods']));
      assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.match(table, new RegExp(`^${name}\\s+[01]/1\\s+\\w+\\s+\\d+\\s+\\d+s$`, 'm'));
    });

    test(`kubectl 1.${minor}: the server validates fields strictly (fieldValidation=Strict was sent)`, () => {
      for (const verb of ['apply', 'create']) {
        const r = run([verb, '-f', '-'], pod(`bogus-${verb}-${minor}`, '', '\n  bogus: 1'));
        assert.equal(r.code, 1, r.stdout);
        // A client-side check would say `unknown field "bogus" in io.k8s.api.core.v1.PodSpec` instead.
        assert.match(r.stderr, /Error from server \(BadRequest\): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.bogus"/);
      }
    });

    test(`kubectl 1.${minor}: explain deployment.spec.strategy`, () => {
      const out = ok(run(['explain', 'deployment.spec.strategy']));
      assert.match(out, /^KIND:\s+Deployment$/m);
      assert.match(out, /The deployment strategy to use to replace existing pods with new ones\./);
      assert.match(out, /^\s+rollingUpdate\s+<\w+>$/m);
      assert.match(out, /^\s+type\s+<string>$/m);
      // The OpenAPI v2 rendering reads the protobuf document's definitions alone.
      const v2 = ok(run(['explain', 'deployment.spec.strategy', '--output', 'plaintext-openapiv2']));
      assert.match(v2, /^RESOURCE: strategy <Object>$/m);
      assert.match(v2, /DeploymentStrategy describes how to replace existing pods with new ones\./);
      assert.match(v2, /^\s+rollingUpdate\s+<Object>\n\s+Rolling update config params\./m);
    });
  }

  for (const minor of [27, 28]) {
    test(`kubectl 1.${minor} with /openapi/v3 hidden: v2 alone drives Strict validation, apply patches and explain`, async () => {
      // Async: the proxy runs in this process, so kubectl must not block the event loop.
      const run = (args: string[], input?: string) => c.kubectlAsync(['--server', proxy.url, ...args], { binary: kubectlVersion(minor), input });
      const name = `v2only-${minor}`;
      assert.equal(ok(await run(['apply', '-f', '-'], pod(name))).trim(), `pod/${name} created`);
      assert.equal(ok(await run(['apply', '-f', '-'], pod(name, '\n    tier: web'))).trim(), `pod/${name} configured`);
      assert.equal(ok(await run(['apply', '-f', '-'], pod(name, '\n    tier: web'))).trim(), `pod/${name} unchanged`);
      assert.equal(JSON.parse(ok(await run(['get', 'pod', name, '-o', 'json']))).metadata.labels.tier, 'web');
      const bad = await run(['apply', '-f', '-'], pod(`v2only-bogus-${minor}`, '', '\n  bogus: 1'));
      assert.equal(bad.code, 1, bad.stdout);
      assert.match(bad.stderr, /Error from server \(BadRequest\): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.bogus"/);
      const explain = ok(await run(['explain', 'deployment.spec.strategy']));
      assert.match(explain, /^RESOURCE: strategy <Object>$/m);
      assert.match(explain, /^\s+type\s+<string>\n\s+Type of deployment\./m);
    });
  }

  test('kubectl 1.27: a List is validated on the client with the v2 schemas', () => {
    const list = (extra: string) => `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: list-cm}
  data: {a: "1"}
- apiVersion: v1
  kind: Pod
  metadata: {name: list-pod}
  spec:
    containers: [{name: c, image: nginx, ports: [{containerPort: 80${extra}}]}]
`;
    const bad = c.kubectl(['apply', '-f', '-'], { binary: kubectlVersion(27), input: list(', bogus: 1') });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ValidationError\(Pod\.spec\.containers\[0\]\.ports\[0\]\): unknown field "bogus" in io\.k8s\.api\.core\.v1\.ContainerPort/);
    const good = ok(c.kubectl(['apply', '-f', '-'], { binary: kubectlVersion(27), input: list('') }));
    assert.match(good, /^configmap\/list-cm created$/m);
    assert.match(good, /^pod\/list-pod created$/m);
  });

  test('kubectl 1.27 and 1.29 exec over SPDY/3.1 (sim runtime); port-forward to a sim pod is refused with the reason', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: pod('spdy-sim') }));
    await eventually(() => JSON.parse(ok(c.kubectl(['get', 'pod', 'spdy-sim', '-o', 'json']))).status.phase === 'Running', 'spdy-sim Running');
    for (const minor of [27, 29]) {
      const binary = kubectlVersion(minor);
      assert.equal(ok(c.kubectl(['exec', 'spdy-sim', '--', 'echo', 'hello', 'spdy'], { binary })), 'hello spdy\n');
      const fail = c.kubectl(['exec', 'spdy-sim', '--', 'sh', '-c', 'exit 4'], { binary });
      assert.equal(fail.code, 4, fail.stderr);
      assert.match(fail.stderr, /command terminated with exit code 4/);
    }
    for (const binary of [kubectlVersion(27), KUBECTL]) {
      const pf = c.kubectl(['port-forward', 'pod/spdy-sim', '0:80'], { binary, timeoutMs: 30_000 });
      assert.equal(pf.code, 1);
      assert.match(pf.stderr, /pod spdy-sim runs on the sim runtime, whose containers are simulated and listen on no ports: port-forward needs the process or runc runtime/);
    }
  });
});
