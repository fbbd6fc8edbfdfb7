/**
 * Runs one bench part in its own Node process (through tsx), so each measurement starts from a clean heap, a crash
 * (e.g. Aedes under a publisher flood) is recorded instead of ending the bench, and memory figures are per part.
 * The child reports over IPC; messages it sends are handed to `onMessage`, and its `result` message is the outcome.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the child wrote to stderr (the error of a crash). */
  stderrTail: string[];
  /** Wall-clock time of the exit, epoch ms. */
  at: number;
  /** True when stop() had to kill it because it did not exit within the grace period. */
  killed: boolean;
}

export interface BenchChild<M> {
  proc: ChildProcess;
  /** Resolves with the first message matching `pred`, rejects when the child exits or the time runs out first. */
  next<T extends M>(pred: (m: M) => m is T, timeoutMs: number): Promise<T>;
  send(msg: unknown): void;
  exited: Promise<ChildExit>;
  /** SIGKILL after `graceMs` if it has not exited by then. */
  stop(graceMs?: number): Promise<ChildExit>;
}

const STDERR_TAIL_LINES = 40;

export interface ChildOptions {
  /** Run node with --expose-gc (heap figures after a full collection). */
  exposeGc?: boolean;
  /** Copy the child's stderr to ours (default true); the tail is kept either way. */
  echoStderr?: boolean;
}

export function startChild<M>(moduleUrl: URL, args: readonly string[] = [], opts: ChildOptions = {}): BenchChild<M> {
  const file = fileURLToPath(moduleUrl);
  const proc = fork(file, [...args], {
    execArgv: ['--import', 'tsx', ...(opts.exposeGc ? ['--expose-gc'] : [])],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const tail: string[] = [];
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    if (opts.echoStderr ?? true) process.stderr.write(chunk);
    for (const line of chunk.split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.splice(0, tail.length - STDERR_TAIL_LINES);
  });
  let killed = false;
  const inbox: M[] = [];
  const waiters = new Set<(m: M) => boolean>();
  proc.on('message', (m) => {
    for (const w of waiters) if (w(m as M)) return;
    inbox.push(m as M);
  });
  const exited = new Promise<ChildExit>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal, stderrTail: tail, at: Date.now(), killed }));
  });
  let exit: ChildExit | null = null;
  void exited.then((e) => { exit = e; });

  return {
    proc,
    next<T extends M>(pred: (m: M) => m is T, timeoutMs: number): Promise<T> {
      const i = inbox.findIndex(pred);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const done = () => {
          waiters.delete(waiter);
          clearTimeout(timer);
        };
        const waiter = (m: M) => {
          if (!pred(m)) return false;
          done();
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no answer from ${file} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((e) => {
          if (!waiters.has(waiter)) return;
          done();
          reject(new ChildExitedError(e));
        });
      });
    },
    send(msg) {
      if (proc.connected) proc.send(msg as object);
    },
    exited,
    async stop(graceMs = 5000) {
      if (exit) return exit;
      if (proc.connected) proc.send({ type: 'stop' });
      const timer = setTimeout(() => {
        killed = true;
        proc.kill('SIGKILL');
      }, graceMs);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}

export class ChildExitedError extends Error {
  constructor(readonly exit: ChildExit) {
    super(`child exited (code ${exit.code}, signal ${exit.signal})${exit.stderrTail.length ? `: ${exit.stderrTail.at(-1)}` : ''}`);
  }
}

/**
 * A short description of why a child died: the first line naming an error and the first three modules on its
 * stack, else the last line written.
 */
export function crashReason(e: ChildExit): string {
  const i = e.stderrTail.findIndex((l) => /RangeError|TypeError|Error:|FATAL|heap out of memory/.test(l));
  if (i < 0) return (e.stderrTail.at(-1) ?? `exit code ${e.code}, signal ${e.signal}`).trim().slice(0, 200);
  const frames = [...new Set(e.stderrTail.slice(i + 1)
    .map((l) => /^\s+at .*?([\w.-]+\.[cm]?[jt]s):(\d+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1]!))]
    .slice(0, 3);
  return `${e.stderrTail[i]!.trim()}${frames.length ? ` (at ${frames.join(' ← ')})` : ''}`.slice(0, 240);
}

/** For children: send a message to the parent (no-op when run directly, e.g. while developing a part). */
export function report(msg: object): void {
  if (process.send) process.send(msg);
  else process.stdout.write(`${JSON.stringify(msg)}\n`);
}

/** For children: call `fn` on each message from the parent. */
export function onParentMessage(fn: (msg: { type: string } & Record<string, unknown>) => void): void {
  process.on('message', (m) => fn(m as { type: string } & Record<string, unknown>));
}
