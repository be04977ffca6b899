// Real kubectl against `k8ts up`: Events are stored once (core/v1) and events.k8s.io/v1 serves
// them converted, so each API sees the other's writes: kubectl describe/events (core/v1) show an
// events.k8s.io/v1 event, `get events.events.k8s.io` shows the recorder's core/v1 events with
// note/regarding, a watch through events.k8s.io/v1 sees core/v1 writes, and validation follows
// the version written through.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, ok, rawRequest, startCluster, type Cluster } from './harness.js';

const pod = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'x' },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
});

function eventsV1(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, labels: { src: 'ev1' } },
    regarding: { apiVersion: 'v1', kind: 'Pod', name: 'x', namespace: 'default' },
    eventTime: new Date().toISOString().replace('Z', '000Z'),
    reportingController: 'example.com/tester',
    reportingInstance: 'tester-1',
    action: 'Testing',
    reason: 'StructuredHello',
    note: 'hello from events.k8s.io/v1',
    type: 'Normal',
    ...extra,
  });
}

describe('one Event resource, two API versions', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster();
    ok(c.kubectl(['create', '-f', '-'], { input: pod }));
  });
  after(async () => {
    await c?.destroy();
  });

  test('the recorder\'s core/v1 events show through events.k8s.io/v1 with note and regarding', async () => {
    const out: string = await eventually(() => {
      const r = c.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'regarding.name=x,reason=Scheduled', '-o', 'yaml']);
      return r.code === 0 && r.stdout.includes('note:') ? r.stdout : undefined;
    }, 'a Scheduled event through events.k8s.io/v1').then((s) => s ?? '');
    assert.match(out, /apiVersion: events\.k8s\.io\/v1/);
    assert.match(out, /regarding:\n\s+apiVersion: v1\n\s+kind: Pod/);
    assert.match(out, /note: Successfully assigned default\/x/);
    assert.doesNotMatch(out, /involvedObject|\bmessage:/);
    // Table as upstream (the core event columns).
    const table = ok(c.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'regarding.name=x']));
    assert.match(table.split('\n')[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(table, /Scheduled\s+pod\/x\s+Successfully assigned/);
  });

  test('an events.k8s.io/v1 event shows in kubectl describe pod and kubectl events', async () => {
    // kubectl describe selects events by the pod's uid too.
    const uid = ok(c.kubectl(['get', 'pod', 'x', '-o', 'jsonpath={.metadata.uid}']));
    ok(c.kubectl(['create', '-f', '-'], { input: eventsV1('x.structured', { regarding: { apiVersion: 'v1', kind: 'Pod', name: 'x', namespace: 'default', uid } }) }));
    const core = JSON.parse(ok(c.kubectl(['get', 'events', 'x.structured', '-o', 'json'])));
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.message, 'hello from events.k8s.io/v1');
    assert.equal(core.involvedObject.name, 'x');
    assert.equal(core.reportingComponent, 'example.com/tester');
    const desc = ok(c.kubectl(['describe', 'pod', 'x']));
    assert.match(desc, /StructuredHello\s+.*hello from events\.k8s\.io\/v1/);
    const evs = ok(c.kubectl(['events', '--for', 'pod/x']));
    assert.match(evs, /StructuredHello\s+Pod\/x\s+hello from events\.k8s\.io\/v1/);
    // One object, one resourceVersion through both APIs.
    const v1 = JSON.parse(ok(c.kubectl(['get', 'events.v1.events.k8s.io', 'x.structured', '-o', 'json'])));
    assert.equal(v1.metadata.resourceVersion, core.metadata.resourceVersion);
    assert.equal(v1.metadata.uid, core.metadata.uid);
  });

  test('a watch through events.k8s.io/v1 sees core/v1 writes, converted', async () => {
    const w = c.kubectlStream(['get', 'events.events.k8s.io', '--watch-only', '-o', 'jsonpath={.metadata.name} {.note}{"\\n"}']);
    try {
      await eventually(async () => {
        // Core/v1 writes until the watch (started asynchronously) has seen one.
        const name = `x.core${Date.now()}`;
        const r = await c.kubectlAsync(['create', '-f', '-'], {
          input: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' }, reason: 'CoreHello', message: 'from core/v1', type: 'Normal' }),
        });
        ok(r);
        return w.output().includes('from core/v1');
      }, 'the core/v1 event in the events.k8s.io/v1 watch', 30_000, 1000);
    } finally {
      await w.stop();
    }
  });

  test('validation follows the API version written through', async () => {
    const noTime = c.kubectl(['create', '-f', '-'], { input: eventsV1('x.notime', { eventTime: undefined, deprecatedCount: 2 }) });
    assert.notEqual(noTime.code, 0);
    assert.match(noTime.stderr, /The Event "x\.notime" is invalid: \n\* eventTime: Required value\n\* count: Invalid value: "": needs to be unset/);
    const noCtl = c.kubectl(['create', '-f', '-'], { input: eventsV1('x.noctl', { reportingController: undefined, action: undefined }) });
    assert.match(noCtl.stderr, /reportingController: Required value/);
    assert.match(noCtl.stderr, /action: Required value/);
    // core/v1 is lax: no eventTime, no controller.
    ok(c.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.lax' }, involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' }, reason: 'Lax' }) }));
    // With eventTime, core/v1 names the controller reportingComponent.
    const coreStrict = c.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.cs' }, involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' }, eventTime: '2026-01-01T00:00:00.000000Z', reportingInstance: 'i', action: 'a', reason: 'r' }),
    });
    assert.match(coreStrict.stderr, /reportingComponent: Required value/);
    // Update through events.k8s.io/v1: the note (message) is immutable; labels are not.
    const changed = c.kubectl(['patch', 'events.events.k8s.io', 'x.structured', '--type', 'merge', '-p', '{"note":"changed"}']);
    assert.match(changed.stderr, /message: Invalid value: "changed": field is immutable/);
    ok(c.kubectl(['patch', 'events.events.k8s.io', 'x.structured', '--type', 'merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']));
    ok(c.kubectl(['patch', 'events.events.k8s.io', 'x.structured', '--type', 'strategic', '-p', '{"metadata":{"labels":{"patched2":"smp"}}}']));
    ok(c.kubectl(['patch', 'events.events.k8s.io', 'x.structured', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/labels/patched3","value":"json"}]']));
    const labels = JSON.parse(ok(c.kubectl(['get', 'events', 'x.structured', '-o', 'jsonpath={.metadata.labels}'])));
    assert.deepEqual(labels, { src: 'ev1', patched: 'merge', patched2: 'smp', patched3: 'json' });
  });

  test('apply, label-selected list and deletecollection through events.k8s.io/v1', async () => {
    ok(c.kubectl(['apply', '--server-side', '--field-manager', 'ev-applier', '-f', '-'], { input: eventsV1('x.applied') }));
    const core = JSON.parse(ok(c.kubectl(['get', 'events', 'x.applied', '-o', 'json', '--show-managed-fields'])));
    assert.equal(core.message, 'hello from events.k8s.io/v1');
    assert.ok(core.metadata.managedFields.some((m: { manager: string; apiVersion: string }) => m.manager === 'ev-applier' && m.apiVersion === 'events.k8s.io/v1'));
    const listed = ok(c.kubectl(['get', 'events.events.k8s.io', '-l', 'src=ev1', '-o', 'name']));
    assert.deepEqual(listed.trim().split('\n').sort(), ['event.events.k8s.io/x.applied', 'event.events.k8s.io/x.structured']);
    const del = await rawRequest(c, 'DELETE', '/apis/events.k8s.io/v1/namespaces/default/events?labelSelector=src%3Dev1');
    assert.equal(del.status, 200);
    assert.equal(del.json().apiVersion, 'events.k8s.io/v1');
    assert.equal(del.json().items.length, 2);
    assert.equal(ok(c.kubectl(['get', 'events', '-l', 'src=ev1', '-o', 'name'])).trim(), '');
    const gone = c.kubectl(['get', 'events.events.k8s.io', 'x.applied']);
    assert.match(gone.stderr, /events\.events\.k8s\.io "x\.applied" not found/);
  });
});

describe('events expire --event-ttl after their last write', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '0', '--event-ttl', '10s'] });
  });
  after(async () => {
    await c?.destroy();
  });

  test('an event is deleted once its last write is older than the TTL', async () => {
    const event = (name: string, at: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: 'default' },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'somepod', namespace: 'default' },
        reason: 'Testing',
        message: `written at ${at}`,
        type: 'Normal',
        source: { component: 'e2e' },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
      });
    const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    ok(c.kubectl(['create', '-f', '-'], { input: event('once', now()) }));
    assert.match(ok(c.kubectl(['get', 'event', 'once', '-o', 'name'])), /^event\/once$/m);
    await eventually(() => /NotFound/.test(c.kubectl(['get', 'event', 'once']).stderr), 'the event deleted after its TTL', 60_000);
  });
});
