// The image service against a real registry (Debian's docker-registry on 127.0.0.1) holding
// images built from Debian's static busybox; and the `k8ts image` CLI on the same store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImageStore } from '../../src/images/image-store.js';
import { writeTar } from '../../src/images/tar-writer.js';
import { busyboxLayer, makeLayer, registryMissing, startRegistry } from '../fixtures/busybox-registry.js';
import { ensurePki } from '../../src/cli/pki.js';

const missing = registryMissing();
const ROOT = resolve(new URL('.', import.meta.url).pathname, '../..');
// Compiled, this file runs from dist/test/integration (ROOT is dist); from source, through tsx.
const CLI_ARGS = import.meta.url.endsWith('.js') ? [join(ROOT, 'src/cli/main.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

test('images from a real registry: busybox with whiteouts, OCI and Docker manifests; the CLI lists, removes and imports', { skip: missing }, async () => {
  const reg = await startRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-img-int-'));
  try {
    const base = busyboxLayer();
    const marker = makeLayer([{ name: 'etc/image-marker', data: 'v1' }, { name: 'root/.profile', data: 'p' }, { name: 'www/', type: 'directory' }, { name: 'www/old', data: 'o' }]);
    const changes = makeLayer([{ name: 'etc/.wh.image-marker' }, { name: '.wh.root' }, { name: 'www/.wh..wh..opq' }, { name: 'www/index.html', data: 'hello\n' }]);
    const config = { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hello from 2.0'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '/www' };
    const digest = await reg.push('probe/busybox', '2.0', { layers: [base, marker, changes], config });
    await reg.push('probe/busybox', '2.0-docker', { layers: [base], config: { Cmd: ['/bin/sh'] }, docker: true });

    const store = new ImageStore({ root: join(dir, 'images') });
    const img = await store.pull(`${reg.host}/probe/busybox:2.0`);
    assert.equal(img.repoDigest, `${reg.host}/probe/busybox@${digest}`);
    assert.deepEqual(img.config.config?.Entrypoint, ['/bin/sh', '-c']);
    const rootfs = await store.rootfs(img.id);
    assert.ok(lstatSync(join(rootfs, 'bin/sh')).isSymbolicLink());
    assert.equal(readFileSync(join(rootfs, 'www/index.html'), 'utf8'), 'hello\n');
    assert.deepEqual(readdirSync(join(rootfs, 'www')), ['index.html']);
    assert.equal(existsSync(join(rootfs, 'etc/image-marker')), false);
    assert.equal(existsSync(join(rootfs, 'root')), false);
    // The unpacked busybox really runs (chroot needs root).
    if (process.getuid?.() === 0) {
      const r = spawnSync('chroot', [rootfs, '/bin/sh', '-c', 'echo ok from $(basename $(readlink /bin/ls))'], { encoding: 'utf8' });
      assert.equal(r.stdout, 'ok from busybox\n');
    }
    const docker = await store.pull(`${reg.host}/probe/busybox:2.0-docker`);
    assert.notEqual(docker.id, img.id);
    await assert.rejects(store.pull(`${reg.host}/probe/busybox:nope`), {
      message: `failed to pull and unpack image "${reg.host}/probe/busybox:nope": failed to resolve reference "${reg.host}/probe/busybox:nope": ${reg.host}/probe/busybox:nope: not found`,
    });

    // The CLI on the same data dir.
    const cli = (...args: string[]) => spawnSync(process.execPath, [...CLI_ARGS, 'image', ...args, '--data-dir', dir], { encoding: 'utf8' });
    const ls = cli('ls');
    assert.equal(ls.status, 0, ls.stderr);
    const lines = ls.stdout.trim().split('\n');
    assert.match(lines[0], /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.match(lines[1], new RegExp(`^${reg.host}/probe/busybox\\s+2\\.0\\s+[a-f0-9]{13}\\s+\\d+(\\.\\d+)?[kM]B$`));
    assert.equal(lines.length, 3);
    const rm = cli('rm', `${reg.host}/probe/busybox:2.0-docker`);
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal(rm.stdout, `Deleted: ${reg.host}/probe/busybox:2.0-docker\n`);
    assert.ok(!existsSync(store.snapshotPath(docker.id)), 'the unused image was collected');
    assert.ok(existsSync(store.snapshotPath(img.id)));
    const bad = cli('rm', 'no-such-image:1');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /no such image: no-such-image:1/);

    // import: a docker save tarball made from the pulled image's blobs.
    const cfgHex = img.configDigest.slice(7);
    const save = writeTar([
      { name: `${cfgHex}.json`, data: await store.content.read(img.configDigest) },
      ...(await store.manifest(img.id)).layers.map((l, i) => ({ name: `l${i}/layer.tar`, data: readFileSync(store.content.path(l.digest)) })),
      { name: 'manifest.json', data: JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: ['offline/busybox:1'], Layers: [0, 1, 2].map((i) => `l${i}/layer.tar`) }]) },
    ]);
    writeFileSync(join(dir, 'save.tar'), save);
    const imp = cli('import', join(dir, 'save.tar'));
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /^imported docker\.io\/offline\/busybox:1 \(sha256:[a-f0-9]{64}, [\d.]+[kM]B\)\n$/);
    assert.match(cli('ls').stdout, /docker\.io\/offline\/busybox\s+1\s/);
  } finally {
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a loopback registry serving HTTPS with a certificate nobody signed: pulled without verification, as an insecure registry', { skip: missing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-img-tls-'));
  const pki = await ensurePki(dir, ['127.0.0.1']);
  const reg = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey } });
  try {
    // The registry speaks only TLS: plain HTTP gets a 400, so a pull that works went over HTTPS.
    const plain = await fetch(`http://${reg.host}/v2/`);
    assert.equal(plain.status, 400);
    await reg.push('probe/tls', '1', { layers: [busyboxLayer()], config: { Cmd: ['/bin/sh'] } });
    const store = new ImageStore({ root: join(dir, 'images') });
    const img = await store.pull(`${reg.host}/probe/tls:1`);
    assert.equal(img.name, `${reg.host}/probe/tls:1`);
    assert.ok(existsSync(join(await store.rootfs(img.id), 'bin/busybox')));
  } finally {
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
