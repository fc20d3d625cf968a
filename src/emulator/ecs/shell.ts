/**
 * A small shell-script reader for Cloud Assistant `RunShellScript` commands: splits a script
 * into simple commands with their connectors (`;`, newline, `&&`, `||`, `&`), honours quotes,
 * backslash line continuations and comments, drops redirections, and unwraps the wrappers the
 * seed's test commands use (`taskset`, `nohup`, `sudo`). It does not expand variables or run
 * pipelines: a `|` is reported as unsupported so the caller can fail the command honestly.
 */

/** How a command is joined to the one before it. */
export type Connector = 'first' | 'seq' | 'and' | 'or';

/** One simple command of a script. */
export interface SimpleCommand {
  /** Program and arguments after unwrapping `taskset`/`nohup`/`sudo`. */
  readonly argv: readonly string[];
  /** The text as written (for error messages), without the trailing operator. */
  readonly text: string;
  /** 1-based line of the script where the command starts. */
  readonly line: number;
  /** Run in the background (`cmd &`): the script does not wait for it. */
  readonly background: boolean;
  /** `&&` runs it only after success, `||` only after failure. */
  readonly connector: Connector;
  /** Its output goes to a file or /dev/null (`> x`, `>> x`, `&> x`) rather than to the invocation output. */
  readonly outputRedirected: boolean;
  /** CPU list from `taskset -c N` / `iperf3 -A N`, when given. */
  readonly cpu?: string;
  /** Set when the command uses a shell feature this reader does not run (e.g. a pipe). */
  readonly unsupported?: string;
}

/** Thrown for scripts the shell itself would reject (unterminated quote). */
export class ShellSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = 'ShellSyntaxError';
  }
}

type Token = { kind: 'word'; text: string } | { kind: 'op'; op: string };

/**
 * Splits a script into simple commands. @throws ShellSyntaxError on an unterminated quote
 */
export function parseScript(script: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let raw = '';
  let connector: Connector = 'first';
  let startLine = 1;
  let line = 1;
  let redirected = false;
  let unsupported: string | undefined;
  let pendingRedirect = false;

  const flush = (background: boolean, next: Connector): void => {
    if (words.length > 0) {
      out.push(build(words, raw.trim(), startLine, background, connector, redirected, unsupported));
    }
    words = [];
    raw = '';
    redirected = false;
    unsupported = undefined;
    pendingRedirect = false;
    connector = next;
    startLine = line;
  };

  const tokens = tokenize(script);
  for (const t of tokens) {
    if (t.kind === 'op' && t.op === '\n') {
      line += 1;
      if (words.length > 0) flush(false, 'seq');
      else startLine = line;
      continue;
    }
    if (t.kind === 'op') {
      switch (t.op) {
        case ';':
          flush(false, 'seq');
          break;
        case '&':
          flush(true, 'seq');
          break;
        case '&&':
          flush(false, 'and');
          break;
        case '||':
          flush(false, 'or');
          break;
        case '|':
          unsupported = 'pipelines (|) are not supported by the emulator';
          raw += ' | ';
          break;
        case '>':
        case '>>':
        case '&>':
        case '2>':
        case '2>>':
        case '1>':
          raw += ` ${t.op}`;
          if (t.op !== '2>' && t.op !== '2>>') redirected = true;
          pendingRedirect = true;
          break;
        case '2>&1':
        case '>&2':
          raw += ` ${t.op}`;
          break;
        case '<':
          raw += ' <';
          pendingRedirect = true;
          break;
        default:
          raw += ` ${t.op}`;
      }
      continue;
    }
    raw += ` ${t.text}`;
    if (pendingRedirect) {
      pendingRedirect = false;
      continue;
    }
    if (words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t.text)) continue; // VAR=value prefix
    words.push(t.text);
  }
  flush(false, 'seq');
  return out;
}

function build(
  words: string[],
  text: string,
  line: number,
  background: boolean,
  connector: Connector,
  outputRedirected: boolean,
  unsupported: string | undefined,
): SimpleCommand {
  let argv = words;
  let cpu: string | undefined;
  // Unwrap wrappers; taskset's CPU choice matters to iperf3-style tests only as information.
  for (;;) {
    const head = argv[0];
    if (head === 'sudo' || head === 'nohup' || head === 'exec') {
      argv = argv.slice(1);
    } else if (head === 'taskset') {
      let i = 1;
      if (argv[i] === '-c' || argv[i] === '--cpu-list') {
        cpu = argv[i + 1];
        i += 2;
      } else if (argv[i] === '-p') {
        break;
      } else {
        cpu = argv[i];
        i += 1;
      }
      argv = argv.slice(i);
    } else {
      break;
    }
  }
  return {
    argv,
    text,
    line,
    background,
    connector,
    outputRedirected,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(unsupported !== undefined ? { unsupported } : {}),
  };
}

function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let word: string | undefined;
  const endWord = (): void => {
    if (word !== undefined) tokens.push({ kind: 'word', text: word });
    word = undefined;
  };
  while (i < script.length) {
    const c = script[i] as string;
    if (c === '\\' && script[i + 1] === '\n') {
      i += 2;
      line += 1;
      continue;
    }
    if (c === '\n' || c === '\r') {
      endWord();
      if (c === '\n') {
        tokens.push({ kind: 'op', op: '\n' });
        line += 1;
      }
      i += 1;
      continue;
    }
    if (c === ' ' || c === '\t') {
      endWord();
      i += 1;
      continue;
    }
    if (c === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') i += 1;
      continue;
    }
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''", line);
      word = (word ?? '') + script.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < script.length && script[j] !== '"') {
        if (script[j] === '\\' && j + 1 < script.length && '"\\$`'.includes(script[j + 1] as string)) {
          text += script[j + 1];
          j += 2;
        } else {
          text += script[j];
          j += 1;
        }
      }
      if (j >= script.length) throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'', line);
      word = (word ?? '') + text;
      i = j + 1;
      continue;
    }
    if (c === '\\' && i + 1 < script.length) {
      word = (word ?? '') + script[i + 1];
      i += 2;
      continue;
    }
    const op = readOperator(script, i, word === undefined);
    if (op) {
      endWord();
      tokens.push({ kind: 'op', op });
      i += op.length;
      continue;
    }
    word = (word ?? '') + c;
    i += 1;
  }
  endWord();
  return tokens;
}

const OPERATORS = ['2>&1', '>&2', '2>>', '&&', '||', '&>', '>>', '2>', '1>', ';', '&', '|', '>', '<'];

function readOperator(s: string, i: number, atWordStart: boolean): string | undefined {
  for (const op of OPERATORS) {
    // `2>` and `1>` are redirections only at the start of a word (`a2>x` is not).
    if ((op.startsWith('2') || op.startsWith('1')) && !atWordStart) continue;
    if (s.startsWith(op, i)) return op;
  }
  return undefined;
}
