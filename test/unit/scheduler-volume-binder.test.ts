// The volume binder's bookkeeping without an API server: Reserve assumes a chosen PV (claimRef)
// and a claim to provision (selected-node) so the next pod sees them taken; Unreserve gives them
// back; an informer version at least as new replaces an assumption; checkBindings waits for full
// binding and reports undone bindings with upstream's wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest-client.js';
import { VirtualClock } from '../../src/util/clock.js';
import { VolumeBinder } from '../../src/scheduler/volume-binder.js';

const claim = (name: string, rv = '10', extra: Partial<KObject['metadata']> = {}, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv, ...extra },
  spec: { storageClassName: 'wffc', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const pv = (name: string, rv = '5', spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, resourceVersion: rv },
  spec: { storageClassName: 'wffc', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, ...spec },
  status: { phase: 'Available' },
});

function binder(): VolumeBinder {
  // Never started: the stores are filled by hand.
  return new VolumeBinder({ client: new RestClient({ server: 'http://127.0.0.1:1' }), clock: new VirtualClock() });
}

test('Reserve assumes, Unreserve restores, a newer informer version replaces the assumption', () => {
  const b = binder();
  b.volumeInformer.store.set(pv('disk'));
  b.claimInformer.store.set(claim('a'));
  b.claimInformer.store.set(claim('b'));
  const r = b.assumePodVolumes({ staticBindings: [{ pv: b.volume('disk')!, pvc: b.claim('default', 'a')! }], provisions: [b.claim('default', 'b')!] }, 'n1')!;
  assert.equal(b.volume('disk')!.spec.claimRef.uid, 'uid-a');
  assert.equal(b.volume('disk')!.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal([...b.volumes()][0].spec.claimRef.name, 'a');
  assert.equal(b.claim('default', 'b')!.metadata.annotations?.['volume.kubernetes.io/selected-node'], 'n1');
  b.revert(r);
  assert.equal(b.volume('disk')!.spec.claimRef, undefined);
  assert.equal(b.claim('default', 'b')!.metadata.annotations, undefined);
  // Nothing to bind: no reservation.
  assert.equal(b.assumePodVolumes({ staticBindings: [], provisions: [] }, 'n1'), undefined);
  assert.equal(b.assumePodVolumes(undefined, 'n1'), undefined);
});

test('checkBindings: waits for full binding; undone bindings fail with upstream messages', () => {
  const b = binder();
  b.claimInformer.store.set(claim('p', '20', { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }));
  const r = b.assumePodVolumes({ staticBindings: [], provisions: [b.claim('default', 'p')!] }, 'n1')!;
  assert.equal(b.checkBindings(r), false);
  b.volumeInformer.store.set(pv('pvc-p', '21', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } }));
  b.claimInformer.store.set(claim('p', '22', { annotations: { 'volume.kubernetes.io/selected-node': 'n1', 'pv.kubernetes.io/bind-completed': 'yes' } }, { volumeName: 'pvc-p' }));
  assert.equal(b.checkBindings(r), true);
  b.claimInformer.store.set(claim('p', '23', { annotations: { 'volume.kubernetes.io/selected-node': 'n2' } }));
  assert.throws(() => b.checkBindings(r), { message: 'provisioning failed for PVC "p"' });
  b.claimInformer.store.set(claim('p', '24', {}));
  assert.throws(() => b.checkBindings(r), { message: 'selectedNode annotation reset for PVC "p"' });

  b.volumeInformer.store.set(pv('disk', '30'));
  b.claimInformer.store.set(claim('s', '31'));
  const s = b.assumePodVolumes({ staticBindings: [{ pv: b.volume('disk')!, pvc: b.claim('default', 's')! }], provisions: [] }, 'n1')!;
  b.volumeInformer.store.set(pv('disk', '32'));
  assert.throws(() => b.checkBindings(s), { message: 'ClaimRef got reset for pv "disk"' });
});
