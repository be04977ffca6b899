// The event recorder against a real API server: repeats aggregate into one Event with a count,
// and one object gets at most 25 events in a burst (client-go's spam filter).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startControlPlane } from '../../src/apiserver/control-plane.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { RestClient } from '../../src/client/rest-client.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';

test('events aggregate on repeat and are limited to 25 per object in a burst', async () => {
  const cp = await startControlPlane({ store: new MemoryStore(), host: '127.0.0.1', port: 0, tokens: [] });
  const client = new RestClient({ server: `http://127.0.0.1:${cp.server.port}` });
  try {
    const rec = new EventRecorder(client, 'test-controller');
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', uid: 'u-1' } };
    for (let i = 0; i < 3; i++) {
      rec.event(obj, 'Normal', 'Same', 'the same message');
      await rec.flush();
    }
    for (let i = 0; i < 40; i++) rec.event(obj, 'Normal', 'Distinct', `message ${i}`);
    await rec.flush();
    const events = (await new ResourceClient(client, R.events).list('default', { fieldSelector: 'involvedObject.name=x' })).items;
    const same = events.filter((e) => e.reason === 'Same');
    assert.equal(same.length, 1);
    assert.equal(same[0].count, 3);
    // 3 tokens went to the repeats; 22 of the 40 distinct events fit in the burst of 25.
    assert.equal(events.filter((e) => e.reason === 'Distinct').length, 22);
  } finally {
    client.close();
    await cp.stop();
  }
});
