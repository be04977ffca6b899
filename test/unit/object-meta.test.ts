import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath, apiErr, fieldErr } from '../../src/api/errors.js';
import type { ObjectMeta } from '../../src/api/types.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from '../../src/api/validation/names.js';
import {
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../../src/api/validation/object-meta.js';

const NS = { namespaced: true, nameFn: nameIsDNSSubdomain };
const CLUSTER = { namespaced: false, nameFn: nameIsDNSSubdomain };
const msgs = (errs: { toString(): string }[]) => errs.map((e) => e.toString());

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QNAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('a valid namespaced object has no errors', () => {
  const meta: ObjectMeta = {
    name: 'web-1',
    namespace: 'default',
    generation: 1,
    labels: { app: 'web', 'app.kubernetes.io/name': 'web', empty: '' },
    annotations: { 'Example.com/Key': 'anything goes here' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }],
    finalizers: ['example.com/cleanup', 'kubernetes', 'orphan'],
    managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', fieldsType: 'FieldsV1' }],
  };
  assert.deepEqual(msgs(validateObjectMeta(meta, NS)), []);
});

test('name, generateName and namespace rules', () => {
  const cases: [ObjectMeta, typeof NS, string[]][] = [
    [{ namespace: 'default' }, NS, ['metadata.name: Required value: name or generateName is required']],
    [{ name: 'Bad_Name', namespace: 'default' }, NS, [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`]],
    [{ generateName: 'web-', name: 'web-x7k2p', namespace: 'default' }, NS, []],
    [
      { generateName: 'Web-', name: 'Web-x7k2p', namespace: 'default' },
      NS,
      [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`, `metadata.name: Invalid value: "Web-x7k2p": ${SUBDOMAIN_MSG}`],
    ],
    [{ name: 'a' }, NS, ['metadata.namespace: Required value']],
    [{ name: 'a', namespace: 'Bad.NS' }, NS, [`metadata.namespace: Invalid value: "Bad.NS": ${LABEL_MSG}`]],
    [{ name: 'a', namespace: 'my.ns' }, NS, ['metadata.namespace: Invalid value: "my.ns": must not contain dots']],
    [{ name: 'a', namespace: 'default' }, CLUSTER, ['metadata.namespace: Forbidden: not allowed on this type']],
    [{ name: 'a.b' }, { namespaced: false, nameFn: nameIsDNSLabel }, ['metadata.name: Invalid value: "a.b": must not contain dots']],
    [{ name: 'a', namespace: 'x', generation: -1 }, NS, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
  ];
  for (const [meta, opts, want] of cases) assert.deepEqual(msgs(validateObjectMeta(meta, opts)), want, JSON.stringify(meta));
});

test('labels: keys and values are reported at the map path', () => {
  assert.deepEqual(msgs(validateLabels({ 'bad key': 'ok', good: '-bad-value-' }, FieldPath.root('metadata').child('labels'))), [
    `metadata.labels: Invalid value: "bad key": ${QNAME_MSG}`,
    `metadata.labels: Invalid value: "-bad-value-": ${LABEL_VALUE_MSG}`,
  ]);
  assert.deepEqual(msgs(validateLabels({ k: 'v'.repeat(64) }, FieldPath.root('spec').child('nodeSelector'))), [
    `spec.nodeSelector: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
  ]);
});

test('annotations: keys checked lower-cased; 256 KiB in total', () => {
  const p = FieldPath.root('metadata').child('annotations');
  assert.deepEqual(msgs(validateAnnotations({ 'Example.COM/Mixed': 'x' }, p)), []);
  assert.deepEqual(msgs(validateAnnotations({ 'a b': 'x' }, p)), [
    `metadata.annotations: Invalid value: "a b": ${QNAME_MSG}`,
  ]);
  assert.deepEqual(msgs(validateAnnotations({ k: 'x'.repeat(262144 - 1) }, p)), []);
  assert.deepEqual(msgs(validateAnnotations({ k: 'x'.repeat(262144) }, p)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
});

test('ownerReferences: required parts, banned owners, one controller', () => {
  const errs = msgs(validateObjectMeta({ name: 'a', namespace: 'd', ownerReferences: [{ apiVersion: 'apps/', kind: '', name: '', uid: '' }] }, NS));
  assert.deepEqual(errs, [
    'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
    'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
    'metadata.ownerReferences.name: Invalid value: "": must not be empty',
    'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
  ]);
  const event = msgs(validateObjectMeta({ name: 'a', namespace: 'd', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }] }, NS));
  assert.deepEqual(event, [
    'metadata.ownerReferences: Invalid value: v1.OwnerReference{APIVersion:"v1", Kind:"Event", Name:"e", UID:"u", Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(nil)}: /v1, Kind=Event is disallowed from being an owner',
  ]);
  const two = validateObjectMeta(
    {
      name: 'a',
      namespace: 'd',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u1', controller: true },
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds1', uid: 'u2', controller: true },
      ],
    },
    NS,
  );
  assert.equal(two.length, 1);
  assert.equal(two[0].field, 'metadata.ownerReferences');
  assert.match(
    two[0].toString(),
    /^metadata\.ownerReferences: Invalid value: \[\]v1\.OwnerReference\{v1\.OwnerReference\{APIVersion:"apps\/v1", Kind:"ReplicaSet", Name:"rs1", UID:"u1", Controller:\(\*bool\)\(0x[0-9a-f]+\), BlockOwnerDeletion:\(\*bool\)\(nil\)\}, .*\}: Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs1 and DaemonSet\/ds1$/,
  );
});

test('finalizers: qualified names, standard short names, orphan excludes foregroundDeletion', () => {
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['custom'] }, NS)), [
    'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['example.com/ok', 'a b'] }, NS)), [
    `metadata.finalizers: Invalid value: "a b": ${QNAME_MSG}`,
    'metadata.finalizers[1]: Invalid value: "a b": name is neither a standard finalizer name nor is it fully qualified',
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['orphan', 'foregroundDeletion'] }, NS)), [
    'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
  ]);
});

test('managedFields: operation, fieldsType, manager', () => {
  const errs = msgs(
    validateObjectMeta({ name: 'a', namespace: 'd', managedFields: [{ manager: 'x\u0007', operation: 'Merge' as 'Apply', fieldsType: 'FieldsV2' as 'FieldsV1' }] }, NS),
  );
  assert.deepEqual(errs, [
    'metadata.managedFields[0].operation: Invalid value: "Merge": must be `Apply` or `Update`',
    'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
    'metadata.managedFields[0].manager: Invalid value: "x\\a": invalid character U+0007 (at position 1)',
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a', namespace: 'd', managedFields: [{ manager: 'm'.repeat(129), operation: 'Apply' }] }, NS)), [
    'metadata.managedFields[0].manager: Too long: may not be more than 128 bytes',
  ]);
});

test('update: immutable identity fields, resourceVersion, generation, finalizers while deleting', () => {
  const old: ObjectMeta = { name: 'a', namespace: 'd', uid: 'u1', resourceVersion: '5', generation: 3, creationTimestamp: '2024-05-01T10:00:00Z' };
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old }, old)), []);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2' }, old)), [
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
  ]);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, namespace: 'other' }, old)), ['metadata.namespace: Invalid value: "other": field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-05-02T11:30:00Z' }, old)), [
    'metadata.creationTimestamp: Invalid value: 2024-05-02 11:30:00 +0000 UTC: field is immutable',
  ]);
  // The same instant written differently is not a change.
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-05-01T12:00:00+02:00' }, old)), []);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, resourceVersion: undefined, generation: 2 }, old)), [
    'metadata.resourceVersion: Invalid value: "": must be specified for an update',
    'metadata.generation: Invalid value: 2: must not be decremented',
  ]);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, deletionGracePeriodSeconds: 30 }, old)), [
    'metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
  ]);
  const deleting: ObjectMeta = { ...old, deletionTimestamp: '2024-05-03T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['example.com/a'] };
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting)), []);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...deleting, finalizers: ['example.com/a', 'example.com/z', 'example.com/b'] }, deleting)), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b", "example.com/z"}',
  ]);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...deleting, deletionTimestamp: undefined }, deleting)), ['metadata.deletionTimestamp: Invalid value: null: field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...deleting, deletionTimestamp: '2024-05-04T00:00:00.5Z' }, deleting)), [
    'metadata.deletionTimestamp: Invalid value: 2024-05-04 00:00:00.5 +0000 UTC: field is immutable',
  ]);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, labels: { 'a b': 'c' }, finalizers: ['custom'] }, old)), [
    `metadata.labels: Invalid value: "a b": ${QNAME_MSG}`,
    'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('validateLabelSelector: operators, values, keys (upstream messages)', () => {
  const p = FieldPath.root('spec').child('selector');
  assert.deepEqual(msgs(validateLabelSelector(null, p)), []);
  assert.deepEqual(msgs(validateLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, p)), []);
  const errs = msgs(
    validateLabelSelector(
      {
        matchLabels: { 'bad key': 'x' },
        matchExpressions: [
          { key: 'a', operator: 'In', values: [] },
          { key: 'b', operator: 'Exists', values: ['x'] },
          { key: 'c', operator: 'Foo' },
          { key: '-d', operator: 'NotIn', values: ['ok', 'bad value'] },
        ],
      },
      p,
    ),
  );
  assert.deepEqual(errs, [
    `spec.selector.matchLabels: Invalid value: "bad key": ${QNAME_MSG}`,
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Foo": not a valid selector operator',
    `spec.selector.matchExpressions[3].key: Invalid value: "-d": ${QNAME_MSG}`,
    `spec.selector.matchExpressions[3].values[1]: Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
  ]);
  const lenient = msgs(validateLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In', values: ['bad value'] }] }, p, { allowInvalidLabelValueInSelector: true }));
  assert.deepEqual(lenient, []);
});

test('errors render into a 422 Status the way kubectl prints them', () => {
  const errs = validateObjectMeta({ name: 'Bad', namespace: 'default' }, NS);
  const e = apiErr.invalid('apps', 'Deployment', 'Bad', errs);
  assert.equal(e.code, 422);
  assert.equal(e.message, `Deployment.apps "Bad" is invalid: metadata.name: Invalid value: "Bad": ${SUBDOMAIN_MSG}`);
  assert.deepEqual(e.details?.causes, [{ reason: 'FieldValueInvalid', message: `Invalid value: "Bad": ${SUBDOMAIN_MSG}`, field: 'metadata.name' }]);
});

test('field.TooLong wording (1.32): bytes, singular byte, unknown limit; the value is never shown', () => {
  assert.equal(fieldErr.tooLong('a', 'xx', 2).toString(), 'a: Too long: may not be more than 2 bytes');
  assert.equal(fieldErr.tooLong('a', 'xx', 1).toString(), 'a: Too long: may not be more than 1 byte');
  assert.equal(fieldErr.tooLong('a', 'xx', -1).toString(), 'a: Too long: value is too long');
  // Strings are quoted as Go's %q does.
  assert.equal(fieldErr.invalid('a', 'tab\there\u0000').toString(), 'a: Invalid value: "tab\\there\\x00"');
});

test('422 message lists identical errors once, as ErrorList.ToAggregate', () => {
  const errs = validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['a b', 'a b'] }, NS);
  assert.equal(errs.length, 4);
  const e = apiErr.invalid('', 'Pod', 'a', errs);
  assert.equal(e.details?.causes?.length, 4);
  assert.equal(
    e.message,
    `Pod "a" is invalid: [metadata.finalizers: Invalid value: "a b": ${QNAME_MSG}, ` +
      'metadata.finalizers[0]: Invalid value: "a b": name is neither a standard finalizer name nor is it fully qualified, ' +
      'metadata.finalizers[1]: Invalid value: "a b": name is neither a standard finalizer name nor is it fully qualified]',
  );
  assert.equal(apiErr.invalid('', 'Pod', 'a', []).message, 'Pod "a" is invalid');
});
