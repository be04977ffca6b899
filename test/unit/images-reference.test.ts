import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalName, familiarName, InvalidImageNameError, parseReference, registryHost } from '../../src/images/reference.js';
import { parseChallenges, credentialsFromDockerConfigs } from '../../src/images/registry-auth.js';
import { hostPlatform, selectPlatform, type ImageIndex } from '../../src/images/manifest.js';

const D = 'sha256:' + 'ab'.repeat(32);

test('image references: Docker Hub defaults, registries, tags and digests', () => {
  const cases: [string, string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['me/app', 'docker.io/me/app:latest', 'me/app:latest'],
    ['docker.io/nginx:1.16', 'docker.io/library/nginx:1.16', 'nginx:1.16'],
    ['index.docker.io/library/redis', 'docker.io/library/redis:latest', 'redis:latest'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['127.0.0.1:5000/probe/busybox:2.0', '127.0.0.1:5000/probe/busybox:2.0', '127.0.0.1:5000/probe/busybox:2.0'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['quay.io/a/b/c:v1.2_x-y', 'quay.io/a/b/c:v1.2_x-y', 'quay.io/a/b/c:v1.2_x-y'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`, `busybox@${D}`],
    ['[::1]:5000/x', '[::1]:5000/x:latest', '[::1]:5000/x:latest'],
  ];
  for (const [input, canonical, familiar] of cases) {
    const r = parseReference(input);
    assert.equal(canonicalName(r), canonical, input);
    assert.equal(familiarName(r), familiar, input);
  }
  assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
  assert.equal(parseReference(`busybox:1.36@${D}`).tag, '1.36');
  assert.equal(parseReference(`busybox:1.36@${D}`).digest, D);
});

test('image references: invalid names give the kubelet\'s InvalidImageName messages', () => {
  const bad: [string, RegExp][] = [
    ['Busybox', /couldn't parse image reference "Busybox": invalid reference format: repository name \(library\/Busybox\) must be lowercase/],
    ['busybox:', /invalid reference format$/],
    ['bad name', /invalid reference format/],
    ['', /invalid reference format|at least one component/],
    ['a'.repeat(64).replace(/a/g, 'f'), /cannot specify 64-byte hexadecimal strings/],
    ['busybox@sha256:abc', /invalid reference format/],
    [`busybox@sha256:${'AB'.repeat(32)}`, /invalid checksum digest format/],
    ['x/' + 'a'.repeat(260), /must not be more than 255 characters/],
  ];
  for (const [input, re] of bad) {
    assert.throws(() => parseReference(input), (e: unknown) => e instanceof InvalidImageNameError && re.test(e.message), input);
  }
  const e = (() => {
    try {
      parseReference('Foo');
    } catch (err) {
      return err as InvalidImageNameError;
    }
  })()!;
  assert.equal(e.reason, 'InvalidImageName');
  assert.match(e.kubeletMessage, /^Failed to apply default image tag "Foo": couldn't parse image name "Foo": invalid reference format: repository name \(library\/Foo\) must be lowercase$/);
});

test('WWW-Authenticate challenges and docker config credentials', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  const cfg = { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('me:secret').toString('base64') }, 'ghcr.io': { username: 'u', password: 'p' } } };
  assert.deepEqual(credentialsFromDockerConfigs('docker.io', [cfg]), { username: 'me', password: 'secret' });
  assert.deepEqual(credentialsFromDockerConfigs('ghcr.io', [cfg]), { username: 'u', password: 'p' });
  assert.equal(credentialsFromDockerConfigs('quay.io', [cfg]), undefined);
  // .dockercfg: the map without "auths".
  assert.deepEqual(credentialsFromDockerConfigs('quay.io', [{ 'quay.io': { auth: Buffer.from('q:w').toString('base64') } }]), { username: 'q', password: 'w' });
});

test('multi-arch indexes: the node picks its os/architecture/variant', () => {
  const m = (architecture: string, variant?: string, os = 'linux') => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${(architecture + (variant ?? '') + os).padEnd(64, '0').replace(/[^a-f0-9]/g, 'a')}`, size: 1, platform: { os, architecture, ...(variant ? { variant } : {}) } });
  const idx: ImageIndex = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [m('amd64', undefined, 'windows'), m('arm', 'v6'), m('arm', 'v7'), m('arm64', 'v8'), m('amd64')] };
  assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'amd64' }), idx.manifests[4]);
  assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'arm', variant: 'v7' }), idx.manifests[2]);
  assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'arm64' }), idx.manifests[3]);
  assert.equal(selectPlatform(idx, { os: 'linux', architecture: 's390x' }), undefined);
  assert.equal(hostPlatform().os, 'linux');
});
