// Real kubectl against `k8ts up --runtime runc`, with images from a real registry (Debian's
// docker-registry on 127.0.0.1, seeded with images built from Debian's static busybox): image
// entrypoints, logs, exec (also -it on a pseudo-terminal through `script`), two containers on one
// localhost, pod IPs the node reaches, memory limits, a missing image, imagePullSecrets against a
// registry with password auth, an unparsable image name, an agent restart that keeps containers
// running, and nothing left on the host once the pods are deleted.
// Needs root, runc, iproute2, docker-registry, busybox-static and a C compiler; skipped otherwise
// (the imagePullSecrets tests also need htpasswd from apache2-utils).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { writeTar } from '../../src/images/tar-writer.js';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mountsUnder, vethName } from '../../src/kubelet/runtime/runc/pod-network.js';
import { purgeRuncState } from '../../src/kubelet/runtime/runc/purge.js';
import { busyboxLayer, htpasswdMissing, makeLayer, runcTestsMissing, startRegistry, type TestRegistry } from '../fixtures/busybox-registry.js';
import { eventually, K8TS_BIN, KUBECTL, ok, startCluster, tempDir, type Cluster } from './harness.js';

const missing = runcTestsMissing;

const skip = missing();
const NODE_CIDR = '10.244.1.0/24';
const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));

function podJson(name: string, containers: object[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, containers, ...extra } });
}

describe('kubectl with the runc runtime', { skip }, () => {
  let reg: TestRegistry;
  /** A registry with htpasswd (Basic) auth, user alice; absent without htpasswd. */
  let authReg: TestRegistry | undefined;
  let c: Cluster;
  let dataDir: string;
  let img: { busybox: string; hello: string; web: string };
  const stateDir = () => join(dataDir, 'nodes', 'k8ts-node-1', 'runc-runtime');

  before(async () => {
    reg = await startRegistry();
    const base = busyboxLayer();
    const www = makeLayer([{ name: 'www/', type: 'directory' }, { name: 'www/index.html', data: 'hello from the web container\n' }]);
    const PATH = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin';
    await reg.push('e2e/busybox', '1', { layers: [base], config: { Cmd: ['/bin/sh'], Env: [PATH] } });
    await reg.push('e2e/hello', '1', { layers: [base], config: { Entrypoint: ['sh', '-c'], Cmd: ['echo "hello from the entrypoint as $(id -u) in $(pwd)"; sleep 3600'], Env: [PATH], WorkingDir: '/tmp' } });
    await reg.push('e2e/web', '1', { layers: [base, www], config: { Entrypoint: ['httpd', '-f', '-p', '8080', '-h', '/www'], Env: [PATH] } });
    img = { busybox: `${reg.host}/e2e/busybox:1`, hello: `${reg.host}/e2e/hello:1`, web: `${reg.host}/e2e/web:1` };
    if (!htpasswdMissing()) {
      authReg = await startRegistry({ users: { alice: 's3cret' } });
      await authReg.push('private/hello', '1', { layers: [base], config: { Entrypoint: ['sh', '-c', 'echo hello from a private registry; sleep 3600'], Env: [PATH] } });
    }
    dataDir = tempDir('k8ts-runc-e2e-');
    c = await startCluster({ dataDir, args: ['--runtime', 'runc'] });
  });

  after(async () => {
    if (c) {
      c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
      await c.stop();
    }
    if (dataDir) await purgeRuncState(stateDir(), { bridgeCidr: NODE_CIDR });
    if (c) await c.destroy();
    await reg?.stop();
    await authReg?.stop();
  });

  const waitRunning = (name: string) =>
    eventually(() => {
      const p = json(c, ['get', 'pod', name]);
      return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((s: { ready: boolean }) => s.ready) ? p : undefined;
    }, `pod ${name} to run`, 60_000);

  test('a pod from the local registry runs its image entrypoint; logs and exec, also -it', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('hello', [{ name: 'main', image: img.hello }]) }));
    const p = await waitRunning('hello');
    assert.match(p.status.containerStatuses[0].containerID, /^runc:\/\/[a-f0-9]{64}$/);
    assert.match(p.status.containerStatuses[0].imageID, new RegExp(`^${reg.host}/e2e/hello@sha256:[a-f0-9]{64}$`));
    await eventually(() => c.kubectl(['logs', 'hello']).stdout === 'hello from the entrypoint as 0 in /tmp\n', 'the entrypoint output');
    assert.equal(ok(c.kubectl(['exec', 'hello', '--', 'cat', '/etc/hostname'])), 'hello\n');
    const r = c.kubectl(['exec', 'hello', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err\n/);
    assert.equal(ok(c.kubectl(['exec', '-i', 'hello', '--', 'cat'], { input: 'piped in\n' })), 'piped in\n');
    const it = spawnSync('script', ['-qec', `${KUBECTL} --kubeconfig ${c.kubeconfig} exec -it hello -- sh`, '/dev/null'], { input: 'echo typed-$((40+2)); tty; exit 4\n', encoding: 'utf8', timeout: 30_000 });
    assert.match(it.stdout, /typed-42/);
    assert.match(it.stdout, /\/dev\/pts\/\d+/);
    assert.equal(it.status, 4);
  });

  test('two containers talk over localhost; the pod IP is reachable from the node and through kubectl port-forward', async () => {
    const client = { name: 'client', image: img.busybox, command: ['sh', '-c', 'until wget -qO- http://127.0.0.1:8080/index.html; do sleep 0.2; done; sleep 3600'] };
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('pair', [{ name: 'web', image: img.web }, client]) }));
    const p = await waitRunning('pair');
    const ip = p.status.podIP;
    assert.ok(ip.startsWith('10.244.1.'), ip);
    assert.deepEqual(p.status.podIPs, [{ ip }]);
    await eventually(() => c.kubectl(['logs', 'pair', '-c', 'client']).stdout === 'hello from the web container\n', 'the client to reach the web container on localhost');
    const res = await fetch(`http://${ip}:8080/index.html`);
    assert.equal(await res.text(), 'hello from the web container\n');
    // The hostname is the pod name in every container; /etc/hosts names the pod IP.
    assert.match(ok(c.kubectl(['exec', 'pair', '-c', 'client', '--', 'cat', '/etc/hosts'])), new RegExp(`^${ip.replace(/\./g, '\\.')}\\tpair$`, 'm'));
    // port-forward reaches the pod's own network namespace (the kubelet dials the pod IP).
    const pf = c.kubectlStream(['port-forward', 'pod/pair', ':8080']);
    try {
      const local = await eventually(() => Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.output())?.[1]) || undefined, 'port-forward listening');
      assert.equal(await (await fetch(`http://127.0.0.1:${local}/index.html`)).text(), 'hello from the web container\n');
    } finally {
      await pf.stop();
    }
  });

  test('a missing image: ErrImagePull with the registry\'s answer, then ImagePullBackOff', async () => {
    ok(c.kubectl(['run', 'missing', `--image=${reg.host}/e2e/nope:1`, '--restart=Never']));
    const waitingOf = () => json(c, ['get', 'pod', 'missing']).status?.containerStatuses?.[0]?.state?.waiting;
    const failed = await eventually(() => (waitingOf()?.reason === 'ErrImagePull' ? waitingOf() : undefined), 'the pull to fail', 30_000, 50);
    assert.equal(failed.message, `failed to pull and unpack image "${reg.host}/e2e/nope:1": failed to resolve reference "${reg.host}/e2e/nope:1": ${reg.host}/e2e/nope:1: not found`);
    // The next sync within the 10 s back-off shows ImagePullBackOff, as kubectl get pods does upstream.
    const backoff = await eventually(() => (waitingOf()?.reason === 'ImagePullBackOff' ? waitingOf() : undefined), 'ImagePullBackOff', 30_000, 50);
    assert.equal(backoff.message, `Back-off pulling image "${reg.host}/e2e/nope:1"`);
    assert.match(ok(c.kubectl(['get', 'pod', 'missing', '--no-headers'])), /^missing\s+0\/1\s+(ImagePullBackOff|ErrImagePull)\s/);
    const events = ok(c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=missing', '-o', 'jsonpath={.items[*].message}']));
    assert.match(events, /Pulling image ".*\/e2e\/nope:1"/);
  });

  const waitingOf = (name: string) => json(c, ['get', 'pod', name]).status?.containerStatuses?.[0]?.state?.waiting;
  const eventsOf = (name: string) => json(c, ['get', 'events', '--field-selector', `involvedObject.name=${name}`]).items as { reason: string; message: string; type: string; count?: number }[];

  test('imagePullSecrets: kubectl create secret docker-registry lets a pod pull from a registry with password auth; a missing secret is a warning', { skip: htpasswdMissing() }, async () => {
    const r = authReg!;
    const image = `${r.host}/private/hello:1`;
    ok(c.kubectl(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${r.host}`, '--docker-username=alice', '--docker-password=s3cret']));
    // A secret that does not exist comes first: the kubelet warns and pulls with the others.
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('private', [{ name: 'main', image }], { imagePullSecrets: [{ name: 'absent' }, { name: 'regcred' }] }) }));
    const p = await waitRunning('private');
    assert.match(p.status.containerStatuses[0].imageID, new RegExp(`^${r.host}/private/hello@sha256:[a-f0-9]{64}$`));
    await eventually(() => c.kubectl(['logs', 'private']).stdout === 'hello from a private registry\n', 'the private image\'s entrypoint output');
    const warning = await eventually(() => eventsOf('private').find((e) => e.reason === 'FailedToRetrieveImagePullSecret'), 'the FailedToRetrieveImagePullSecret event');
    assert.equal(warning!.type, 'Warning');
    assert.equal(warning!.message, 'Unable to retrieve some image pull secrets (absent); attempting to pull the image may not succeed.');
    assert.match(ok(c.kubectl(['describe', 'pod', 'private'])), /Successfully pulled image ".*\/private\/hello:1"/);
    ok(c.kubectl(['delete', 'pod', 'private', '--grace-period=1']));
  });

  test('imagePullSecrets: without a secret or with a wrong password the pull fails with the registry\'s answer, then ImagePullBackOff', { skip: htpasswdMissing() }, async () => {
    const r = authReg!;
    // Another tag, so nothing pulled by the test before is reused.
    await r.push('private/other', '1', { layers: [busyboxLayer()], config: { Cmd: ['sleep', '3600'], Env: ['PATH=/bin'] } });
    const image = `${r.host}/private/other:1`;
    ok(c.kubectl(['create', 'secret', 'docker-registry', 'badcred', `--docker-server=${r.host}`, '--docker-username=alice', '--docker-password=wrong']));
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('anonymous', [{ name: 'main', image }]) }));
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('wrongpass', [{ name: 'main', image }], { imagePullSecrets: [{ name: 'badcred' }] }) }));
    const prefix = `failed to pull and unpack image "${image}": failed to resolve reference "${image}": `;
    // The failure as describe shows it (the ErrImagePull state itself lasts about a second).
    const pullFailure = (name: string) =>
      eventually(() => {
        const failed = eventsOf(name).filter((e) => e.reason === 'Failed').map((e) => e.message);
        const pull = failed.find((m) => m.startsWith(`Failed to pull image "${image}": `));
        return pull && failed.includes('Error: ErrImagePull') ? pull.slice(`Failed to pull image "${image}": `.length) : undefined;
      }, `the pull of ${name} to fail`, 30_000, 50);
    // docker-registry's 401 body: {"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}
    assert.equal(await pullFailure('wrongpass'), `${prefix}pull access denied, repository does not exist or may require authorization: server message: unauthorized: authentication required`);
    // The right password in the secret: a pull after the back-off (10 s, then 20 s ...) succeeds.
    const fixed = ok(c.kubectl(['create', 'secret', 'docker-registry', 'badcred', `--docker-server=${r.host}`, '--docker-username=alice', '--docker-password=s3cret', '--dry-run=client', '-o', 'yaml']));
    ok(c.kubectl(['apply', '-f', '-'], { input: fixed }));
    const anon = await pullFailure('anonymous');
    assert.equal(anon, `${prefix}failed to authorize: the registry ${r.host} asks for a username and password (use imagePullSecrets)`);
    const backoff = await eventually(() => (waitingOf('anonymous')?.reason === 'ImagePullBackOff' ? waitingOf('anonymous') : undefined), 'ImagePullBackOff', 30_000, 50);
    assert.equal(backoff.message, `Back-off pulling image "${image}"`);
    assert.match(ok(c.kubectl(['get', 'pod', 'anonymous', '--no-headers'])), /^anonymous\s+0\/1\s+(ImagePullBackOff|ErrImagePull)\s/);
    await eventually(() => json(c, ['get', 'pod', 'wrongpass']).status?.containerStatuses?.[0]?.state?.running, 'the pull with the corrected secret', 120_000);
    ok(c.kubectl(['delete', 'pod', 'anonymous', 'wrongpass', '--grace-period=1']));
  });

  test('an image name that cannot be parsed: InvalidImageName with the kubelet\'s message and an InspectFailed event, no pull; fixing the image runs it', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('badname', [{ name: 'main', image: 'Busybox:Bad' }]) }));
    const message = 'Failed to apply default image tag "Busybox:Bad": couldn\'t parse image name "Busybox:Bad": invalid reference format: repository name (library/Busybox) must be lowercase';
    const w = await eventually(() => waitingOf('badname'), 'the container to wait', 30_000, 50);
    assert.deepEqual(w, { reason: 'InvalidImageName', message });
    assert.match(ok(c.kubectl(['get', 'pod', 'badname', '--no-headers'])), /^badname\s+0\/1\s+InvalidImageName\s+0\s/);
    const inspect = await eventually(() => eventsOf('badname').find((e) => e.reason === 'InspectFailed'), 'the InspectFailed event');
    assert.equal(inspect!.type, 'Warning');
    assert.equal(inspect!.message, message);
    const describe = await eventually(() => {
      const out = ok(c.kubectl(['describe', 'pod', 'badname']));
      return /Error: InvalidImageName/.test(out) ? out : undefined;
    }, 'describe to show the events');
    assert.match(describe!, /State:\s+Waiting\n\s+Reason:\s+InvalidImageName/);
    assert.match(describe!, /Warning\s+InspectFailed\s.*Failed to apply default image tag "Busybox:Bad"/);
    // Nothing was pulled, and the agent does not keep retrying: one InspectFailed, never Pulling.
    const events = eventsOf('badname');
    assert.equal(events.filter((e) => e.reason === 'Pulling').length, 0);
    assert.equal(events.find((e) => e.reason === 'InspectFailed')?.count ?? 1, 1);
    // A pod update is what makes it try again.
    ok(c.kubectl(['set', 'image', 'pod/badname', `main=${img.hello}`]));
    await waitRunning('badname');
    ok(c.kubectl(['delete', 'pod', 'badname', '--grace-period=1']));
  });

  test('volumes and probes: a PVC file survives kill 1 and a pod deletion; a memory-backed emptyDir and a configMap; httpGet and exec probes', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) }));
    ok(c.kubectl(['create', 'configmap', 'conf', '--from-literal=greeting=hello from a configmap']));
    const stateful = () =>
      podJson(
        'stateful',
        [
          {
            name: 'main',
            image: img.busybox,
            command: ['sh', '-c', `trap 'exit 0' TERM; echo "run saw: $(cat /data/note 2>/dev/null || echo nothing)"; cp /conf/greeting /shared/greeting; while true; do sleep 0.2; done`],
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'conf', mountPath: '/conf', readOnly: true }, { name: 'shared', mountPath: '/shared' }],
            livenessProbe: { exec: { command: ['test', '-d', '/data'] }, periodSeconds: 1 },
          },
          {
            name: 'web',
            image: img.web,
            command: ['httpd', '-f', '-p', '8080', '-h', '/shared'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
            readinessProbe: { httpGet: { path: '/greeting', port: 8080 }, periodSeconds: 1 },
          },
        ],
        { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'conf', configMap: { name: 'conf' } }, { name: 'shared', emptyDir: { medium: 'Memory', sizeLimit: '2Mi' } }] },
      );
    ok(c.kubectl(['apply', '-f', '-'], { input: stateful() }));
    // Ready means the httpGet probe against the pod IP found the file copied into the emptyDir.
    const p = await waitRunning('stateful');
    assert.equal(await (await fetch(`http://${p.status.podIP}:8080/greeting`)).text(), 'hello from a configmap');
    // The memory-backed emptyDir is a tmpfs of its sizeLimit, shared by both containers.
    assert.match(ok(c.kubectl(['exec', 'stateful', '-c', 'web', '--', 'sh', '-c', 'grep " /shared " /proc/mounts'])), /^tmpfs \/shared tmpfs .*size=2048k/m);
    const ro = c.kubectl(['exec', 'stateful', '-c', 'main', '--', 'sh', '-c', 'echo x > /conf/new']);
    assert.notEqual(ro.code, 0, 'the configMap volume is read-only');
    ok(c.kubectl(['exec', 'stateful', '-c', 'main', '--', 'sh', '-c', 'echo kept > /data/note']));
    ok(c.kubectl(['exec', 'stateful', '-c', 'main', '--', 'sh', '-c', 'kill 1']));
    const restarted = await eventually(() => {
      const q = json(c, ['get', 'pod', 'stateful']);
      const cs = q.status.containerStatuses?.find((s: { name: string }) => s.name === 'main');
      return cs?.restartCount === 1 && cs.state.running && cs;
    }, 'a restart after kill 1', 30_000);
    assert.equal(restarted.lastState.terminated.exitCode, 0);
    assert.equal(ok(c.kubectl(['logs', 'stateful', '-c', 'main', '--previous'])), 'run saw: nothing\n');
    await eventually(() => c.kubectl(['logs', 'stateful', '-c', 'main']).stdout === 'run saw: kept\n', 'the second run sees the file');
    ok(c.kubectl(['delete', 'pod', 'stateful', '--grace-period=1']));
    ok(c.kubectl(['apply', '-f', '-'], { input: stateful() }));
    await eventually(() => c.kubectl(['logs', 'stateful', '-c', 'main']).stdout === 'run saw: kept\n', 'a new pod on the same claim sees the file', 60_000);
    ok(c.kubectl(['delete', 'pod', 'stateful', '--grace-period=1']));
  });

  test('offline: k8ts image import of a docker save tarball; imagePullPolicy Never runs it or says ErrImageNeverPull', async () => {
    const layer = busyboxLayer();
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['sh', '-c', 'echo imported image runs; sleep 3600'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] }, rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
    const cfgName = `${createHash('sha256').update(config).digest('hex')}.json`;
    const tar = writeTar([
      { name: cfgName, data: config },
      { name: 'l1/layer.tar', data: gunzipSync(layer.data) },
      { name: 'manifest.json', data: JSON.stringify([{ Config: cfgName, RepoTags: ['offline/busybox:1'], Layers: ['l1/layer.tar'] }]) },
    ]);
    const file = join(dataDir, 'offline.tar');
    writeFileSync(file, tar);
    const cli = (...args: string[]) => spawnSync(process.execPath, [K8TS_BIN, 'image', ...args, '--data-dir', dataDir], { encoding: 'utf8' });
    const imp = cli('import', file);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /^imported docker\.io\/offline\/busybox:1 /);
    assert.match(cli('ls').stdout, /^docker\.io\/offline\/busybox\s+1\s+[a-f0-9]{13}\s/m);
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('offline', [{ name: 'main', image: 'offline/busybox:1', imagePullPolicy: 'Never' }]) }));
    await waitRunning('offline');
    await eventually(() => c.kubectl(['logs', 'offline']).stdout === 'imported image runs\n', 'the imported entrypoint');
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('never', [{ name: 'main', image: 'offline/absent:1', imagePullPolicy: 'Never' }]) }));
    const w = await eventually(() => json(c, ['get', 'pod', 'never']).status?.containerStatuses?.[0]?.state?.waiting, 'ErrImageNeverPull', 30_000);
    assert.deepEqual(w, { reason: 'ErrImageNeverPull', message: 'Container image "offline/absent:1" is not present with pull policy of Never' });
    ok(c.kubectl(['delete', 'pod', 'offline', 'never', '--grace-period=1']));
  });

  test('a memory limit: exceeding it ends the container as OOMKilled (exit 137)', async () => {
    const hog = { name: 'hog', image: img.busybox, command: ['sh', '-c', 'tail /dev/zero'], resources: { limits: { memory: '32Mi' } } };
    ok(c.kubectl(['apply', '-f', '-'], { input: podJson('hog', [hog], { restartPolicy: 'Never' }) }));
    const term = await eventually(() => json(c, ['get', 'pod', 'hog']).status?.containerStatuses?.[0]?.state?.terminated, 'the hog to end', 30_000);
    assert.equal(term.reason, 'OOMKilled');
    assert.equal(term.exitCode, 137);
  });

  test('an agent restart keeps the containers running and adopts them', async () => {
    const before = json(c, ['get', 'pod', 'hello']).status.containerStatuses[0];
    assert.equal(await c.stop(), 0);
    // The containers outlived the agent. (A restarted `k8ts up` is ready after about 15 s: its
    // controller manager waits for the old leader lease to expire.)
    const again = await startCluster({ dataDir, args: ['--runtime', 'runc'], timeoutMs: 60_000 });
    c = again;
    const p = await waitRunning('hello');
    assert.equal(p.status.containerStatuses[0].containerID, before.containerID);
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.equal(ok(c.kubectl(['exec', 'hello', '--', 'echo', 'still here'])), 'still here\n');
  });

  test('deleting the pods leaves no bundle, mount, namespace, veth or cgroup behind', async () => {
    // This node's veths (other test files may have theirs meanwhile; a completed pod has none).
    const sandboxes = readdirSync(join(stateDir(), 'sandboxes'));
    const veths = sandboxes.map(vethName);
    // Their pod cgroups (named by the sandbox id's first 16 characters); another k8ts on this host has its own.
    const podCgroups = sandboxes.map((id) => join('/sys/fs/cgroup/memory/k8ts', id.slice(0, 16)));
    assert.ok(veths.some((v) => existsSync(`/sys/class/net/${v}`)));
    ok(c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 }));
    await eventually(() => readdirSync(join(stateDir(), 'sandboxes')).length === 0 && readdirSync(join(stateDir(), 'containers')).length === 0, 'the runtime state to empty', 30_000);
    assert.deepEqual(mountsUnder(dataDir), []);
    assert.deepEqual(veths.filter((v) => existsSync(`/sys/class/net/${v}`)), []);
    assert.deepEqual(podCgroups.filter((d) => existsSync(d)), []);
    assert.deepEqual(readdirSync(join(stateDir(), 'pods')), []);
    assert.equal(ok(c.kubectl(['get', 'pods', '-o', 'name'])), '');
  });
});
