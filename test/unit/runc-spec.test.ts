import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerArgs, containerProcess, NoCommandError } from '../../src/kubelet/runtime/runc/container-process.js';
import { resolveImageUser } from '../../src/kubelet/runtime/runc/image-user.js';
import { buildSpec, DEFAULT_CAPABILITIES } from '../../src/kubelet/runtime/runc/oci-spec.js';
import { cpuQuota, cpuShares } from '../../src/kubelet/runtime/runc/cgroups.js';
import { bridgeName, gatewayOf, vethName } from '../../src/kubelet/runtime/runc/pod-network.js';
import { hostsFile } from '../../src/kubelet/runtime/runc/pod-files.js';
import type { ImageConfig } from '../../src/images/manifest.js';

const image = (config: ImageConfig['config']): ImageConfig => ({ config });

test('command/args against the image Entrypoint/Cmd, Kubernetes\' table', () => {
  const img = image({ Entrypoint: ['/ep'], Cmd: ['cmd-arg'] });
  assert.deepEqual(containerArgs([], [], img), ['/ep', 'cmd-arg']);
  assert.deepEqual(containerArgs(['/cmd'], [], img), ['/cmd'], 'command replaces the entrypoint and drops the image Cmd');
  assert.deepEqual(containerArgs([], ['a1'], img), ['/ep', 'a1'], 'args replace Cmd');
  assert.deepEqual(containerArgs(['/cmd'], ['a1'], img), ['/cmd', 'a1']);
  assert.deepEqual(containerArgs([], [], image({ Cmd: ['/bin/sh'] })), ['/bin/sh']);
  assert.deepEqual(containerArgs([], ['x'], image({ Cmd: ['/bin/sh'] })), ['x'], 'without an entrypoint args are the whole command line');
  assert.throws(() => containerArgs([], [], image({})), NoCommandError);
});

test('environment: image Env, then the container\'s; PATH default; HOSTNAME; working dir', () => {
  const p = containerProcess(
    { name: 'c', attempt: 0, image: 'x', command: ['sh'], args: [], env: [{ name: 'A', value: 'mine' }, { name: 'B', value: 'b=c' }] },
    image({ Env: ['A=image', 'KEEP=1'], WorkingDir: '/app' }),
    'pod-1',
  );
  assert.deepEqual(p.env, ['A=mine', 'KEEP=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=pod-1', 'B=b=c']);
  assert.equal(p.cwd, '/app');
  const q = containerProcess({ name: 'c', attempt: 0, image: 'x', command: ['sh'], args: [], env: [], workingDir: '/work' }, image({ Env: ['PATH=/bin'], WorkingDir: '/app' }), 'h');
  assert.equal(q.cwd, '/work');
  assert.ok(q.env.includes('PATH=/bin'));
  assert.equal(containerProcess({ name: 'c', attempt: 0, image: 'x', command: ['sh'], args: [], env: [] }, image({}), 'h').cwd, '/');
});

test('the image User resolves against the image\'s passwd and group, never the host\'s', async () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-user-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\napp:x:1001:\nwheel:x:10:app,other\nstaff:x:50:app\n');
    assert.deepEqual(await resolveImageUser(root, ''), { uid: 0, gid: 0, home: '/root' });
    assert.deepEqual(await resolveImageUser(root, 'app'), { uid: 1000, gid: 1001, additionalGids: [10, 50], home: '/home/app' });
    assert.deepEqual(await resolveImageUser(root, '1000:wheel'), { uid: 1000, gid: 10, additionalGids: [50], home: '/home/app' });
    assert.deepEqual(await resolveImageUser(root, '4242'), { uid: 4242, gid: 0 });
    assert.deepEqual(await resolveImageUser(root, '4242:4243'), { uid: 4242, gid: 4243 });
    await assert.rejects(resolveImageUser(root, 'nobody'), /unable to find user nobody: no matching entries in passwd file/);
    await assert.rejects(resolveImageUser(root, 'app:nogroup'), /unable to find group nogroup/);
    // A passwd that is a symlink to the host's file is read inside the image instead.
    rmSync(join(root, 'etc/passwd'));
    symlinkSync('/etc/passwd', join(root, 'etc/passwd'));
    assert.deepEqual(await resolveImageUser(root, '0'), { uid: 0, gid: 0 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('config.json: namespaces joined by path, pod files and volumes bound, limits, Docker\'s capabilities', () => {
  const spec = buildSpec({
    args: ['sh'],
    env: ['A=1'],
    cwd: '/',
    user: { uid: 1000, gid: 1000, additionalGids: [10] },
    rootfs: '/c/rootfs',
    netns: '/sb/ns/net',
    utsns: '/sb/ns/uts',
    ipcns: '/sb/ns/ipc',
    etcHosts: '/sb/hosts',
    resolvConf: '/sb/resolv.conf',
    mounts: [
      { destination: '/data/sub', source: '/v/b', readOnly: true },
      { destination: '/data', source: '/v/a' },
    ],
    cgroupsPath: '/k8ts/p/c',
    resources: { memory: { limit: 1 }, cpu: { shares: 2 } },
  }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(spec.process.terminal, false);
  assert.equal(spec.hostname, undefined, 'a joined UTS namespace already has the hostname');
  assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [10] });
  assert.deepEqual(spec.process.capabilities.bounding, DEFAULT_CAPABILITIES);
  assert.deepEqual(spec.linux.namespaces, [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc', path: '/sb/ns/ipc' }, { type: 'uts', path: '/sb/ns/uts' }, { type: 'network', path: '/sb/ns/net' }]);
  const binds = spec.mounts.filter((m: { type: string }) => m.type === 'bind').map((m: { destination: string; options: string[] }) => [m.destination, m.options.at(-1)]);
  assert.deepEqual(binds, [['/etc/hosts', 'rw'], ['/etc/resolv.conf', 'rw'], ['/data', 'rw'], ['/data/sub', 'ro']]);
  assert.deepEqual(spec.linux.resources, { memory: { limit: 1 }, cpu: { shares: 2 }, devices: [{ allow: false, access: 'rwm' }] });
  assert.equal(spec.linux.cgroupsPath, '/k8ts/p/c');
  // hostNetwork: no network or UTS namespace entry (the host's).
  const host = buildSpec({ args: ['sh'], env: [], cwd: '/', user: { uid: 0, gid: 0 }, rootfs: '/r', ipcns: '/sb/ns/ipc', mounts: [], cgroupsPath: '/x' }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(host.linux.namespaces.map((n: { type: string }) => n.type), ['pid', 'mount', 'ipc']);
});

test('CPU shares and quota from millicores; names of bridges and veths fit in 15 characters', () => {
  assert.equal(cpuShares(undefined), 2);
  assert.equal(cpuShares(1), 2);
  assert.equal(cpuShares(100), 102);
  assert.equal(cpuShares(2000), 2048);
  assert.equal(cpuQuota(undefined), undefined);
  assert.equal(cpuQuota(250), 25000);
  assert.equal(cpuQuota(1), 1000, 'the kernel minimum is 1 ms');
  assert.equal(bridgeName('10.244.1.0/24'), 'k8b0af4010018');
  assert.notEqual(bridgeName('10.244.9.0/30'), bridgeName('10.244.9.0/24'));
  assert.ok(bridgeName('255.255.255.0/24').length <= 15);
  assert.equal(vethName('a'.repeat(64)), `k8v${'a'.repeat(12)}`);
  assert.equal(gatewayOf('10.244.7.0/24'), '10.244.7.1');
  assert.match(hostsFile('10.244.1.5', 'web-0', false), /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n[\s\S]*\n10\.244\.1\.5\tweb-0\n$/);
});
