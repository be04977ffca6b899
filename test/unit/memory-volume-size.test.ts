// The size of a memory-backed emptyDir's tmpfs, as the kubelet picks it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryVolumeSize } from '../../src/kubelet/pod-volumes.js';

const pod = (limits: (string | undefined)[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers: limits.map((l, i) => ({ name: `c${i}`, image: 'x', resources: l ? { limits: { memory: l } } : {} })) },
});

test('sizeLimit wins; else the pod memory limit when every container has one; else tmpfs default', () => {
  assert.equal(memoryVolumeSize(pod(['1Gi']), { medium: 'Memory', sizeLimit: '64Mi' }), 64 * 1024 * 1024);
  assert.equal(memoryVolumeSize(pod(['100Mi', '28Mi']), { medium: 'Memory' }), 128 * 1024 * 1024);
  assert.equal(memoryVolumeSize(pod(['100Mi', undefined]), { medium: 'Memory' }), undefined);
  assert.equal(memoryVolumeSize(pod([undefined]), { medium: 'Memory' }), undefined);
  assert.equal(memoryVolumeSize(pod(['1G']), { medium: 'Memory', sizeLimit: '0' }), 1e9);
});
