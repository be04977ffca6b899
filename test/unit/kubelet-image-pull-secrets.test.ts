// imagePullSecrets: Secrets as the API returns them (base64 data) decoded into docker configs,
// and the credentials the runc runtime then finds for an image's registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../src/api/types.js';
import { credentialsFromDockerConfigs } from '../../src/images/registry-auth.js';
import { parseReference } from '../../src/images/reference.js';
import { dockerConfigOfSecret, podPullSecrets, pullSecretNames } from '../../src/kubelet/image-pull-secrets.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(name: string, type: string, data: Record<string, string>): KObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'team' }, type, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) } as KObject;
}

/** What `kubectl create secret docker-registry NAME --docker-server=S --docker-username=U --docker-password=P` stores. */
function kubectlSecret(name: string, server: string, user: string, password: string): KObject {
  const cfg = { auths: { [server]: { username: user, password, auth: b64(`${user}:${password}`) } } };
  return secret(name, 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify(cfg) });
}

function pod(names: unknown[]): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { containers: [], imagePullSecrets: names } } as KObject;
}

/** The credentials a pull of `image` gets from these secrets. */
function credsFor(image: string, ...secrets: KObject[]) {
  const docs = secrets.map(dockerConfigOfSecret).filter((d) => d !== undefined);
  return credentialsFromDockerConfigs(parseReference(image).registry, docs);
}

test('kubernetes.io/dockerconfigjson as kubectl creates it: found by the image registry host', () => {
  const s = kubectlSecret('regcred', '127.0.0.1:5000', 'alice', 's3cret');
  assert.deepEqual(credsFor('127.0.0.1:5000/private/busybox:1', s), { username: 'alice', password: 's3cret' });
  assert.equal(credsFor('127.0.0.1:5001/private/busybox:1', s), undefined, 'another port is another registry');
  assert.equal(credsFor('busybox', s), undefined);
});

test('registry keys: bare host, scheme, /v1/ and /v2/ suffixes; Docker Hub under its legacy key', () => {
  for (const key of ['reg.example.com:8443', 'https://reg.example.com:8443', 'http://reg.example.com:8443', 'https://reg.example.com:8443/v1/', 'reg.example.com:8443/v2/']) {
    const s = secret('k', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify({ auths: { [key]: { auth: b64('u:p') } } }) });
    assert.deepEqual(credsFor('reg.example.com:8443/app:1', s), { username: 'u', password: 'p' }, key);
  }
  // kubectl's default --docker-server.
  const hub = kubectlSecret('hub', 'https://index.docker.io/v1/', 'me', 'pw');
  assert.deepEqual(credsFor('busybox:1.36', hub), { username: 'me', password: 'pw' });
  assert.deepEqual(credsFor('docker.io/me/app', hub), { username: 'me', password: 'pw' });
  assert.equal(credsFor('ghcr.io/me/app', hub), undefined);
});

test('the auth field wins over username/password; username/password alone also work; a password may hold colons', () => {
  const both = secret('both', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify({ auths: { 'r.io': { username: 'stale', password: 'old', auth: b64('fresh:a:b:c') } } }) });
  assert.deepEqual(credsFor('r.io/x', both), { username: 'fresh', password: 'a:b:c' });
  const plain = secret('plain', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify({ auths: { 'r.io': { username: 'u', password: 'p' } } }) });
  assert.deepEqual(credsFor('r.io/x', plain), { username: 'u', password: 'p' });
});

test('kubernetes.io/dockercfg: the host entries without "auths"', () => {
  const s = secret('old', 'kubernetes.io/dockercfg', { '.dockercfg': JSON.stringify({ 'https://quay.io/v1/': { auth: b64('q:w'), email: 'q@example.com' }, 'r.io': { username: 'ru', password: 'rp' } }) });
  assert.deepEqual(dockerConfigOfSecret(s), { auths: { 'https://quay.io/v1/': { auth: b64('q:w'), email: 'q@example.com' }, 'r.io': { username: 'ru', password: 'rp' } } });
  assert.deepEqual(credsFor('quay.io/org/img:2', s), { username: 'q', password: 'w' });
  assert.deepEqual(credsFor('r.io/img', s), { username: 'ru', password: 'rp' });
});

test('only docker registry secrets count, by type and key; bad JSON is an error naming the secret', () => {
  const cfg = JSON.stringify({ auths: { 'r.io': { auth: b64('u:p') } } });
  assert.equal(dockerConfigOfSecret(secret('opaque', 'Opaque', { '.dockerconfigjson': cfg })), undefined);
  assert.equal(dockerConfigOfSecret(secret('wrongkey', 'kubernetes.io/dockerconfigjson', { '.dockercfg': cfg })), undefined);
  assert.equal(dockerConfigOfSecret(secret('empty', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '' })), undefined);
  assert.deepEqual(dockerConfigOfSecret(secret('noauths', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{}' })), { auths: {} });
  assert.throws(() => dockerConfigOfSecret(secret('broken', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{"auths": ' })), /the \.dockerconfigjson of image pull secret "broken" is not valid JSON/);
  assert.throws(() => dockerConfigOfSecret(secret('array', 'kubernetes.io/dockercfg', { '.dockercfg': '[]' })), /the \.dockercfg of image pull secret "array" is not a JSON object/);
});

test('a pod\'s secrets: read in order from its namespace, the first with an entry wins, missing ones are named', async () => {
  const store = new Map<string, KObject>([
    ['team/first', kubectlSecret('first', 'r.io', 'one', '1')],
    ['team/second', kubectlSecret('second', 'r.io', 'two', '2')],
    ['team/other', kubectlSecret('other', 'q.io', 'q', 'q')],
    ['elsewhere/gone', kubectlSecret('gone', 'r.io', 'x', 'x')],
  ]);
  const asked: string[] = [];
  const get = async (ns: string, name: string) => {
    asked.push(`${ns}/${name}`);
    if (name === 'failing') throw new Error('connection refused');
    return store.get(`${ns}/${name}`);
  };
  const p = pod([{ name: 'gone' }, { name: 'other' }, { name: '' }, {}, { name: 'second' }, { name: 'failing' }, { name: 'first' }]);
  assert.deepEqual(pullSecretNames(p), ['gone', 'other', 'second', 'failing', 'first']);
  const got = await podPullSecrets(p, get);
  assert.deepEqual(asked, ['team/gone', 'team/other', 'team/second', 'team/failing', 'team/first']);
  assert.deepEqual(got.missing, ['gone', 'failing']);
  assert.equal(got.dockerConfigs.length, 3);
  assert.deepEqual(credentialsFromDockerConfigs('r.io', got.dockerConfigs), { username: 'two', password: '2' });
  assert.deepEqual(credentialsFromDockerConfigs('q.io', got.dockerConfigs), { username: 'q', password: 'q' });
  assert.deepEqual(await podPullSecrets(pod([]), get), { dockerConfigs: [], missing: [] });
  assert.deepEqual(pullSecretNames({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} } as KObject), []);
});
