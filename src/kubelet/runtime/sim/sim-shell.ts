// A tiny shell reader for the sim runtime: splits a `sh -c` script into simple commands joined
// by `;`, newlines, `&&`, `||` and `&`, honouring single quotes, double quotes and backslashes.
// It does not expand variables or globs; the sim only needs to recognise a handful of commands.

export type Connector = ';' | '&&' | '||' | '&';

export interface Statement {
  /** How this statement is joined to the previous one (';' for the first). */
  after: Connector;
  words: string[];
  /** The statement contains shell syntax the sim does not model (pipes, redirects into commands, keywords). */
  complex: boolean;
  /** Output redirection target of the statement, if any (`echo x > /tmp/f`). */
  redirect?: string;
  /** The statement is run in the background (`cmd &`). */
  background: boolean;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'while', 'until', 'for', 'do', 'done', 'case', 'esac', 'function', '{', '}', '(', ')']);

/** Splits a script into statements; never throws (unbalanced quotes end at the end of the script). */
export function parseScript(script: string): Statement[] {
  const out: Statement[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let complex = false;
  let redirect: string | undefined;
  let pendingRedirect = false;
  let after: Connector = ';';

  const endWord = () => {
    if (!inWord) return;
    if (pendingRedirect) {
      redirect = word;
      pendingRedirect = false;
    } else words.push(word);
    word = '';
    inWord = false;
  };
  const endStatement = (next: Connector) => {
    endWord();
    if (pendingRedirect) complex = true;
    if (words.length > 0 || redirect !== undefined) {
      if (words.length > 0 && KEYWORDS.has(words[0])) complex = true;
      out.push({ after, words, complex, redirect, background: next === '&' });
    } else if (next === '&' && out.length > 0) {
      out[out.length - 1].background = true;
    }
    words = [];
    complex = false;
    redirect = undefined;
    pendingRedirect = false;
    after = next;
  };

  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word += end < 0 ? script.slice(i + 1) : script.slice(i + 1, end);
      inWord = true;
      i = end < 0 ? script.length : end;
    } else if (ch === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && i + 1 < script.length && '"\\$`'.includes(script[i + 1])) i++;
        if (script[i] === '`' || (script[i] === '$' && script[i + 1] === '(')) complex = true;
        word += script[i];
      }
    } else if (ch === '\\') {
      if (script[i + 1] === '\n') i++;
      else if (i + 1 < script.length) {
        word += script[++i];
        inWord = true;
      }
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else if (ch === '\n' || ch === ';') {
      endStatement(';');
    } else if (ch === '&') {
      if (script[i + 1] === '&') {
        i++;
        endStatement('&&');
      } else if (script[i - 1] === '>' || script[i + 1] === '>') {
        word += ch; // 2>&1, &> file
        inWord = true;
        complex = true;
      } else endStatement('&');
    } else if (ch === '|') {
      if (script[i + 1] === '|') {
        i++;
        endStatement('||');
      } else {
        endWord();
        complex = true; // pipelines are not modelled
      }
    } else if (ch === '>' || ch === '<') {
      endWord();
      if (ch === '>' && script[i + 1] === '>') i++;
      if (ch === '<') complex = true;
      else pendingRedirect = true;
    } else if (ch === '#' && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else {
      // Command substitution and subshells are not modelled; plain $VAR is kept literally.
      if (ch === '`' || ch === '(' || ch === ')') complex = true;
      word += ch;
      inWord = true;
    }
  }
  endStatement(';');
  return out;
}

/**
 * Parses sleep operands as GNU/busybox sleep does: numbers with an optional s/m/h/d suffix,
 * summed; "infinity" sleeps forever. Returns undefined for an invalid operand.
 */
export function parseSleep(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  let total = 0;
  for (const a of args) {
    if (a === 'infinity' || a === 'inf') return Infinity;
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (!m) return undefined;
    const unit = m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : m[2] === 'd' ? 86400 : 1;
    total += Number(m[1]) * unit * 1000;
  }
  return total;
}

/** `sh -c SCRIPT` (also bash/ash/dash, `-ec`, `-xc` ...): the script, or undefined when argv is no such call. */
export function shellScript(argv: string[]): string | undefined {
  if (argv.length < 2 || !isShell(argv[0])) return undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) return argv[i + 1] ?? '';
    if (!a.startsWith('-')) return undefined;
  }
  return undefined;
}

export function isShell(cmd: string): boolean {
  return ['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh'].includes(basename(cmd));
}

export function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}
