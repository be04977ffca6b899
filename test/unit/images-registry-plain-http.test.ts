// Plain HTTP to a registry only when it is a loopback one or listed with --insecure-registry;
// HTTPS only for every other registry. Checked against real HTTP servers.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { mayUsePlainHttp, RegistryClient } from '../../src/images/registry-client.js';

test('the rule: loopback registries and listed ones only', () => {
  for (const r of ['localhost:5000', 'localhost', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.equal(mayUsePlainHttp(r), true, r);
  for (const r of ['docker.io', 'quay.io', 'registry.local:5000', '10.0.0.5:5000', 'localhost.example.com:5000', '127.0.0.1.nip.io:5000', '128.0.0.1:5000']) {
    assert.equal(mayUsePlainHttp(r), false, r);
  }
  assert.equal(mayUsePlainHttp('registry.local:5000', ['registry.local:5000']), true);
  assert.equal(mayUsePlainHttp('10.0.0.5:5000', ['registry.local:5000', '10.0.0.5:5000']), true);
  // host:port as in the reference: another port of a listed host is not listed.
  assert.equal(mayUsePlainHttp('registry.local:5001', ['registry.local:5000']), false);
  assert.equal(mayUsePlainHttp('registry.local:5000', ['registry.local']), false);
});

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + '0'.repeat(64), size: 2 }, layers: [] });

async function plainRegistry(host: string): Promise<{ server: Server; registry: string; requests: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
    res.end(MANIFEST);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, registry: `${host}:${(server.address() as AddressInfo).port}`, requests: () => n };
}

test('a plain-HTTP registry on loopback is used', async () => {
  const reg = await plainRegistry('127.0.0.1');
  try {
    const m = await new RegistryClient(reg.registry, 'lib/x', { requestTimeoutMs: 5000 }).getManifest('v1');
    assert.equal(m.body.toString(), MANIFEST);
  } finally {
    reg.server.close();
  }
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

test('a plain-HTTP registry elsewhere: HTTPS only unless --insecure-registry lists it', { skip: external ? undefined : 'no non-loopback IPv4 address on this machine' }, async () => {
  const reg = await plainRegistry(external!);
  try {
    await assert.rejects(new RegistryClient(reg.registry, 'lib/x', { requestTimeoutMs: 5000 }).getManifest('v1'), /failed to do request: Get "https:\/\//);
    assert.equal(reg.requests(), 0, 'no plain HTTP request was sent');
    const m = await new RegistryClient(reg.registry, 'lib/x', { insecureRegistries: [reg.registry], requestTimeoutMs: 5000 }).getManifest('v1');
    assert.equal(m.body.toString(), MANIFEST);
    assert.equal(reg.requests(), 1);
  } finally {
    reg.server.close();
  }
});
