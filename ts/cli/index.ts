/** `volley`: the command line. Each command's work lives in its own module. */
import { Command, CommanderError, Option } from 'commander';
import { startDemoTarget } from '../demo/target';
import { registerClientCommands } from './client/commands';
import { engineVersion } from '../native';
import { ExitCode } from '../run/exitCodes';
import { withK6Env } from '../run/k6Env';
import { ConfigError, DEFAULT_ADDRESS, planRun, type RunFlags } from '../run/plan';
import { planScriptRun } from '../run/planScript';
import { runTest } from '../run/runTest';
import { ScriptError } from '../run/scriptSession';
import { SummaryOptionError } from '../run/summaryOptions';
import { listenForTestAbort } from '../script/runtime';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function runOptions(cmd: Command): Command {
  return cmd
    .option('-u, --vus <n>', 'number of virtual users')
    .option('-d, --duration <duration>', 'test duration, like 10s or 1m30s (constant-vus)')
    .option('-i, --iterations <n>', 'total iterations shared by the VUs (shared-iterations)')
    .option('-s, --stage <duration:target>', 'a ramping-vus stage, like 30s:10 (repeatable)', collect)
    .option('-a, --address <host:port>', `REST API address ("" disables it, port 0 picks one)`, undefined)
    .option('--summary-export <file>', "write the end-of-test summary in k6's JSON export format")
    .option('-o, --out <type=file>', "stream every sample to a file in k6's format: json=FILE or csv=FILE (repeatable)", collect)
    .option('--junit <file>', 'write thresholds and checks as a JUnit XML report')
    .option('--summary-trend-stats <stats>', 'trend stats in the summary, like avg,p(99),p(99.9)')
    .option('--summary-time-unit <unit>', "time unit of the trend stats in the summary: 's', 'ms' or 'us' (default automatic)")
    .addOption(new Option('--summary-mode <mode>', 'summary layout').choices(['compact', 'full', 'legacy', 'disabled']))
    .option('--no-summary', 'print no end-of-test summary')
    .option('--api-token <token>', 'require "Authorization: Bearer <token>" on the REST API (or VOLLEY_API_TOKEN)')
    .option('--api-insecure', 'allow a non-loopback --address without a token')
    .option('--execution-segment <from:to>', "this instance's share of the test, like 1/3:2/3 (k6-operator)")
    .option('--execution-segment-sequence <points>', 'all the segment boundaries, like 0,1/3,2/3,1')
    .option('-p, --paused', 'start paused; resume through the REST API (PATCH /v1/status)')
    .option('-l, --linger', 'keep the REST API up after the test until Ctrl+C')
    .option('-q, --quiet', 'no banner and no progress lines');
}

async function runCommand(flags: RunFlags, script?: string): Promise<number> {
  if (script === undefined) return runTest(planRun(flags));
  // exec.test.abort() in the init code fails the options read: k6 exits 108 there too.
  const initAbort = listenForTestAbort();
  let planned: Awaited<ReturnType<typeof planScriptRun>>;
  try {
    planned = await planScriptRun(script, flags);
  } catch (e) {
    if (!(e instanceof ScriptError) || !(await initAbort.heard())) throw e;
    process.stderr.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
    return ExitCode.ScriptAborted;
  } finally {
    initAbort.close();
  }
  return runTest(planned.plan, undefined, planned.session, planned.thresholds);
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('volley')
    .description("HTTP load tester: k6's scripts and REST API, wrk's speed")
    .version(version, '-v, --version')
    .showSuggestionAfterError(false)
    .exitOverride();

  runOptions(
    program
      .command('run')
      .argument('[script]', 'a k6 script (.js or .ts); without it, --url runs the native fast path')
      .description('run a k6 script, or a load test against --url (the native fast path: one request per iteration)')
      .option('-e, --env <KEY=VALUE>', 'script environment variable, in __ENV (repeatable)', collect)
      .option('--url <url>', 'target URL (http or https)')
      .option('-X, --method <method>', 'HTTP method', 'GET')
      .option('-H, --header <header>', 'request header "Name: value" (repeatable)', collect)
      .option('--body <body>', 'request body')
      .option('--timeout <duration>', 'per-request timeout (k6 default 60s)')
      .option('--insecure-skip-tls-verify', 'accept any TLS certificate')
      .option('--user-agent <ua>', 'User-Agent of requests that set none ("" sends none)')
      .option('--discard-response-bodies', 'read responses but keep no bodies (res.body is null)')
      .option('--max-redirects <n>', 'follow at most n redirects (k6 default 10)')
      .option('-w, --throw', 'a failed request throws in the script instead of returning')
      .option('--no-connection-reuse', 'no keep-alive: every request on a new connection')
      .option('--no-vu-connection-reuse', "close a VU's connections at the end of each iteration")
      .option('--batch <n>', 'http.batch: requests in flight at once (k6 default 20)')
      .option('--batch-per-host <n>', 'http.batch: requests in flight per host (k6 default 6, 0: no limit)')
      .option('--min-iteration-duration <duration>', 'a shorter iteration waits out the rest before the next')
      .option('--no-thresholds', 'evaluate no thresholds (they cannot fail the run)')
      .option('--no-setup', 'do not run setup()')
      .option('--no-teardown', 'do not run teardown()')
      .option('--tag <NAME=VALUE>', 'a tag on every sample, over the script\'s options.tags (repeatable)', collect)
      .option('--no-color', "accepted as k6 takes it: volley's output has no colours"),
  ).action(async (script: string | undefined, flags: RunFlags, cmd: Command) => {
    // Given on the command line (not a default): K6_* variables fill the others.
    const fromCli = (key: keyof RunFlags) => cmd.getOptionValueSource(key) === 'cli';
    setExit(await runCommand(withK6Env(flags, fromCli), script));
  });

  runOptions(
    program
      .command('demo')
      .description('start an embedded target on a loopback port and run a 10 s load test against it'),
  ).action(async (flags: RunFlags) => {
    const target = await startDemoTarget();
    try {
      setExit(await runCommand({ vus: '10', duration: '10s', ...flags, url: target.url }));
    } finally {
      await target.close();
    }
  });

  program
    .command('version')
    .description('print the versions of volley and its engine')
    .action(() => {
      process.stdout.write(`volley v${version} (engine ${engineVersion()}, node ${process.version}, ${process.platform}/${process.arch})\n`);
      setExit(ExitCode.Ok);
    });

  program.addHelpText('after', `\nThe REST API listens on ${DEFAULT_ADDRESS} by default and speaks k6's v1 API.\n`);
  registerClientCommands(program, setExit);
  return program;
}

/** Runs the CLI; resolves to the process exit code. Errors are one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = buildProgram((c) => (code = c));
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(s.split('\n')[0] + '\n'),
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; a usage error is k6's 255.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.CliMisuse;
    }
    if (e instanceof ScriptError) {
      process.stderr.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
      return ExitCode.ScriptException;
    }
    if (e instanceof SummaryOptionError) {
      // k6 refuses a bad trend stat or time unit while reading its options: exit 255.
      process.stderr.write(`volley: ${e.message}\n`);
      return ExitCode.CliMisuse;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`volley: ${e.message}\n`);
      return ExitCode.InvalidConfig;
    }
    process.stderr.write(`volley: ${(e as Error).message}\n`);
    return ExitCode.InvalidConfig;
  }
}
