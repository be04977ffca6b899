import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { applyLayer } from '../../src/images/layer-unpack.js';
import { readTar } from '../../src/images/tar-reader.js';
import { writeTar, type TarWriteEntry } from '../../src/images/tar-writer.js';
import { sha256Digest } from '../../src/images/manifest.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'k8ts-unpack-'));
}

async function apply(root: string, entries: TarWriteEntry[], gzip = true) {
  const dir = tmp();
  const f = join(dir, 'layer');
  const tar = writeTar(entries);
  writeFileSync(f, gzip ? gzipSync(tar) : tar);
  try {
    const res = await applyLayer(root, f);
    assert.equal(res.diffId, sha256Digest(tar), 'diffId is the sha256 of the whole uncompressed tar');
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tar: what the writer writes the reader reads, long names and links included', async () => {
  const long = 'd/' + 'x'.repeat(150) + '/file.txt';
  const tar = writeTar([
    { name: 'a.txt', data: 'hello', mode: 0o640, uid: 1000, gid: 1001, mtime: 1700000000 },
    { name: 'dir', type: 'directory' },
    { name: long, data: Buffer.alloc(1500, 7) },
    { name: 'ln', type: 'symlink', linkname: 'x'.repeat(120) },
    { name: 'hard', type: 'link', linkname: 'a.txt' },
  ]);
  const seen: { name: string; type: string; size: number; body: Buffer }[] = [];
  for await (const e of readTar([tar.subarray(0, 700), tar.subarray(700, 3000), tar.subarray(3000)])) {
    seen.push({ name: e.header.name, type: e.header.type, size: e.header.size, body: await e.buffer() });
    if (e.header.name === 'a.txt') {
      assert.equal(e.header.mode, 0o640);
      assert.equal(e.header.uid, 1000);
      assert.equal(e.header.gid, 1001);
      assert.equal(e.header.mtime, 1700000000);
    }
    if (e.header.type === 'symlink') assert.equal(e.header.linkname, 'x'.repeat(120));
  }
  assert.deepEqual(seen.map((s) => [s.name, s.type]), [['a.txt', 'file'], ['dir/', 'directory'], [long, 'file'], ['ln', 'symlink'], ['hard', 'link']]);
  assert.equal(seen[2].body.length, 1500);
  assert.equal(seen[0].body.toString(), 'hello');
  // Unread bodies are skipped correctly.
  const names: string[] = [];
  for await (const e of readTar([tar])) names.push(e.header.name);
  assert.equal(names.length, 5);
  // A damaged header is refused.
  const bad = Buffer.from(tar);
  bad[10] ^= 0xff;
  await assert.rejects(async () => {
    for await (const _ of readTar([bad])) void _;
  }, /checksum/);
});

test('layers: files, modes, whiteouts, opaque directories and type changes', async () => {
  const root = tmp();
  try {
    await apply(root, [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/a', data: 'a1' },
      { name: 'etc/b', data: 'b1' },
      { name: 'etc/sub/', type: 'directory' },
      { name: 'etc/sub/deep', data: 'deep' },
      { name: 'root/', type: 'directory', mode: 0o700 },
      { name: 'root/x', data: 'x' },
      { name: 'bin/', type: 'directory' },
      { name: 'bin/tool', data: '#!', mode: 0o4755 },
      { name: 'data', type: 'directory' },
      { name: 'data/keep', data: 'k' },
      { name: 'was-file', data: 'f' },
      { name: 'lnk', type: 'symlink', linkname: 'etc/a' },
      { name: 'hard', type: 'link', linkname: 'etc/b' },
    ]);
    assert.equal(readFileSync(join(root, 'etc/a'), 'utf8'), 'a1');
    assert.equal(statSync(join(root, 'root')).mode & 0o7777, 0o700);
    assert.equal(statSync(join(root, 'bin/tool')).mode & 0o7777, 0o4755);
    assert.equal(readlinkSync(join(root, 'lnk')), 'etc/a');
    assert.equal(statSync(join(root, 'hard')).ino, statSync(join(root, 'etc/b')).ino);

    // Layer 2: per-file whiteout, an opaque /etc whose marker comes AFTER the layer's own entry,
    // a directory replacing a file and a file replacing a directory.
    await apply(root, [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/fresh', data: 'new' },
      { name: 'etc/.wh..wh..opq' },
      { name: '.wh.root' },
      { name: 'was-file/', type: 'directory' },
      { name: 'was-file/inside', data: 'i' },
      { name: 'data', data: 'now a file' },
    ]);
    assert.deepEqual(readdir(root, 'etc'), ['fresh']);
    assert.equal(existsSync(join(root, 'root')), false);
    assert.equal(readFileSync(join(root, 'was-file/inside'), 'utf8'), 'i');
    assert.equal(readFileSync(join(root, 'data'), 'utf8'), 'now a file');
    assert.equal(readFileSync(join(root, 'bin/tool'), 'utf8'), '#!');

    // Layer 3: opaque marker BEFORE the layer's entries; whiteout of a missing name is harmless.
    await apply(root, [
      { name: 'etc/.wh..wh..opq' },
      { name: 'etc/third', data: '3' },
      { name: 'bin/.wh.nothing-here' },
    ], false);
    assert.deepEqual(readdir(root, 'etc'), ['third']);
    assert.equal(existsSync(join(root, 'bin/tool')), true);
    for (const f of ['etc', 'bin', '.']) assert.ok(!readdir(root, f).some((n) => n.startsWith('.wh.')), 'no whiteout file is left');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('layers: symlinks in lower layers never lead writes or deletions outside the root', async () => {
  const base = tmp();
  const root = join(base, 'rootfs');
  const outside = join(base, 'outside');
  try {
    writeFileSync(join(base, 'victim'), 'keep me');
    await apply(root, [
      { name: 'escape', type: 'symlink', linkname: '../../' },
      { name: 'abs', type: 'symlink', linkname: '/' },
      { name: 'etcl', type: 'symlink', linkname: '/etc' },
      { name: 'victim', data: 'inner' },
    ]);
    await apply(root, [
      { name: 'abs/outside-file', data: 'x' },
      { name: 'etcl/passwd', data: 'root::0:0::/:/bin/sh\n' },
      { name: 'escape/.wh.victim' },
    ]);
    assert.equal(existsSync(join(root, 'victim')), false, 'the whiteout went through the link, inside the root');
    await apply(root, [{ name: 'escape/victim', data: 'overwritten?' }]);
    assert.equal(readFileSync(join(root, 'victim'), 'utf8'), 'overwritten?');
    assert.equal(readFileSync(join(base, 'victim'), 'utf8'), 'keep me');
    assert.equal(existsSync(outside), false);
    // The writes landed inside the root, where the links point when the root is "/".
    assert.equal(existsSync(join(root, 'outside-file')), true);
    assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), 'root::0:0::/:/bin/sh\n');
    assert.ok(lstatSync(join(root, 'escape')).isSymbolicLink());
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

function readdir(root: string, rel: string): string[] {
  return readdirSync(join(root, rel)).sort();
}
