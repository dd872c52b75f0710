/** Runs the built CLI (bin/volley.js) as a user would, and collects its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(__dirname, '..', '..', 'bin', 'volley.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves with the first stdout/stderr match of `pattern`. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], timeoutMs = 60_000): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const check = () => {
    for (const w of [...watchers]) {
      const m = (stdout + stderr).match(w.pattern);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    check();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve });
        check();
        void done.then(() => reject(new Error(`CLI ended before printing ${pattern}:\n${stdout}\n${stderr}`)));
      }),
  };
}

export function runCli(args: string[], timeoutMs?: number): Promise<CliResult> {
  return startCli(args, timeoutMs).done;
}
