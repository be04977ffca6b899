import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../../src/images/image-store.js';
import { importArchive } from '../../src/images/image-import.js';
import { writeTar } from '../../src/images/tar-writer.js';
import { MEDIA } from '../../src/images/manifest.js';
import { baseLayer, fakeRegistry, image, index, layer } from './images-fixtures.js';

const platform = { os: 'linux', architecture: 'amd64' };

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'k8ts-images-'));
}

async function withStore(fn: (store: ImageStore, dir: string) => Promise<void>) {
  const dir = tmp();
  try {
    await fn(new ImageStore({ root: join(dir, 'images'), platform }), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('pull: OCI and Docker schema 2 images from a loopback registry, unpacked once, with config', async () => {
  const reg = await fakeRegistry();
  try {
    const l1 = baseLayer();
    const l2 = layer([{ name: 'etc/.wh.image-marker' }, { name: '.wh.root' }, { name: 'etc/layer2', data: 'x' }]);
    const oci = image([l1, l2], { Entrypoint: ['/bin/sh'], Cmd: ['-c', 'echo hi'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/data', User: '1000:1000' });
    const docker = image([l1], { Cmd: ['/bin/sh'] }, true);
    reg.put('probe/busybox', '2.0', oci.manifest, oci.blobs);
    reg.put('probe/busybox', '2.0-docker', docker.manifest, docker.blobs);
    await withStore(async (store) => {
      assert.equal(await store.status(`${reg.host}/probe/busybox:2.0`), undefined);
      const img = await store.pull(`${reg.host}/probe/busybox:2.0`);
      assert.equal(img.name, `${reg.host}/probe/busybox:2.0`);
      assert.equal(img.repoDigest, `${reg.host}/probe/busybox@${oci.manifest.digest}`);
      assert.equal(img.id, oci.manifest.digest);
      assert.deepEqual(img.config.config?.Entrypoint, ['/bin/sh']);
      assert.equal(img.config.config?.WorkingDir, '/data');
      assert.equal(img.size, oci.config.data.length + l1.data.length + l2.data.length);
      const rootfs = await store.rootfs(img.id);
      assert.deepEqual(readdirSync(join(rootfs, 'etc')).sort(), ['layer2', 'passwd']);
      assert.equal(existsSync(join(rootfs, 'root')), false);
      assert.deepEqual(await store.status(`${reg.host}/probe/busybox:2.0`), img);
      // The same image by digest is known without the network.
      const byDigest = await store.status(`${reg.host}/probe/busybox@${oci.manifest.digest}`);
      assert.equal(byDigest?.id, img.id);

      const n = reg.requests.length;
      const d = await store.pull(`${reg.host}/probe/busybox:2.0-docker`);
      assert.equal(d.id, docker.manifest.digest);
      assert.deepEqual(d.config.config?.Cmd, ['/bin/sh']);
      // The shared base layer was not fetched again.
      assert.ok(!reg.requests.slice(n).includes(`GET /v2/probe/busybox/blobs/${l1.digest}`));
      const list = await store.list();
      assert.deepEqual(list.map((i) => i.name), [`${reg.host}/probe/busybox:2.0`, `${reg.host}/probe/busybox:2.0-docker`]);
    });
  } finally {
    await reg.close();
  }
});

test('pull: a multi-arch index gives the node\'s platform; digests pin content; errors read like containerd\'s', async () => {
  const reg = await fakeRegistry();
  try {
    const amd = image([layer([{ name: 'arch', data: 'amd64' }])]);
    const arm = image([layer([{ name: 'arch', data: 'arm64' }])], {}, false, 'arm64');
    const idx = index([{ image: arm, architecture: 'arm64', variant: 'v8' }, { image: amd, architecture: 'amd64' }]);
    reg.put('multi', '1', idx, [idx, ...amd.blobs, ...arm.blobs]);
    await withStore(async (store) => {
      const img = await store.pull(`${reg.host}/multi:1`);
      assert.equal(img.id, amd.manifest.digest);
      assert.equal(img.repoDigest, `${reg.host}/multi@${idx.digest}`);
      assert.equal(readFileSync(join(await store.rootfs(img.id), 'arch'), 'utf8'), 'amd64');
      const pinned = await store.pull(`${reg.host}/multi@${idx.digest}`);
      assert.equal(pinned.id, amd.manifest.digest);

      await assert.rejects(store.pull(`${reg.host}/multi:nope`), {
        message: `failed to pull and unpack image "${reg.host}/multi:nope": failed to resolve reference "${reg.host}/multi:nope": ${reg.host}/multi:nope: not found`,
      });
      await assert.rejects(store.pull(`${reg.host}/multi@sha256:${'1'.repeat(64)}`), /not found/);
      const s390 = new ImageStore({ root: join(store.root, '..', 'other'), platform: { os: 'linux', architecture: 's390x' } });
      await assert.rejects(s390.pull(`${reg.host}/multi:1`), /no match for platform in manifest: not found \(this node is linux\/s390x\)/);
    });
  } finally {
    await reg.close();
  }
});

test('pull: a blob whose bytes do not match its digest is refused and not stored', async () => {
  const reg = await fakeRegistry();
  try {
    const img = image([baseLayer()]);
    reg.put('bad', '1', img.manifest, img.blobs);
    reg.corrupt(img.layers[0].digest);
    await withStore(async (store) => {
      await assert.rejects(store.pull(`${reg.host}/bad:1`), /failed to pull and unpack image ".*bad:1": content sha256:[a-f0-9]+ failed validation/);
      assert.equal(store.content.has(img.layers[0].digest), false);
      assert.equal(await store.status(`${reg.host}/bad:1`), undefined);
    });
  } finally {
    await reg.close();
  }
});

test('pull: bearer tokens (anonymous and with credentials) and basic auth', async () => {
  const img = image([baseLayer()]);
  const anon = await fakeRegistry({ bearer: { token: 'anon-token' } });
  const priv = await fakeRegistry({ bearer: { token: 'user-token', user: 'me', password: 'pw' } });
  const basic = await fakeRegistry({ basic: { user: 'b', password: 'c' } });
  try {
    for (const r of [anon, priv, basic]) r.put('app', '1', img.manifest, img.blobs);
    await withStore(async (store) => {
      assert.equal((await store.pull(`${anon.host}/app:1`)).id, img.manifest.digest);
      assert.ok(anon.requests.includes('GET /token'));
      await assert.rejects(store.pull(`${priv.host}/app:1`), /failed to resolve reference .*failed to authorize: failed to fetch anonymous token: unexpected status .*401/);
      assert.equal((await store.pull(`${priv.host}/app:1`, { credentials: { username: 'me', password: 'pw' } })).id, img.manifest.digest);
      await assert.rejects(store.pull(`${basic.host}/app:1`), /asks for a username and password/);
      await assert.rejects(store.pull(`${basic.host}/app:1`, { credentials: { username: 'b', password: 'wrong' } }), /pull access denied/);
      assert.equal((await store.pull(`${basic.host}/app:1`, { credentials: { username: 'b', password: 'c' } })).id, img.manifest.digest);
    });
    // Pods pulling one image at once with different secrets: each pull uses its own credentials.
    await withStore(async (store) => {
      const [none, wrong, right] = await Promise.allSettled([
        store.pull(`${basic.host}/app:1`),
        store.pull(`${basic.host}/app:1`, { credentials: { username: 'b', password: 'wrong' } }),
        store.pull(`${basic.host}/app:1`, { credentials: { username: 'b', password: 'c' } }),
      ]);
      assert.match(String((none as PromiseRejectedResult).reason), /asks for a username and password/);
      assert.match(String((wrong as PromiseRejectedResult).reason), /pull access denied/);
      assert.equal((right as PromiseFulfilledResult<{ id: string }>).value.id, img.manifest.digest);
    });
  } finally {
    await Promise.all([anon.close(), priv.close(), basic.close()]);
  }
});

test('gc: content no name and no container uses goes; leased images stay after rm', async () => {
  const reg = await fakeRegistry();
  try {
    const a = image([baseLayer(), layer([{ name: 'a', data: 'a' }])]);
    const b = image([baseLayer(), layer([{ name: 'b', data: 'b' }])]);
    reg.put('a', '1', a.manifest, a.blobs);
    reg.put('b', '1', b.manifest, b.blobs);
    await withStore(async (store) => {
      const ia = await store.pull(`${reg.host}/a:1`);
      const ib = await store.pull(`${reg.host}/b:1`);
      await store.leases.acquire(ib.id, 'container-1');
      assert.deepEqual((await store.list()).map((i) => [i.name, i.inUseBy]), [[`${reg.host}/a:1`, []], [`${reg.host}/b:1`, ['container-1']]]);
      assert.deepEqual(await store.remove(`${reg.host}/a:1`), [`${reg.host}/a:1`]);
      assert.deepEqual(await store.remove(ib.configDigest.slice(7, 19)), [`${reg.host}/b:1`]);
      await assert.rejects(store.remove('nothing-like-this'), /no such image: nothing-like-this/);
      const r = await store.gc();
      assert.equal(r.removedBlobs, 3, 'a: manifest, config, its own layer; the shared base layer stays');
      assert.ok(!existsSync(store.snapshotPath(ia.id)));
      assert.ok(existsSync(store.snapshotPath(ib.id)), 'a container still uses b');
      assert.ok(store.content.has(b.layers[0].digest) && store.content.has(b.layers[1].digest));
      await store.leases.release(ib.id, 'container-1');
      await store.gc();
      assert.ok(!existsSync(store.snapshotPath(ib.id)));
      assert.deepEqual(await store.content.list(), []);
      // A pull's lease from a dead process does not protect anything.
      await store.leases.acquire(ib.id, 'pull-999999999-x');
      assert.equal((await store.leases.all()).size, 0);
    });
  } finally {
    await reg.close();
  }
});

test('gc with unusedImages removes names of images no container uses', async () => {
  const reg = await fakeRegistry();
  try {
    const a = image([baseLayer()]);
    reg.put('a', '1', a.manifest, a.blobs);
    reg.put('a', '2', a.manifest, a.blobs);
    await withStore(async (store) => {
      await store.pull(`${reg.host}/a:1`);
      const two = await store.pull(`${reg.host}/a:2`);
      await store.leases.acquire(two.id, 'c1');
      const r = await store.gc({ unusedImages: true });
      assert.deepEqual(r.removedImages, [], 'both names point at an image in use');
      await store.leases.release(two.id, 'c1');
      const r2 = await store.gc({ unusedImages: true });
      assert.deepEqual(r2.removedImages.sort(), [`${reg.host}/a:1`, `${reg.host}/a:2`]);
      assert.deepEqual(await store.content.list(), []);
    });
  } finally {
    await reg.close();
  }
});

test('import: an OCI archive (multi-arch, tag-only ref.name) and a docker save tarball', async () => {
  const amd = image([baseLayer(), layer([{ name: 'which', data: 'amd' }])]);
  const arm = image([layer([{ name: 'which', data: 'arm' }])], {}, false, 'arm64');
  const idx = index([{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);
  const single = image([layer([{ name: 'one', data: '1' }])], { Cmd: ['/one'] });
  const blobs = [idx, ...amd.blobs, ...arm.blobs, ...single.blobs];
  const ociTar = writeTar([
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    {
      name: 'index.json',
      data: JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { mediaType: MEDIA.ociIndex, digest: idx.digest, size: idx.data.length, annotations: { 'io.containerd.image.name': 'docker.io/probe/multi:3.0' } },
          { mediaType: MEDIA.ociManifest, digest: single.manifest.digest, size: single.manifest.data.length, annotations: { 'org.opencontainers.image.ref.name': '1.0' } },
        ],
      }),
    },
    { name: 'blobs/', type: 'directory' },
    ...blobs.map((b) => ({ name: `blobs/sha256/${b.digest.slice(7)}`, data: b.data })),
  ]);
  // docker save: uncompressed layer tars under <id>/layer.tar, config as <hex>.json, manifest.json last.
  const l1 = layer([{ name: 'bin/', type: 'directory' }, { name: 'bin/sh', data: 'sh' }], false);
  const l2 = layer([{ name: 'hello', data: 'world' }], false);
  const dcfg = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [l1.diffId, l2.diffId] } });
  const cfgName = `${(await import('node:crypto')).createHash('sha256').update(dcfg).digest('hex')}.json`;
  const saveTar = writeTar([
    { name: 'aaaa/', type: 'directory' },
    { name: 'aaaa/layer.tar', data: l1.data },
    { name: 'aaaa/VERSION', data: '1.0' },
    { name: 'bbbb/layer.tar', data: l2.data },
    { name: 'cccc/layer.tar', type: 'symlink', linkname: '../aaaa/layer.tar' },
    { name: cfgName, data: dcfg },
    { name: 'repositories', data: '{}' },
    { name: 'manifest.json', data: JSON.stringify([{ Config: cfgName, RepoTags: ['probe/saved:2.0', 'other:1'], Layers: ['cccc/layer.tar', 'bbbb/layer.tar'] }]) },
  ]);
  await withStore(async (store, dir) => {
    writeFileSync(join(dir, 'oci.tar'), ociTar);
    writeFileSync(join(dir, 'save.tar'), saveTar);
    await assert.rejects(importArchive(store, join(dir, 'oci.tar')), /1.0/, 'a tag-only name needs --name');
    const got = await importArchive(store, join(dir, 'oci.tar'), { baseName: 'local/single' });
    assert.deepEqual(got.map((g) => [g.name, g.id]), [['docker.io/probe/multi:3.0', amd.manifest.digest], ['docker.io/local/single:1.0', single.manifest.digest]]);
    assert.equal(readFileSync(join(await store.rootfs(amd.manifest.digest), 'which'), 'utf8'), 'amd');
    assert.equal(store.content.has(arm.layers[0].digest), false, "the other platform's layers are not kept");
    const multi = await store.status('probe/multi:3.0');
    assert.equal(multi?.repoDigest, `docker.io/probe/multi@${idx.digest}`);

    const saved = await importArchive(store, join(dir, 'save.tar'));
    assert.deepEqual(saved.map((s) => s.name), ['docker.io/probe/saved:2.0', 'docker.io/library/other:1']);
    const s = await store.status('probe/saved:2.0');
    assert.deepEqual(s?.config.config?.Cmd, ['/bin/sh']);
    const root = await store.rootfs(s!.id);
    assert.equal(readFileSync(join(root, 'hello'), 'utf8'), 'world');
    assert.equal(readFileSync(join(root, 'bin/sh'), 'utf8'), 'sh');
    assert.equal(store.content.has(`sha256:${(await import('node:crypto')).createHash('sha256').update('1.0').digest('hex')}`), false, 'archive metadata is not kept');
    assert.equal((await store.list()).length, 4);
  });
});

test('a name that moves to a new image (a new :latest) lets the old one be collected, unless in use', async () => {
  const reg = await fakeRegistry();
  try {
    const v1 = image([layer([{ name: 'v', data: '1' }])]);
    const v2 = image([layer([{ name: 'v', data: '2' }])]);
    const v3 = image([layer([{ name: 'v', data: '3' }])]);
    await withStore(async (store) => {
      reg.put('app', 'latest', v1.manifest, v1.blobs);
      const first = await store.pull(`${reg.host}/app`);
      await store.leases.acquire(first.id, 'ctr-running');
      reg.put('app', 'latest', v2.manifest, v2.blobs);
      const second = await store.pull(`${reg.host}/app`);
      await store.gc();
      assert.ok(existsSync(store.snapshotPath(first.id)), 'a container still uses the old image');
      await store.leases.release(first.id, 'ctr-running');
      reg.put('app', 'latest', v3.manifest, v3.blobs);
      await store.pull(`${reg.host}/app`);
      // No explicit gc: the pull that moved the name started one.
      for (let i = 0; i < 100 && (existsSync(store.snapshotPath(first.id)) || existsSync(store.snapshotPath(second.id))); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(!existsSync(store.snapshotPath(first.id)) && !existsSync(store.snapshotPath(second.id)));
      assert.equal(store.content.has(v1.layers[0].digest) || store.content.has(v2.layers[0].digest), false);
      assert.ok(store.content.has(v3.layers[0].digest));
    });
  } finally {
    await reg.close();
  }
});
