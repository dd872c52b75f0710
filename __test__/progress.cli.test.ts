/**
 * The live progress of a real `volley run`: k6's plain block every second when stdout is a pipe,
 * bars redrawn in place when it is a terminal (a pseudo-terminal made by python's pty module),
 * nothing with --quiet.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, runCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Runs a command on a 100x30 pseudo-terminal; what the terminal received, and the exit code. */
const PTY_RUNNER = `
import fcntl, os, pty, select, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
out = sys.stdout.buffer
# CTRL_C_AFTER: seconds after the first progress frame (the signal handlers are in place by then).
ctrl_c_after = float(os.environ['CTRL_C_AFTER']) if os.environ.get('CTRL_C_AFTER') else None
seen = b''
first_frame = None
while True:
    if ctrl_c_after is not None and first_frame is not None and time.time() - first_frame >= ctrl_c_after:
        os.write(fd, b'\\x03')
        ctrl_c_after = None
    if not select.select([fd], [], [], 0.05)[0]:
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    if first_frame is None:
        seen += data
        if b'running (' in seen:
            first_frame = time.time()
    out.write(data)
    out.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

const python = ['python3', 'python'].find((p) => spawnSync(p, ['-c', 'import pty, termios'], { stdio: 'ignore' }).status === 0);

/** Runs volley on a pseudo-terminal; `ctrlCAfterS`: press Ctrl+C that long after the first frame. */
function runOnTerminal(args: string[], ctrlCAfterS?: number, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CTRL_C_AFTER: ctrlCAfterS === undefined ? '' : String(ctrlCAfterS) };
    const child = spawn(python as string, ['-c', PTY_RUNNER, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * What a terminal shows in the end: plays the control sequences log-update and volley use (cursor
 * up/down/column 1, erase line, erase to its end) over an endless screen; colours are dropped.
 */
function screen(raw: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => (lines[row] ??= []);
  // eslint-disable-next-line no-control-regex
  const tokens = raw.match(/\x1b\[[0-9;?]*[A-Za-z]|[\s\S]/gu) ?? [];
  for (const t of tokens) {
    // eslint-disable-next-line no-control-regex
    const csi = /^\x1b\[([0-9;?]*)([A-Za-z])$/.exec(t);
    if (csi) {
      const n = Number(csi[1] || '1');
      if (csi[2] === 'A') row = Math.max(0, row - n);
      else if (csi[2] === 'B') row += n;
      else if (csi[2] === 'G') col = 0;
      else if (csi[2] === 'K') line().splice(csi[1] === '2' ? 0 : col);
      continue;
    }
    if (t === '\r') col = 0;
    else if (t === '\n') row += 1;
    else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = t;
    }
  }
  return Array.from(lines, (l) => (l ?? []).join('').trimEnd());
}

describe('live progress', () => {
  let target: CountingServer;

  beforeAll(async () => {
    target = await startCountingServer();
  });
  afterAll(() => target.close());

  const args = (duration = '3s') => ['run', '--url', target.url, '--vus', '2', '--duration', duration, '--address', ''];

  test("off a terminal: k6's plain block every second, then the final one", async () => {
    const res = await runCli([...args(), '--no-summary']);
    expect(res.code).toBe(0);
    // The banner, then blocks of an empty line, the run line and the scenario's bar.
    const blocks = res.stdout.split('\n\nrunning ').slice(1).map((b) => `running ${b}`.replace(/\n+$/, '').split('\n'));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(blocks.length).toBeLessThanOrEqual(6);
    const live = blocks.slice(0, -1);
    for (const [run, bar, ...rest] of live) {
      expect(rest).toEqual([]);
      const r = /^running \((\d\d\.\d)s\), [0-2]\/2 VUs, \d+ complete and 0 interrupted iterations$/.exec(run);
      expect(r).not.toBeNull();
      const b = /^default (?: {2}\[ +(\d+)% \] 2 VUs {2}(\d\.\d)s\/3s|↓ \[ 100% \] 2 VUs {2}3s)$/.exec(bar);
      expect(b).not.toBeNull();
      if (b?.[1] !== undefined) {
        // The bar's time is the run's; its percentage is that time over the 3 s.
        expect(Number(b[2])).toBeCloseTo(Number(r?.[1]), 5);
        expect(Math.abs(Number(b[1]) - (Number(b[2]) / 3) * 100)).toBeLessThanOrEqual(2);
      }
    }
    const [run, bar] = blocks[blocks.length - 1];
    expect(run).toMatch(/^running \(03\.\ds\), 0\/2 VUs, \d+ complete and 0 interrupted iterations$/);
    expect(bar).toBe('default ✓ [ 100% ] 2 VUs  3s');
    // No terminal control sequences in a pipe.
    expect(res.stdout).not.toMatch(ANSI);
  });

  test('--quiet prints no progress', async () => {
    const res = await runCli([...args(), '--quiet', '--no-summary']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
  });

  (python ? test : test.skip)('on a terminal: bars redrawn in place several times a second, then the summary', async () => {
    const res = await runOnTerminal(args());
    expect(res.code).toBe(0);
    const raw = res.output;
    // Redrawn in place: the cursor goes back up over the previous frame.
    // eslint-disable-next-line no-control-regex
    expect(raw).toMatch(/\x1b\[\d*A/);
    const text = raw.replace(ANSI, '').replace(/\r/g, '');
    const frames = text.match(/^running \(\d\d\.\ds\), \d\/2 VUs, \d+ complete and 0 interrupted iterations$/gm) ?? [];
    expect(frames.length).toBeGreaterThanOrEqual(8);
    // A filling bar as wide as the 100 columns allow (40 at most), never the percentage form.
    expect(text).toMatch(/^default {3}\[=*>-*\] 2 VUs {2}\d\.\ds\/3s$/m);
    expect(text).not.toMatch(/\[ +\d+% \]/);
    for (const line of text.split('\n').filter((l) => l.startsWith('default'))) expect(line.length).toBeLessThan(100);
    // The last frame stays, marked done and full, above the summary; the mark is green.
    expect(text).toMatch(new RegExp(`^default ✓ \\[${'='.repeat(38)}\\] 2 VUs {2}3s\\n[\\s\\S]*TOTAL RESULTS`, 'm'));
    expect(raw).toContain('\x1b[32m✓\x1b[0m');
  });

  (python ? test : test.skip)('on a terminal, Ctrl+C: its log line prints above the bars, and only the final frame stays', async () => {
    const res = await runOnTerminal(args('20s'), 1);
    expect(res.code).toBe(105);
    const shown = screen(res.output);
    const at = (re: RegExp) => shown.findIndex((l) => re.test(l));
    const count = (re: RegExp) => shown.filter((l) => re.test(l)).length;
    // Every frame but the last was erased where it stood.
    expect(count(/^running \(/)).toBe(1);
    expect(count(/^default /)).toBe(1);
    expect(count(/level=info msg="stopping the test/)).toBe(1);
    expect(at(/stopping the test/)).toBeLessThan(at(/^running \(/));
    expect(shown[at(/^running \(/) + 1]).toMatch(/^default ✗ \[=*>-*\] 2 VUs {2}\d\d\.\ds\/20s$/);
    expect(at(/^running \(/)).toBeLessThan(at(/TOTAL RESULTS/));
  });

  (python ? test : test.skip)('on a terminal, script console output from the worker threads prints above the bars', async () => {
    const script = join(__dirname, 'fixtures', 'scripts', 'chatty.js');
    const res = await runOnTerminal(['run', '--address', '', '--no-summary', '-e', `URL=${target.url}`, script]);
    expect(res.code).toBe(0);
    const shown = screen(res.output);
    const logged = shown.filter((l) => /level=info msg="iteration of VU [12]" source=console$/.test(l));
    // Each line once, none lost under a frame, and a single frame left at the bottom.
    expect(logged.length).toBe((res.output.match(/iteration of VU/g) ?? []).length);
    expect(logged.length).toBeGreaterThanOrEqual(6);
    expect(shown.filter((l) => l.startsWith('running (')).length).toBe(1);
    const last = shown.filter((l) => l !== '');
    expect(last.slice(-2)).toEqual([expect.stringMatching(/^running \(02\.\ds\), 0\/2 VUs, \d+ complete and 0 interrupted iterations$/), `default ✓ [${'='.repeat(38)}] 2 VUs  2s`]);
  });

  (python ? test : test.skip)('on a terminal, --quiet prints no progress either', async () => {
    const res = await runOnTerminal([...args(), '--quiet', '--no-summary']);
    expect(res.code).toBe(0);
    expect(res.output.replace(ANSI, '').trim()).toBe('');
  });
});
