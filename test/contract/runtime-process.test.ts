// The process runtime against the runtime contract, in real time, as root (namespaces, overlay
// root, bind mounts); then what only a runtime of real processes has (see process-runtime.test.ts
// under test/integration for namespaces, volumes, logs and restarts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRuntime } from '../../src/kubelet/runtime/process/process-runtime.js';
import { runRuntimeContract } from './runtime-contract.js';

runRuntimeContract('process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-process-contract-'));
  const runtime = new ProcessRuntime({ dataDir: dir });
  return {
    runtime,
    image: 'busybox:1.36',
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    cleanup: async () => {
      for (const sb of await runtime.listPodSandboxes()) await runtime.removePodSandbox(sb.id);
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
