// Durability of SqliteStore under kill -9: a child process writes with many writers in flight
// and prints every acknowledged write; we SIGKILL it mid-stream, reopen the file and require
// every acknowledged write to be there with its revision and value, a gap-free consistent
// history, and revisions continuing upward after the restart.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { WatchEvent } from '../../src/storage/store.js';

const here = fileURLToPath(import.meta.url);
// Runs both from source (tsx) and compiled (dist/): pick the fixture next to this file.
const fromSource = here.endsWith('.ts');
const fixture = path.join(path.dirname(here), '..', 'fixtures', fromSource ? 'sqlite-writer.ts' : 'sqlite-writer.js');

function repoRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

interface Ack {
  op: 'create' | 'update';
  key: string;
  rev: bigint;
  value: string;
}

/** Runs the writer until at least `minAcks` acks arrived, then SIGKILLs it; returns the acks. */
async function runAndKill(file: string, minAcks: number): Promise<{ acks: Ack[]; startRev: bigint }> {
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), fixture, file, '16'], {
    cwd: repoRoot(path.dirname(here)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`writer produced too few acks in time; stderr: ${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Kill at an arbitrary point in the stream, mid-batch, not after a quiet period.
      if ((out.match(/\n/g)?.length ?? 0) > minAcks) {
        clearTimeout(deadline);
        child.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code ?? signal}); stderr: ${err}`));
    });
  });
  const { signal } = await exited;
  assert.equal(signal, 'SIGKILL');
  const lines = out.split('\n');
  lines.pop(); // possibly incomplete last line
  assert.match(lines[0], /^ready \d+$/);
  const startRev = BigInt(lines[0].split(' ')[1]);
  const acks = lines.slice(1).map((l): Ack => {
    const m = /^ack (create|update) (\S+) (\d+) (.*)$/.exec(l);
    assert.ok(m, `unexpected writer output: ${l}`);
    return { op: m[1] as Ack['op'], key: m[2], rev: BigInt(m[3]), value: m[4] };
  });
  return { acks, startRev };
}

async function history(store: SqliteStore): Promise<WatchEvent[]> {
  const target = await store.currentRevision();
  const events: WatchEvent[] = [];
  let failure: Error | undefined;
  const w = store.watch('/', 0n, (ev) => events.push(ev), (e) => (failure = e));
  const deadline = Date.now() + 10_000;
  const seen = () => (events.length === 0 ? 0n : events[events.length - 1].revision);
  while (seen() < target && !failure) {
    if (Date.now() > deadline) throw new Error('history replay timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
  w.close();
  if (failure) throw failure;
  return events;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-durability-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every acknowledged write survives SIGKILL, twice in a row', { timeout: 120_000 }, async () => {
  const file = path.join(dir, 'state.db');
  let allAcks: Ack[] = [];
  let lastRev = 0n;
  for (const round of [1, 2]) {
    const { acks, startRev } = await runAndKill(file, 400 * round);
    assert.ok(acks.length >= 400, `got ${acks.length} acks`);
    // A restart continues where the previous process stopped: never reuses a revision.
    assert.ok(startRev >= lastRev, `restart at ${startRev} after acked ${lastRev}`);
    allAcks = allAcks.concat(acks);

    const store = SqliteStore.open(file, { compaction: { intervalMs: 0 } });
    try {
      const current = await store.currentRevision();
      const events = await history(store);
      // Consistent: a gap-free history 1..current (nothing compacted, every write has a revision).
      assert.equal(events.length, Number(current));
      events.forEach((e, i) => assert.equal(e.revision, BigInt(i + 1)));

      const byRev = new Map(events.map((e) => [e.revision, e]));
      for (const a of allAcks) {
        const ev = byRev.get(a.rev);
        assert.ok(ev, `acked ${a.op} of ${a.key} at ${a.rev} is missing`);
        assert.equal(ev.key, a.key);
        assert.equal(ev.type, a.op);
        assert.equal(ev.value, a.value);
      }
      // The current state is the last event of each key.
      const last = new Map<string, WatchEvent>();
      for (const e of events) last.set(e.key, e);
      const listed = await store.list('/');
      assert.equal(listed.revision, current);
      assert.equal(listed.items.length, last.size);
      for (const item of listed.items) {
        const e = last.get(item.key)!;
        assert.equal(item.modRevision, e.revision);
        assert.equal(item.value, e.value);
      }
      lastRev = current;
      const maxAcked = allAcks.reduce((m, a) => (a.rev > m ? a.rev : m), 0n);
      assert.ok(current >= maxAcked);
      // Writes continue upward after the restart.
      const next = await store.create(`/dur/after-round-${round}`, '{}');
      assert.equal(next.modRevision, current + 1n);
      lastRev = next.modRevision;
    } finally {
      await store.close();
    }
  }
});
