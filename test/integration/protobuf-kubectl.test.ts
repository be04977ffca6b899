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
    groups: ['apps', 'batch', 'policy'].map((g) => ({
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
  '/apis/policy/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'policy/v1',
    resources: [resource('poddisruptionbudgets', 'PodDisruptionBudget', true)],
  },
};

// A CronJob whose job template touches most of PodSpec/JobSpec (pointers set to zero values, IntOrString both ways,
// quantities, int64s, inline structs, maps, nested volume sources). `create job --from` makes kubectl decode it from
// JSON into Go structs and send it back as protobuf, so comparing with dry-run checks the descriptor tables for all
// of these messages against Go itself.
const RICH_POD_SPEC = {
  volumes: [
    { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'a', path: 'a.txt', mode: 0o400 }], defaultMode: 0o644, optional: false } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 0 } },
    {
      name: 'proj',
      projected: {
        sources: [
          { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
          { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } }] } },
          { configMap: { name: 'cm2', optional: true } },
          { clusterTrustBundle: { signerName: 'example.com/s', labelSelector: { matchLabels: { a: 'b' } }, path: 'ca.pem' } },
        ],
        defaultMode: 420,
      },
    },
    { name: 'host', hostPath: { path: '/var/log', type: '' } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'pvc', readOnly: true } },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { t: 'x' } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            storageClassName: '',
            volumeMode: 'Filesystem',
            dataSourceRef: { kind: 'VolumeSnapshot', name: 'snap', apiGroup: 'snapshot.storage.k8s.io' },
          },
        },
      },
    },
    { name: 'csi', csi: { driver: 'x.csi', volumeAttributes: { z: '1', a: '2' }, nodePublishSecretRef: { name: 'n' } } },
    { name: 'nfs', nfs: { server: 'nfs.local', path: '/x' } },
    { name: 'img', image: { reference: 'registry/img:1', pullPolicy: 'IfNotPresent' } },
  ],
  initContainers: [{ name: 'sidecar', image: 'busybox', restartPolicy: 'Always', resources: { requests: { cpu: '10m' } } }],
  containers: [
    {
      name: 'main',
      image: 'busybox',
      command: ['sh', '-c'],
      args: ['echo hi'],
      workingDir: '/w',
      ports: [{ name: 'http', containerPort: 8080, hostPort: 0, protocol: 'TCP', hostIP: '' }, { containerPort: 9090, protocol: 'UDP' }],
      envFrom: [{ prefix: 'P_', configMapRef: { name: 'cm' } }, { secretRef: { name: 's', optional: true } }],
      env: [
        { name: 'A', value: 'a' },
        { name: 'EMPTY', value: '' },
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'SEC', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } },
      ],
      resources: { limits: { cpu: '1500m', memory: '128Mi', 'example.com/gpu': '1' }, requests: { cpu: '500m', memory: '1Gi' }, claims: [{ name: 'gpu', request: 'r' }] },
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      volumeMounts: [
        { name: 'scratch', mountPath: '/scratch', readOnly: true, recursiveReadOnly: 'Disabled', mountPropagation: 'HostToContainer', subPathExpr: '$(POD)' },
      ],
      volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }],
      livenessProbe: {
        httpGet: { path: '/healthz', port: 'http', host: 'h', scheme: 'HTTPS', httpHeaders: [{ name: 'X-A', value: '' }] },
        initialDelaySeconds: 0,
        timeoutSeconds: 2,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
        terminationGracePeriodSeconds: 0,
      },
      readinessProbe: { tcpSocket: { port: 8080 } },
      startupProbe: { grpc: { port: 9090, service: '' } },
      lifecycle: { postStart: { exec: { command: ['true'] } }, preStop: { sleep: { seconds: 0 } } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'FallbackToLogsOnError',
      imagePullPolicy: 'Always',
      securityContext: {
        capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
        privileged: false,
        seLinuxOptions: { user: 'u', level: 's0:c1' },
        windowsOptions: { gmsaCredentialSpecName: 'g', hostProcess: false },
        runAsUser: 0,
        runAsGroup: 3000,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        procMount: 'Default',
        seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
        appArmorProfile: { type: 'RuntimeDefault' },
      },
      stdin: true,
      stdinOnce: false,
      tty: true,
    },
  ],
  restartPolicy: 'OnFailure',
  terminationGracePeriodSeconds: 0,
  activeDeadlineSeconds: 4294967296,
  dnsPolicy: 'None',
  nodeSelector: { zone: 'b', arch: 'amd64' },
  serviceAccountName: 'sa',
  automountServiceAccountToken: false,
  nodeName: '',
  hostNetwork: true,
  hostPID: false,
  shareProcessNamespace: true,
  securityContext: {
    runAsUser: 1000,
    runAsGroup: 0,
    fsGroup: 2000,
    supplementalGroups: [1, 4294967296],
    supplementalGroupsPolicy: 'Strict',
    sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    fsGroupChangePolicy: 'OnRootMismatch',
    seLinuxChangePolicy: 'MountOption',
  },
  imagePullSecrets: [{ name: 'regcred' }, {}],
  hostname: 'h',
  subdomain: 'sub',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }],
    },
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, namespaces: ['a'], topologyKey: 'zone', namespaceSelector: {}, matchLabelKeys: ['pod-template-hash'] },
      ],
    },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'host' } }] },
  },
  schedulerName: 'default-scheduler',
  tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 0 }, { operator: 'Exists' }],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['a', 'b'] }],
  priorityClassName: 'high',
  priority: -10,
  dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  readinessGates: [{ conditionType: 'x/ready' }],
  runtimeClassName: 'gvisor',
  enableServiceLinks: false,
  preemptionPolicy: 'Never',
  overhead: { cpu: '250m' },
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } }, minDomains: 2, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore', matchLabelKeys: ['v'] },
  ],
  setHostnameAsFQDN: false,
  os: { name: 'linux' },
  hostUsers: false,
  schedulingGates: [{ name: 'gate' }],
  resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'tmpl' }],
  resources: { limits: { cpu: '2' } },
};

const RICH_CRONJOB = {
  kind: 'CronJob',
  apiVersion: 'batch/v1',
  metadata: { name: 'rich', namespace: 'default', uid: 'uid-rich', creationTimestamp: '2025-04-22T16:02:27Z' },
  spec: {
    schedule: '0 * * * *',
    jobTemplate: {
      metadata: { labels: { tier: 'batch' }, annotations: { note: 'x' } },
      spec: {
        parallelism: 0,
        completions: 4,
        activeDeadlineSeconds: 600,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42, -1] } },
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          ],
        },
        successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 0 }] },
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 0,
        manualSelector: false,
        template: { metadata: { labels: { tier: 'batch' } }, spec: RICH_POD_SPEC },
        ttlSecondsAfterFinished: 0,
        completionMode: 'Indexed',
        suspend: true,
        podReplacementPolicy: 'Failed',
        managedBy: 'kueue.x-k8s.io/multikueue',
      },
    },
  },
};

/** A mock API server: discovery, /version, POST (decode + echo 201) and GET of previously created objects. */
async function startServer(minor: string): Promise<{ url: string; captured: Captured[]; close: () => Promise<void> }> {
  const captured: Captured[] = [];
  const created = new Map<string, KObject>([['/apis/batch/v1/namespaces/default/cronjobs/rich', RICH_CRONJOB as unknown as KObject]]);
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
  { args: ['create', 'job', 'j3', '--from', 'cronjob/rich'], printed: 'job.batch/j3 created', post: '/apis/batch/v1/namespaces/default/jobs' },
  { args: ['create', 'namespace', 'ns1'], printed: 'namespace/ns1 created', post: '/api/v1/namespaces' },
  { args: ['create', 'configmap', 'cm1', '--from-literal', 'a=b'], printed: 'configmap/cm1 created', post: '/api/v1/namespaces/default/configmaps' },
  { args: ['create', 'secret', 'generic', 's1', '--from-literal', 'a=b'], printed: 'secret/s1 created', post: '/api/v1/namespaces/default/secrets' },
  { args: ['create', 'service', 'clusterip', 'svc1', '--tcp', '80:8080'], printed: 'service/svc1 created', post: '/api/v1/namespaces/default/services' },
  { args: ['create', 'pdb', 'pdb1', '--selector', 'app=web', '--min-available', '2'], printed: 'poddisruptionbudget.policy/pdb1 created', post: '/apis/policy/v1/namespaces/default/poddisruptionbudgets' },
  { args: ['create', 'pdb', 'pdb2', '--selector', 'app in (a,b)', '--max-unavailable', '50%'], printed: 'poddisruptionbudget.policy/pdb2 created', post: '/apis/policy/v1/namespaces/default/poddisruptionbudgets' },
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
      assert.deepEqual(byName.get('pdb1')!.spec, { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
      assert.deepEqual(byName.get('pdb2')!.spec.maxUnavailable, '50%');
      const j2 = byName.get('j2')!;
      assert.deepEqual(j2.metadata.annotations, { 'cronjob.kubernetes.io/instantiate': 'manual' });
      assert.deepEqual(j2.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'c1', uid: 'uid-3', controller: true }]);
      assert.equal(byName.get('c1')!.spec.schedule, '*/1 * * * *');
      assert.deepEqual(byName.get('s1')!.data, { a: Buffer.from('b').toString('base64') });
      // Values whose zero-ness matters: pointers set to 0/false survive, non-pointer zeros vanish, int64s are exact.
      const j3 = byName.get('j3')!;
      assert.equal(j3.spec.parallelism, 0);
      assert.equal(j3.spec.suspend, true);
      const pod = j3.spec.template.spec;
      assert.equal(pod.terminationGracePeriodSeconds, 0);
      assert.equal(pod.activeDeadlineSeconds, 4294967296);
      assert.deepEqual(pod.securityContext.supplementalGroups, [1, 4294967296]);
      assert.equal(pod.containers[0].securityContext.privileged, false);
      assert.equal(pod.containers[0].livenessProbe.httpGet.port, 'http');
      assert.equal(pod.containers[0].readinessProbe.tcpSocket.port, 8080);
      assert.equal(pod.containers[0].resources.limits.cpu, '1500m');
      assert.equal(pod.hostPID, undefined);
      assert.deepEqual(pod.volumes[2], { name: 'sec', secret: { secretName: 's', defaultMode: 0 } });
      assert.deepEqual(byName.get('svc1')!.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    } finally {
      await srv.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
}
