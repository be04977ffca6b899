// The sim runtime's command interpreter: what a container "does" from its command line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerProgram, execProgram, isRandomExitImage } from '../../src/kubelet/runtime/sim/sim-program.js';
import { parseScript, parseSleep, shellScript } from '../../src/kubelet/runtime/sim/sim-shell.js';

const never = () => 0.3;
const prog = (command: string[], args: string[] = [], image = 'busybox:1.36') => containerProgram(command, args, image, never);

test('sleep N runs N seconds then exits 0; sleep units and several operands add up', () => {
  assert.deepEqual(prog(['sleep', '5']).exit, { atMs: 5000, code: 0 });
  assert.deepEqual(prog(['sleep'], ['2']).exit, { atMs: 2000, code: 0 });
  assert.deepEqual(prog(['/bin/sleep', '1m', '30s']).exit, { atMs: 90_000, code: 0 });
  assert.deepEqual(prog(['sleep', '0.5']).exit, { atMs: 500, code: 0 });
  assert.equal(prog(['sleep', 'infinity']).exit, undefined);
});

test('exit, true and false end with their codes', () => {
  assert.deepEqual(prog(['true']).exit, { atMs: 0, code: 0 });
  assert.deepEqual(prog(['false']).exit, { atMs: 0, code: 1 });
  assert.deepEqual(prog(['sh', '-c', 'exit 3']).exit, { atMs: 0, code: 3 });
  assert.deepEqual(prog(['sh', '-c', 'exit 300']).exit, { atMs: 0, code: 44 });
  assert.deepEqual(prog(['sh', '-c', 'false; exit']).exit, { atMs: 0, code: 1 });
});

test('sh -c scripts join simple commands with ; && || and newlines', () => {
  assert.deepEqual(prog(['sh', '-c', 'sleep 2; exit 3']).exit, { atMs: 2000, code: 3 });
  assert.deepEqual(prog(['/bin/sh', '-c', 'sleep 1 && true']).exit, { atMs: 1000, code: 0 });
  assert.deepEqual(prog(['sh', '-c', 'false && sleep 10']).exit, { atMs: 0, code: 1 });
  assert.deepEqual(prog(['sh', '-c', 'false || sleep 4']).exit, { atMs: 4000, code: 0 });
  assert.deepEqual(prog(['bash', '-ec', 'sleep 1\nsleep 2\nexit 7']).exit, { atMs: 3000, code: 7 });
  assert.deepEqual(prog(['sh'], ['-c', 'sleep 3']).exit, { atMs: 3000, code: 0 });
});

test('anything else, or no command at all, runs until stopped', () => {
  assert.equal(prog([]).exit, undefined);
  assert.equal(prog(['nginx', '-g', 'daemon off;']).exit, undefined);
  assert.equal(prog(['sh', '-c', 'while true; do echo hi; sleep 5; done']).exit, undefined);
  assert.equal(prog(['sh', '-c', 'sleep 2; my-server --port 80']).exit, undefined);
  assert.equal(prog(['sh', '-c', 'tail -f /dev/null']).exit, undefined);
  assert.equal(prog(['sh']).exit, undefined);
});

test('echo lines are the container output, at their simulated times', () => {
  const p = prog(['sh', '-c', "echo 'hello world'; sleep 2; echo done"]);
  assert.deepEqual(
    p.steps.filter((s) => s.kind === 'output').map((s) => [s.atMs, s.kind === 'output' && s.line]),
    [
      [0, 'hello world'],
      [2000, 'done'],
    ],
  );
  assert.deepEqual(p.exit, { atMs: 2000, code: 0 });
});

test('the liveness tutorial: files created and removed over time decide cat probes', () => {
  const p = prog(['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600']);
  assert.deepEqual(p.exit, { atMs: 630_000, code: 0 });
  const files = p.steps.filter((s) => s.kind === 'file');
  assert.deepEqual(
    files.map((s) => [s.atMs, s.kind === 'file' && s.path, s.kind === 'file' && s.exists]),
    [
      [0, '/tmp/healthy', true],
      [30_000, '/tmp/healthy', false],
    ],
  );
});

test('PID 1 sleep or shell ignores SIGTERM; other programs exit on it', () => {
  assert.equal(prog(['sleep', '3600']).exitsOnSigterm, false);
  assert.equal(prog(['sh', '-c', 'sleep 3600']).exitsOnSigterm, false);
  assert.equal(prog([]).exitsOnSigterm, true);
  assert.equal(prog(['nginx']).exitsOnSigterm, true);
});

test('random-exit images exit 0 or 1 after a few seconds', () => {
  assert.equal(isRandomExitImage('amsy810/random-exit:v2.0'), true);
  assert.equal(isRandomExitImage('registry.local:5000/random-exit@sha256:abc'), true);
  assert.equal(isRandomExitImage('nginx:1.16'), false);
  const low = containerProgram([], [], 'amsy810/random-exit:v2.0', () => 0.1);
  const high = containerProgram([], [], 'amsy810/random-exit:v2.0', () => 0.9);
  assert.deepEqual(low.exit, { atMs: 2400, code: 0 });
  assert.deepEqual(high.exit, { atMs: 5600, code: 1 });
  // An explicit command replaces the image's entrypoint.
  assert.deepEqual(containerProgram(['sleep', '1'], [], 'amsy810/random-exit:v2.0', () => 0.9).exit, { atMs: 1000, code: 0 });
});

test('exec programs: exit codes, output and file checks', () => {
  const files = new Map([['/tmp/healthy', false]]);
  const exists = (p: string) => files.get(p) ?? true;
  assert.equal(execProgram(['cat', '/tmp/healthy'], exists).exitCode, 1);
  assert.equal(execProgram(['cat', '/etc/hostname'], exists).exitCode, 0);
  assert.equal(execProgram(['test', '-f', '/tmp/healthy'], exists).exitCode, 1);
  assert.equal(execProgram(['sh', '-c', 'exit 2'], exists).exitCode, 2);
  assert.equal(execProgram(['sh', '-c', '[ -f /tmp/healthy ]'], exists).exitCode, 1);
  assert.equal(execProgram(['pg_isready'], exists).exitCode, 0);
  const echo = execProgram(['echo', 'hi', 'there'], exists);
  assert.equal(echo.stdout, 'hi there\n');
  const rm = execProgram(['rm', '/etc/hostname'], exists);
  assert.deepEqual(rm.files, [{ path: '/etc/hostname', exists: false }]);
});

test('shell parsing: quotes, comments, background jobs, shell detection', () => {
  assert.deepEqual(
    parseScript(`echo "a; b" 'c && d' # comment\nsleep 1 & exit 4`).map((s) => [s.after, s.words, s.background]),
    [
      [';', ['echo', 'a; b', 'c && d'], false],
      [';', ['sleep', '1'], true],
      ['&', ['exit', '4'], false],
    ],
  );
  assert.equal(parseScript('echo a | grep a')[0].complex, true);
  assert.equal(shellScript(['sh', '-c', 'x']), 'x');
  assert.equal(shellScript(['/bin/bash', '-xec', 'y']), 'y');
  assert.equal(shellScript(['python', '-c', 'x']), undefined);
  assert.equal(parseSleep(['2h']), 7_200_000);
  assert.equal(parseSleep(['abc']), undefined);
  assert.deepEqual(prog(['sh', '-c', 'sleep 10 & exit 5']).exit, { atMs: 0, code: 5 });
});
