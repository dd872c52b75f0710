/**
 * The progress block as k6 prints it, line for line against the golden consoles
 * (/work/shared/spec/k6-golden/run-*-console.txt: k6 v0.49 with stdout not a terminal), and the
 * terminal form of the bars.
 */
import type { EngineOptions, StatusSnapshot } from '../ts/native';
import { ProgressModel } from '../ts/run/progress';
import { fixedLengthDuration, renderBlock, type ProgressSample, type ScenarioSample } from '../ts/run/progressBar';

const RUNNING = 7;
const TEARDOWN = 8;
const ENDED = 9;

function status(over: Partial<StatusSnapshot>): StatusSnapshot {
  return { status: RUNNING, paused: false, vus: 0, vusMax: 0, targetVus: 0, stopped: false, running: true, tainted: false, ...over };
}

function sample(elapsedMs: number, completed: number, over: Partial<StatusSnapshot>, interrupted = 0): ProgressSample {
  return { status: status(over), elapsedMs, completed, interrupted };
}

/** What the plain (non-terminal) progress prints for one sample, without the leading empty line. */
function plain(model: ProgressModel, s: ProgressSample): string[] {
  return renderBlock(model.lines(s), { minLeft: 3 });
}

const cvus: EngineOptions = { executor: 'constant-vus', scenarioName: 'steady', vus: 2, durationMs: 8000, gracefulStopMs: 30_000 };
const ext: EngineOptions = { executor: 'externally-controlled', scenarioName: 'contacts', vus: 2, maxVus: 10, durationMs: 60_000 };
const lifecycle: EngineOptions = { ...ext, durationMs: 4000 };

describe("k6's plain progress block (golden consoles)", () => {
  test('constant-vus: running, graceful stop (↓), done (✓) (run-cvus)', () => {
    const model = new ProgressModel(cvus);
    expect(plain(model, sample(1004, 2, { vus: 2, vusMax: 2 }))).toEqual([
      'running (01.0s), 2/2 VUs, 2 complete and 0 interrupted iterations',
      'steady   [  13% ] 2 VUs  1.0s/8s',
    ]);
    expect(plain(model, sample(5001, 18, { vus: 2, vusMax: 2 }))).toEqual([
      'running (05.0s), 2/2 VUs, 18 complete and 0 interrupted iterations',
      'steady   [  63% ] 2 VUs  5.0s/8s',
    ]);
    expect(plain(model, sample(8002, 30, { vus: 2, vusMax: 2 }))).toEqual([
      'running (08.0s), 2/2 VUs, 30 complete and 0 interrupted iterations',
      'steady ↓ [ 100% ] 2 VUs  8s',
    ]);
    expect(plain(model, sample(8010, 32, { status: ENDED, running: false, vus: 0, vusMax: 2 }))).toEqual([
      'running (08.0s), 0/2 VUs, 32 complete and 0 interrupted iterations',
      'steady ✓ [ 100% ] 2 VUs  8s',
    ]);
  });

  test('externally-controlled: VU counts as wide as vus-max, three columns (run-ext)', () => {
    const model = new ProgressModel(ext);
    expect(plain(model, sample(1000, 2, { vus: 2, vusMax: 10 }))).toEqual([
      'running (0m01.0s), 02/10 VUs, 2 complete and 0 interrupted iterations',
      'contacts   [   2% ] 02/10 VUs  0m01.0s/1m0s   ',
    ]);
    expect(plain(model, sample(4000, 20, { vus: 5, vusMax: 20 }))).toEqual([
      'running (0m04.0s), 05/20 VUs, 20 complete and 0 interrupted iterations',
      'contacts   [   7% ] 05/20 VUs  0m04.0s/1m0s   ',
    ]);
    expect(plain(model, sample(5000, 30, { vus: 3, vusMax: 15 }, 17))).toEqual([
      'running (0m05.0s), 03/15 VUs, 30 complete and 17 interrupted iterations',
      'contacts   [   8% ] 03/15 VUs  0m05.0s/1m0s   ',
    ]);
    expect(plain(model, sample(18_880, 88, { vus: 3, vusMax: 12 }, 17))).toEqual([
      'running (0m18.9s), 03/12 VUs, 88 complete and 17 interrupted iterations',
      'contacts   [  31% ] 03/12 VUs  0m18.9s/1m0s   ',
    ]);
  });

  test('before the executors: the Run bar shows setup() or paused (run-lifecycle, run-paused)', () => {
    expect(plain(new ProgressModel(lifecycle), sample(0, 0, { status: 6, vusMax: 10 }))).toEqual(['Run        [ 100% ] setup()', 'contacts   [   0% ]']);
    expect(plain(new ProgressModel(ext), sample(0, 0, { status: 4, paused: true, vusMax: 10 }))).toEqual(['Run        [ 100% ] paused', 'contacts   [   0% ]']);
  });

  test('a short run: elapsed without a leading zero; the bar freezes at the end (run-lifecycle)', () => {
    const model = new ProgressModel(lifecycle);
    expect(plain(model, sample(3000, 2, { vus: 2, vusMax: 10 }))).toEqual([
      'running (3.0s), 02/10 VUs, 2 complete and 0 interrupted iterations',
      'contacts   [  75% ] 02/10 VUs  3.0s/4s   ',
    ]);
    expect(plain(model, sample(4000, 6, { vus: 2, vusMax: 10 }))).toEqual([
      'running (4.0s), 02/10 VUs, 6 complete and 0 interrupted iterations',
      'contacts   [ 100% ] 02/10 VUs  4.0s/4s   ',
    ]);
    // The first sample after the executor ended freezes the bar, VUs included.
    plain(model, sample(4050, 6, { status: TEARDOWN, vus: 2, vusMax: 10 }));
    expect(plain(model, sample(5000, 6, { status: ENDED, running: false, vus: 0, vusMax: 10 }, 2))).toEqual([
      'running (5.0s), 00/10 VUs, 6 complete and 2 interrupted iterations',
      'contacts ✓ [ 100% ] 02/10 VUs  4s   ',
    ]);
  });

  test('a run stopped early ends interrupted (✗) and paused runs say so (run-paused)', () => {
    const model = new ProgressModel(ext);
    expect(plain(model, sample(1510, 15, { status: 10, paused: true, stopped: true, running: false, vus: 0, vusMax: 10 }))).toEqual([
      'paused (0m01.5s), 00/10 VUs, 15 complete and 0 interrupted iterations',
      'contacts ✗ [   3% ] 00/10 VUs  0m01.5s/1m0s   ',
    ]);
  });

  test('iteration executors: percent of the iterations, k6 columns', () => {
    const shared: EngineOptions = { executor: 'shared-iterations', scenarioName: 'default', vus: 2, iterations: 200, gracefulStopMs: 30_000 };
    expect(plain(new ProgressModel(shared), sample(1000, 50, { vus: 2, vusMax: 2 }))).toEqual([
      'running (00m01.0s), 2/2 VUs, 50 complete and 0 interrupted iterations',
      'default   [  25% ] 2 VUs  00m01.0s/10m0s  050/200 shared iters',
    ]);
    const perVu: EngineOptions = { executor: 'per-vu-iterations', scenarioName: 'default', vus: 1, iterations: 1, gracefulStopMs: 30_000 };
    const model = new ProgressModel(perVu);
    expect(plain(model, sample(200, 1, { status: ENDED, running: false, vus: 0, vusMax: 1 }))).toEqual([
      'running (00m00.2s), 0/1 VUs, 1 complete and 0 interrupted iterations',
      'default ✓ [ 100% ] 1 VUs  00m00.2s/10m0s  1/1 iters, 1 per VU',
    ]);
  });

  test('arrival-rate and ramping executors', () => {
    const car: EngineOptions = { executor: 'constant-arrival-rate', scenarioName: 'rate', vus: 5, preAllocatedVus: 5, maxVus: 20, rate: 50, timeUnitMs: 1000, durationMs: 60_000, gracefulStopMs: 30_000 };
    expect(plain(new ProgressModel(car), sample(30_000, 1500, { vus: 3, vusMax: 5 }))).toEqual([
      'running (0m30.0s), 03/05 VUs, 1500 complete and 0 interrupted iterations',
      'rate   [  50% ] 03/05 VUs  0m30.0s/1m0s  50.00 iters/s',
    ]);
    const ramp: EngineOptions = { executor: 'ramping-vus', scenarioName: 'ramp', vus: 0, stages: [{ durationMs: 10_000, target: 10 }, { durationMs: 10_000, target: 0 }], gracefulStopMs: 30_000 };
    expect(plain(new ProgressModel(ramp), sample(5000, 40, { vus: 5, vusMax: 10 }))).toEqual([
      'running (05.0s), 05/10 VUs, 40 complete and 0 interrupted iterations',
      'ramp   [  25% ] 05/10 VUs  05.0s/20.0s',
    ]);
    const rar: EngineOptions = { executor: 'ramping-arrival-rate', scenarioName: 'rar', vus: 2, preAllocatedVus: 2, maxVus: 4, startRate: 0, timeUnitMs: 1000, stages: [{ durationMs: 10_000, target: 100 }], gracefulStopMs: 30_000 };
    expect(plain(new ProgressModel(rar), sample(5000, 200, { vus: 2, vusMax: 4 }))[1]).toBe('rar   [  50% ] 2/4 VUs  05.0s/10s  050.00 iters/s');
  });
});

describe('several scenarios', () => {
  const options: EngineOptions = {
    executor: 'constant-vus',
    vus: 1,
    scenarios: [
      { name: 'later', executor: 'shared-iterations', vus: 1, iterations: 10, startTimeMs: 5000, gracefulStopMs: 30_000 },
      { name: 'browse', executor: 'constant-vus', vus: 3, durationMs: 10_000, gracefulStopMs: 30_000 },
      { name: 'api', executor: 'constant-vus', vus: 2, durationMs: 4000, gracefulStopMs: 0 },
    ],
  };
  const scenario = (name: string, over: Partial<ScenarioSample>): ScenarioSample => ({ name, state: 'running', vus: 0, vusMax: 0, iterations: 0, ...over });

  test("one bar each, in k6's order (start time, then name), with their own numbers; one waits for its start", () => {
    const model = new ProgressModel(options);
    const s = sample(2000, 90, { vus: 5, vusMax: 6 });
    s.scenarios = [
      scenario('browse', { vus: 3, vusMax: 3, iterations: 60 }),
      scenario('api', { vus: 2, vusMax: 2, iterations: 30 }),
      scenario('later', { state: 'waiting', vusMax: 1 }),
    ];
    expect(plain(model, s)).toEqual([
      // The time as wide as the longest scenario (later: 5 s + 10 m + 30 s); the first column
      // padded to the widest ("waiting").
      'running (00m02.0s), 5/6 VUs, 90 complete and 0 interrupted iterations',
      'api      [  50% ] 2 VUs    2.0s/4s',
      'browse   [  20% ] 3 VUs    02.0s/10s',
      'later  • [   0% ] waiting  3.0s',
    ]);
  });

  test('each bar freezes when its scenario is done, while the others go on', () => {
    const model = new ProgressModel(options);
    const at = (ms: number, apiState: string, laterIterations: number) => {
      const s = sample(ms, 0, { vus: 4, vusMax: 6 });
      s.scenarios = [
        scenario('browse', { vus: 3, vusMax: 3 }),
        scenario('api', { state: apiState, vus: 0, vusMax: 2, iterations: 30 }),
        scenario('later', { vus: 1, vusMax: 1, iterations: laterIterations }),
      ];
      return plain(model, s);
    };
    expect(at(4100, 'done', 0)[1]).toBe('api    ✓ [ 100% ] 2 VUs    4s');
    const later = at(6000, 'running', 4);
    // Columns line up across bars: the frozen one's last is padded to later's second (k6 does too).
    expect(later[1]).toBe(`api    ✓ [ 100% ] 2 VUs  4s${' '.repeat(13)}`);
    expect(later[3]).toBe('later    [  40% ] 1 VUs  00m01.0s/10m0s  04/10 shared iters');
  });
});

describe('the terminal form', () => {
  const model = new ProgressModel(cvus);
  const lines = () => model.lines(sample(4000, 16, { vus: 2, vusMax: 2 }));

  test('a filling bar as wide as the terminal allows, at most 40 columns', () => {
    expect(renderBlock(lines(), { columns: 80, minLeft: 3 })[1]).toBe(`steady   [${'='.repeat(18)}>${'-'.repeat(19)}] 2 VUs  4.0s/8s`);
    const narrow = renderBlock(lines(), { columns: 40, minLeft: 3 })[1];
    expect(narrow).toBe(`steady   [${'='.repeat(5)}>${'-'.repeat(7)}] 2 VUs  4.0s/8s`);
    expect(narrow.length).toBe(39);
  });

  test('too narrow for a bar: the percentage form', () => {
    expect(renderBlock(lines(), { columns: 30, minLeft: 3 })[1]).toBe('steady   [  50% ] 2 VUs  4.0s/8s');
  });

  test('colours: the status mark and the empty part of the bar', () => {
    const done = new ProgressModel(cvus).lines(sample(8010, 32, { status: ENDED, running: false, vusMax: 2 }));
    expect(renderBlock(done, { columns: 80, color: true, minLeft: 3 })[1]).toBe(`steady \x1b[32m✓\x1b[0m [${'='.repeat(38)}] 2 VUs  8s`);
    expect(renderBlock(lines(), { columns: 80, color: true, minLeft: 3 })[1]).toContain(`>\x1b[2m${'-'.repeat(19)}\x1b[0m]`);
  });
});

describe('durations', () => {
  test("fixed-length durations follow the maximum's width (k6's pb.GetFixedLengthDuration)", () => {
    expect(fixedLengthDuration(1000, 8000)).toBe('1.0s');
    expect(fixedLengthDuration(1000, 38_000)).toBe('01.0s');
    expect(fixedLengthDuration(1000, 60_000)).toBe('0m01.0s');
    expect(fixedLengthDuration(61_250, 630_000)).toBe('01m01.3s');
    expect(fixedLengthDuration(3_723_400, 7_200_000)).toBe('1h02m03.4s');
    expect(fixedLengthDuration(90_000_000, 100_000_000)).toBe('1d01h00m00.0s');
    // A value above the maximum widens the field rather than lose digits.
    expect(fixedLengthDuration(12_000, 8000)).toBe('12.0s');
  });
});
