// Runs the Store contract against every backend that lives in this repository.

import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStoreContract } from './store-contract.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-store-contract-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

// Automatic compaction off for both: the suite compacts explicitly.
runStoreContract('memory', async () => new MemoryStore({ compaction: { intervalMs: 0 } }));
runStoreContract('sqlite', async () => SqliteStore.open(path.join(dir, `store-${n++}.db`), { compaction: { intervalMs: 0 } }));
