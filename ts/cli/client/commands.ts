/**
 * `volley status`, `pause`, `resume`, `scale` and `stats`: k6's REST API clients (spec §7).
 * Each sends exactly k6's request, prints the answer as k6's YAML on stdout and exits 0; any
 * failure (nothing listening, a JSON:API error, a body that is not JSON) is one logfmt line on
 * stderr and exit 255, k6's exit code -1.
 *
 * `scale --scenario NAME` (with --vus, --max, --rate) uses our /v1/scenarios extension instead.
 */
import { ExitCode } from '../../run/exitCodes';
import { Command, InvalidArgumentError } from 'commander';
import { callApi, ClientError, DEFAULT_CLIENT_ADDRESS } from './http';
import { errorLine } from './logfmt';
import { metricsYaml, statusYaml } from './render';
import { decodeMetrics, decodeStatus, statusPatchBody, type StatusPatch } from './resources';
import { patchScenario } from './scenarios';

/** k6 ends a failed command with exit code -1. */

interface ClientFlags {
  address: string;
}

interface ScaleFlags extends ClientFlags {
  vus?: bigint;
  max?: bigint;
  scenario?: string;
  rate?: number;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

export async function getStatus(address: string): Promise<string> {
  return statusYaml(decodeStatus(await callApi(address, 'GET', '/v1/status')));
}

export async function patchStatus(address: string, patch: StatusPatch): Promise<string> {
  return statusYaml(decodeStatus(await callApi(address, 'PATCH', '/v1/status', statusPatchBody(patch))));
}

export async function getMetrics(address: string): Promise<string> {
  return metricsYaml(decodeMetrics(await callApi(address, 'GET', '/v1/metrics')));
}

/**
 * An int64 in decimal. k6's flag parser reads Go's base prefixes too, so there `--vus 010` is 8
 * (octal) and `0x10` is 16; here both are refused or decimal, which is what a user means.
 */
function int64(value: string): bigint {
  if (!/^[+-]?\d+$/.test(value)) throw new InvalidArgumentError('not a decimal integer.');
  const n = BigInt(value);
  if (n < -(2n ** 63n) || n >= 2n ** 63n) throw new InvalidArgumentError('out of range.');
  return n;
}

/** A command that prints `work`'s output, or k6's error line and 255. */
function clientAction<F extends ClientFlags>(setExit: (code: number) => void, work: (flags: F) => Promise<string>) {
  return async (flags: F) => {
    try {
      process.stdout.write(await work(flags));
      setExit(0);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(errorLine(msg));
      setExit(ExitCode.CliMisuse);
    }
  };
}

function clientCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option('-a, --address <host:port>', 'REST API of the running test (host:port, no scheme)', DEFAULT_CLIENT_ADDRESS);
}

export function registerClientCommands(program: Command, setExit: (code: number) => void): void {
  clientCommand(program, 'status', 'print the status of a running test (GET /v1/status)').action(
    clientAction<ClientFlags>(setExit, (f) => getStatus(f.address)),
  );

  clientCommand(program, 'pause', 'pause a running test (PATCH /v1/status)').action(
    clientAction<ClientFlags>(setExit, (f) => patchStatus(f.address, { paused: true })),
  );

  clientCommand(program, 'resume', 'resume a paused test (PATCH /v1/status)').action(
    clientAction<ClientFlags>(setExit, (f) => patchStatus(f.address, { paused: false })),
  );

  clientCommand(program, 'scale', 'change the VUs of a running test: --vus, --max or both (PATCH /v1/status); with --scenario, one scenario (and --rate)')
    .option('-u, --vus <n>', 'number of active VUs', int64)
    .option('-m, --max <n>', 'number of initialised VUs (vus-max)', int64)
    .option('-s, --scenario <name>', 'change this scenario only (volley extension: PATCH /v1/scenarios/NAME)')
    .option('-r, --rate <n>', 'iterations per second of an arrival-rate scenario (needs --scenario)', positiveNumber)
    .action(
      clientAction<ScaleFlags>(setExit, async (f) => {
        if (f.scenario !== undefined) {
          if (f.vus === undefined && f.max === undefined && f.rate === undefined) throw new ClientError('Specify -u/--vus, -m/--max or -r/--rate');
          return patchScenario(f.address, f.scenario, { vus: f.vus, vusMax: f.max, rate: f.rate });
        }
        if (f.rate !== undefined) throw new ClientError('-r/--rate changes one scenario: give -s/--scenario NAME');
        // Only the flags given are sent; k6 checks this before any request.
        if (f.vus === undefined && f.max === undefined) throw new ClientError('Specify either -u/--vus or -m/--max');
        return patchStatus(f.address, { vus: f.vus, vusMax: f.max });
      }),
    );

  clientCommand(program, 'stats', 'print the metrics of a running test (GET /v1/metrics)').action(
    clientAction<ClientFlags>(setExit, (f) => getMetrics(f.address)),
  );
}
