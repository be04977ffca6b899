// What a sim container "does", computed once from its command line: the lines it prints, the
// files it creates or removes (so `cat /tmp/healthy` exec probes behave as in the Kubernetes
// liveness tutorial), and when it exits with which code. Time is simulated: nothing runs.
//
// Rules (the contract of the sim runtime):
// - argv is command + args (Kubernetes meaning); `sh -c SCRIPT` (bash, ash, ... and -ec) is read
//   as a list of simple commands joined by `;`, newlines, `&&`, `||`; `cmd &` runs in the background.
// - `sleep N` (s/m/h/d suffixes, several operands, `infinity`) takes N seconds and succeeds;
//   `exit N`, `true`, `false`, `:` end or set the status; `echo`/`printf` print a line;
//   touch/rm/mv and `> file` create or remove files; cat/test/ls of a file succeed while it exists.
//   Other housekeeping commands (mkdir, cd, export, date, ...) succeed at once.
// - Anything else (a server binary, a loop, a pipeline, no command at all) runs until stopped.
// - An image whose name ends in `random-exit` and no command exits 0 or 1 at random after 2-6 s.
// - PID 1 being a shell or sleep ignores SIGTERM (the kill comes at the end of the grace
//   period, exit 137); everything else exits 0 on SIGTERM, as servers with handlers do.

import { basename, isShell, parseScript, parseSleep, shellScript, type Statement } from './sim-shell.js';

export type ProgramStep =
  | { atMs: number; kind: 'output'; stream: 'stdout' | 'stderr'; line: string }
  | { atMs: number; kind: 'file'; path: string; exists: boolean };

export interface SimProgram {
  steps: ProgramStep[];
  /** Exit `atMs` after start with `code`; absent: runs until stopped. */
  exit?: { atMs: number; code: number };
  /** SIGTERM ends the program at once. */
  exitsOnSigterm: boolean;
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Simulated time the command would take (sleeps). */
  durationMs: number;
  /** File changes the command made inside the container. */
  files: { path: string; exists: boolean }[];
}

const HOUSEKEEPING = new Set([
  'mkdir', 'cp', 'ln', 'chmod', 'chown', 'cd', 'export', 'set', 'unset', 'trap', 'date', 'hostname', 'env', 'printenv',
  'id', 'whoami', 'pwd', 'uname', 'wait', 'ulimit', 'umask', 'sync', 'source', '.', 'readonly', 'shift', 'nproc',
]);
const FILE_READERS = new Set(['cat', 'ls', 'stat', 'head', 'test', '[', 'wc', 'md5sum', 'sha256sum']);

/** Whether the image name (without tag or digest) ends in `random-exit`. */
export function isRandomExitImage(image: string): boolean {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  return name.endsWith('random-exit');
}

export function containerProgram(command: string[], args: string[], image: string, random: () => number): SimProgram {
  if (command.length === 0 && isRandomExitImage(image)) {
    return { steps: [], exit: { atMs: Math.round(2000 + random() * 4000), code: random() < 0.5 ? 0 : 1 }, exitsOnSigterm: true };
  }
  const argv = command.length > 0 ? [...command, ...args] : args;
  if (argv.length === 0) return { steps: [], exitsOnSigterm: true };
  const script = shellScript(argv);
  const statements: Statement[] = script !== undefined ? parseScript(script) : [{ after: ';', words: stripExec(argv), complex: false, background: false }];
  const pid1 = script !== undefined || isShell(argv[0]) ? 'shell' : basename(stripExec(argv)[0] ?? '');
  const exitsOnSigterm = pid1 !== 'shell' && pid1 !== 'sleep';
  if (script === undefined && isShell(argv[0])) return { steps: [], exitsOnSigterm };
  const run = runStatements(statements, 'container', () => true);
  return { steps: run.steps, exit: run.forever ? undefined : { atMs: run.t, code: run.status }, exitsOnSigterm };
}

/**
 * Runs `argv` as an exec inside a container (exec probes, kubectl exec): instantly, with the
 * container's files as `fileExists` says. Unknown commands succeed (probes pass unless told).
 */
export function execProgram(argv: string[], fileExists: (path: string) => boolean): ExecOutcome {
  const script = shellScript(argv);
  const statements: Statement[] = script !== undefined ? parseScript(script) : [{ after: ';', words: stripExec(argv), complex: false, background: false }];
  const run = runStatements(statements, 'exec', fileExists);
  const out = (s: 'stdout' | 'stderr') =>
    run.steps
      .filter((x): x is Extract<ProgramStep, { kind: 'output' }> => x.kind === 'output' && x.stream === s)
      .map((x) => x.line + '\n')
      .join('');
  const files = run.steps.filter((x): x is Extract<ProgramStep, { kind: 'file' }> => x.kind === 'file').map((x) => ({ path: x.path, exists: x.exists }));
  return { exitCode: run.status, stdout: out('stdout'), stderr: out('stderr'), durationMs: run.t, files };
}

function stripExec(words: string[]): string[] {
  let i = 0;
  while (i < words.length && (words[i] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]))) i++;
  return words.slice(i);
}

interface Run {
  t: number;
  status: number;
  steps: ProgramStep[];
  forever: boolean;
}

type Outcome = { kind: 'status'; status: number; ms?: number } | { kind: 'exit'; code: number } | { kind: 'forever' };

function runStatements(statements: Statement[], mode: 'container' | 'exec', outsideFile: (path: string) => boolean): Run {
  const run: Run = { t: 0, status: 0, steps: [], forever: false };
  const own = new Map<string, boolean>();
  const exists = (p: string) => own.get(p) ?? outsideFile(p);
  const setFile = (path: string, e: boolean) => {
    own.set(path, e);
    run.steps.push({ atMs: run.t, kind: 'file', path, exists: e });
  };
  const print = (stream: 'stdout' | 'stderr', line: string) => run.steps.push({ atMs: run.t, kind: 'output', stream, line });

  for (const st of statements) {
    if (st.after === '&&' && run.status !== 0) continue;
    if (st.after === '||' && run.status === 0) continue;
    if (st.background) continue;
    const words = stripExec(st.words);
    const o: Outcome = st.complex ? (mode === 'exec' ? { kind: 'status', status: 0 } : { kind: 'forever' }) : command(words, st.redirect, mode, exists, setFile, print, run.status);
    if (o.kind === 'forever') {
      run.forever = true;
      return run;
    }
    if (o.kind === 'exit') {
      run.status = o.code;
      return run;
    }
    run.t += o.ms ?? 0;
    run.status = o.status;
  }
  return run;
}

function command(
  words: string[],
  redirect: string | undefined,
  mode: 'container' | 'exec',
  exists: (p: string) => boolean,
  setFile: (p: string, e: boolean) => void,
  print: (s: 'stdout' | 'stderr', line: string) => void,
  lastStatus: number,
): Outcome {
  if (redirect !== undefined && redirect !== '/dev/null' && !redirect.startsWith('&')) setFile(redirect, true);
  if (words.length === 0) return { kind: 'status', status: 0 };
  const name = basename(words[0]);
  const args = words.slice(1);
  switch (name) {
    case 'sleep': {
      const ms = parseSleep(args);
      if (ms === undefined) {
        print('stderr', `sleep: invalid number '${args[0] ?? ''}'`);
        return { kind: 'status', status: 1 };
      }
      if (ms === Infinity) return mode === 'exec' ? { kind: 'status', status: 0 } : { kind: 'forever' };
      return { kind: 'status', status: 0, ms };
    }
    case 'exit': {
      if (args.length === 0) return { kind: 'exit', code: lastStatus };
      const n = Number(args[0]);
      return { kind: 'exit', code: Number.isInteger(n) ? ((n % 256) + 256) % 256 : 2 };
    }
    case 'true':
    case ':':
      return { kind: 'status', status: 0 };
    case 'false':
      return { kind: 'status', status: 1 };
    case 'echo':
    case 'printf': {
      const rest = name === 'echo' ? args.filter((a, i) => !(i === 0 && /^-[neE]+$/.test(a))) : args.slice(0, 1);
      const text = name === 'printf' ? rest.join(' ').replace(/\\n$/, '').replace(/\\n/g, '\n') : rest.join(' ');
      if (redirect === undefined) for (const line of text.split('\n')) print('stdout', line);
      return { kind: 'status', status: 0 };
    }
    case 'touch':
      for (const a of args) if (!a.startsWith('-')) setFile(a, true);
      return { kind: 'status', status: 0 };
    case 'rm':
    case 'rmdir':
    case 'unlink':
      for (const a of args) if (!a.startsWith('-')) setFile(a, false);
      return { kind: 'status', status: 0 };
    case 'mv': {
      const ops = args.filter((a) => !a.startsWith('-'));
      if (ops.length === 2) {
        const ok = exists(ops[0]);
        if (!ok) return { kind: 'status', status: 1 };
        setFile(ops[0], false);
        setFile(ops[1], true);
      }
      return { kind: 'status', status: 0 };
    }
    case 'tail':
      if (args.some((a) => a === '-f' || a === '-F' || a === '--follow')) return mode === 'exec' ? { kind: 'status', status: 0 } : { kind: 'forever' };
      return fileRead(name, args, exists, print, mode);
    default:
      if (FILE_READERS.has(name)) return fileRead(name, args, exists, print, mode);
      if (HOUSEKEEPING.has(name)) return { kind: 'status', status: 0 };
      return mode === 'exec' ? { kind: 'status', status: 0 } : { kind: 'forever' };
  }
}

function fileRead(name: string, args: string[], exists: (p: string) => boolean, print: (s: 'stdout' | 'stderr', l: string) => void, mode: 'container' | 'exec'): Outcome {
  const paths = args.filter((a) => !a.startsWith('-') && a !== ']');
  if (paths.length === 0) {
    // `cat` with no file reads stdin, which never ends in a container without one.
    if (name === 'cat' && mode === 'container') return { kind: 'forever' };
    return { kind: 'status', status: name === 'test' || name === '[' ? 1 : 0 };
  }
  for (const p of paths) {
    if (!exists(p)) {
      if (name !== 'test' && name !== '[') print('stderr', `${name}: can't open '${p}': No such file or directory`);
      return { kind: 'status', status: 1 };
    }
  }
  return { kind: 'status', status: 0 };
}
