import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import {
  admitPodServiceAccount, admissionObjectName, applyServiceAccount, enforcesMountableSecrets, mirrorPodViolation,
  podSecretNames, podServiceAccountName, secretReferenceViolation,
} from '../../src/apiserver/service-account-admission.js';
import { missingServiceAccounts, repairedRootCAConfigMap, rootCAConfigMap, DESCRIPTION_ANNOTATION, ROOT_CA_DESCRIPTION } from '../../src/controllers/serviceaccount/index.js';

function pod(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = { name: 'x' }): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', ...meta }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

function sa(name: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>): KObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) }, ...extra };
}

/** A lookup over fixed accounts that records what was asked. */
function lookupOf(...accounts: KObject[]) {
  const asked: string[] = [];
  const fn = async (name: string) => {
    asked.push(name);
    return accounts.find((a) => a.metadata.name === name);
  };
  return Object.assign(fn, { asked });
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    return err;
  }
  assert.fail('expected a rejection');
}

test('the account: serviceAccountName, else the deprecated serviceAccount, else default', () => {
  assert.equal(podServiceAccountName(pod()), 'default');
  assert.equal(podServiceAccountName(pod({ serviceAccountName: 'builder' })), 'builder');
  assert.equal(podServiceAccountName(pod({ serviceAccount: 'old' })), 'old');
  assert.equal(podServiceAccountName(pod({ serviceAccountName: 'new', serviceAccount: 'old' })), 'new');
  assert.equal(podServiceAccountName(pod({ serviceAccountName: '' })), 'default');
});

test('a pod with no account runs as default, and both fields say so', async () => {
  const p = pod();
  const lookup = lookupOf(sa('default'));
  await admitPodServiceAccount(p, 'ns', lookup);
  assert.deepEqual(lookup.asked, ['default']);
  assert.equal(p.spec.serviceAccountName, 'default');
  assert.equal(p.spec.serviceAccount, 'default');
  assert.equal(p.spec.imagePullSecrets, undefined);
  // No token volume or mounts: k8ts issues no tokens.
  assert.equal(p.spec.volumes, undefined);
  assert.equal(p.spec.containers[0].volumeMounts, undefined);
});

test('the deprecated serviceAccount alone names the account', async () => {
  const p = pod({ serviceAccount: 'builder' });
  await admitPodServiceAccount(p, 'ns', lookupOf(sa('builder')));
  assert.equal(p.spec.serviceAccountName, 'builder');
  assert.equal(p.spec.serviceAccount, 'builder');
});

test('a missing account: 403 Forbidden in upstream words, named after the pod', async () => {
  const err = await rejection(admitPodServiceAccount(pod({ serviceAccountName: 'missing' }), 'ns', lookupOf(sa('default'))));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(err.message, 'pods "x" is forbidden: error looking up service account ns/missing: serviceaccount "missing" not found');
  assert.deepEqual(err.details, { name: 'x', kind: 'pods' });

  const gen = await rejection(admitPodServiceAccount(pod({}, { generateName: 'web-5c689d88bb-' }), 'ns', lookupOf()));
  assert.equal(gen.message, 'pods "web-5c689d88bb-" is forbidden: error looking up service account ns/default: serviceaccount "default" not found');
  assert.equal(admissionObjectName({ metadata: {} } as KObject), 'Unknown');
});

test('imagePullSecrets come from the account only when the pod has none', async () => {
  const builder = sa('builder', { imagePullSecrets: [{ name: 'regcred' }, { name: 'other' }] });
  const p = pod({ serviceAccountName: 'builder' });
  await admitPodServiceAccount(p, 'ns', lookupOf(builder));
  assert.deepEqual(p.spec.imagePullSecrets, [{ name: 'regcred' }, { name: 'other' }]);
  // A copy: the account's list is not shared.
  assert.notEqual(p.spec.imagePullSecrets, builder.imagePullSecrets);

  const own = pod({ serviceAccountName: 'builder', imagePullSecrets: [{ name: 'mine' }] });
  await admitPodServiceAccount(own, 'ns', lookupOf(builder));
  assert.deepEqual(own.spec.imagePullSecrets, [{ name: 'mine' }]);

  const empty = pod({ serviceAccountName: 'builder', imagePullSecrets: [] });
  await admitPodServiceAccount(empty, 'ns', lookupOf(builder));
  assert.deepEqual(empty.spec.imagePullSecrets, [{ name: 'regcred' }, { name: 'other' }]);
});

test('automountServiceAccountToken is left as given', async () => {
  const p = pod({ automountServiceAccountToken: false });
  await admitPodServiceAccount(p, 'ns', lookupOf(sa('default', { automountServiceAccountToken: true })));
  assert.equal(p.spec.automountServiceAccountToken, false);
  const q = pod();
  await admitPodServiceAccount(q, 'ns', lookupOf(sa('default', { automountServiceAccountToken: false })));
  assert.equal(q.spec.automountServiceAccountToken, undefined);
});

test('applyServiceAccount on a pod without a spec object', () => {
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } as KObject;
  applyServiceAccount(p, 'default', undefined);
  assert.deepEqual(p.spec, { serviceAccountName: 'default', serviceAccount: 'default' });
});

test('mirror pods: not defaulted, no accounts, no secrets, no token projections', async () => {
  const mirror = { 'kubernetes.io/config.mirror': 'abc' };
  const plain = pod({}, { name: 'm', annotations: mirror });
  const lookup = lookupOf();
  await admitPodServiceAccount(plain, 'ns', lookup);
  assert.deepEqual(lookup.asked, []);
  assert.equal(plain.spec.serviceAccountName, undefined);

  const withSA = await rejection(admitPodServiceAccount(pod({ serviceAccountName: 'default' }, { name: 'm', annotations: mirror }), 'ns', lookupOf(sa('default'))));
  assert.equal(withSA.message, 'pods "m" is forbidden: a mirror pod may not reference service accounts');
  assert.equal(mirrorPodViolation(pod({ volumes: [{ name: 'v', secret: { secretName: 's' } }] })), 'a mirror pod may not reference secrets');
  assert.equal(
    mirrorPodViolation(pod({ volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] })),
    'a mirror pod may not use ServiceAccountToken volume projections',
  );
});

test('podSecretNames: pull secrets, env, envFrom and volumes', () => {
  const names = podSecretNames({
    imagePullSecrets: [{ name: 'pull' }],
    initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-from' } }] }],
    containers: [{ name: 'c', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'env', key: 'k' } } }, { name: 'F', value: 'v' }] }],
    volumes: [{ name: 'a', secret: { secretName: 'vol' } }, { name: 'b', projected: { sources: [{ secret: { name: 'proj' } }] } }, { name: 'c', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi' } } }],
  });
  assert.deepEqual(names.sort(), ['csi', 'env', 'init-from', 'proj', 'pull', 'vol']);
});

test('kubernetes.io/enforce-mountable-secrets limits what the pod may reference', async () => {
  assert.equal(enforcesMountableSecrets(sa('a', {}, { 'kubernetes.io/enforce-mountable-secrets': 'true' })), true);
  assert.equal(enforcesMountableSecrets(sa('a', {}, { 'kubernetes.io/enforce-mountable-secrets': 'T' })), true);
  assert.equal(enforcesMountableSecrets(sa('a', {}, { 'kubernetes.io/enforce-mountable-secrets': 'yes' })), false);
  assert.equal(enforcesMountableSecrets(sa('a')), false);

  const strict = sa('strict', { secrets: [{ name: 'ok' }], imagePullSecrets: [{ name: 'pull' }] }, { 'kubernetes.io/enforce-mountable-secrets': 'true' });
  assert.equal(secretReferenceViolation(strict, pod({ volumes: [{ name: 'v', secret: { secretName: 'ok' } }] })), undefined);
  assert.equal(
    secretReferenceViolation(strict, pod({ volumes: [{ name: 'v', secret: { secretName: 'nope' } }] })),
    'volume with secret.secretName="nope" is not allowed because service account strict does not reference that secret',
  );
  assert.equal(
    secretReferenceViolation(strict, pod({ containers: [{ name: 'c', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }] })),
    'container c with envVar E referencing secret.secretName="nope" is not allowed because service account strict does not reference that secret',
  );
  assert.equal(
    secretReferenceViolation(strict, pod({ initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'nope' } }] }] })),
    'init container i with envFrom referencing secret.secretName="nope" is not allowed because service account strict does not reference that secret',
  );
  assert.equal(
    secretReferenceViolation(strict, pod({ imagePullSecrets: [{ name: 'pull' }, { name: 'nope' }] })),
    'imagePullSecrets[1].name="nope" is not allowed because service account strict does not reference that imagePullSecret',
  );

  // Through admission: the account's own pull secrets (copied in) pass; others are forbidden.
  const p = pod({ serviceAccountName: 'strict' });
  await admitPodServiceAccount(p, 'ns', lookupOf(strict));
  assert.deepEqual(p.spec.imagePullSecrets, [{ name: 'pull' }]);
  const err = await rejection(admitPodServiceAccount(pod({ serviceAccountName: 'strict', volumes: [{ name: 'v', secret: { secretName: 'nope' } }] }), 'ns', lookupOf(strict)));
  assert.equal(err.code, 403);
  assert.equal(err.message, 'pods "x" is forbidden: volume with secret.secretName="nope" is not allowed because service account strict does not reference that secret');
});

test('ServiceAccounts controller: only Active namespaces get the missing accounts', () => {
  const ns = (phase?: string, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'a', ...extra }, status: phase ? { phase } : {} }) as KObject;
  assert.deepEqual(missingServiceAccounts(ns('Active'), () => false), ['default']);
  assert.deepEqual(missingServiceAccounts(ns('Active'), () => true), []);
  assert.deepEqual(missingServiceAccounts(ns('Terminating', { deletionTimestamp: '2024-01-01T00:00:00Z' }), () => false), []);
  assert.deepEqual(missingServiceAccounts(undefined, () => false), []);
});

test('root CA publisher: the ConfigMap, and what it puts back', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n';
  const cm = rootCAConfigMap('ns', ca);
  assert.deepEqual(cm.metadata, { name: 'kube-root-ca.crt', namespace: 'ns', annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } });
  assert.deepEqual(cm.data, { 'ca.crt': ca });
  assert.equal(repairedRootCAConfigMap(cm, ca), undefined);

  // A user's own description and other annotations stay; only an empty one is replaced.
  const described = { ...cm, metadata: { ...cm.metadata, annotations: { [DESCRIPTION_ANNOTATION]: 'mine', x: 'y' } } };
  assert.equal(repairedRootCAConfigMap(described, ca), undefined);
  const edited = { ...cm, metadata: { ...cm.metadata, labels: { l: '1' }, annotations: { [DESCRIPTION_ANNOTATION]: '', x: 'y' } }, data: { 'ca.crt': 'junk', extra: '1' } };
  const fixed = repairedRootCAConfigMap(edited, ca)!;
  assert.deepEqual(fixed.data, { 'ca.crt': ca });
  assert.deepEqual(fixed.metadata.annotations, { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION, x: 'y' });
  assert.deepEqual(fixed.metadata.labels, { l: '1' });
  assert.equal(edited.data['ca.crt'], 'junk', 'the cached object is not modified');
  assert.deepEqual(repairedRootCAConfigMap({ ...cm, data: {} }, ca)!.data, { 'ca.crt': ca });
});
