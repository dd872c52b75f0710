/** k6/execution: information about the VU, the scenario, the instance and the test, and test.abort(). */
import type { HostSource, VuContext } from '../vu';

export class TestAbort extends Error {
  constructor(message?: string) {
    super(message ? `test aborted: ${message}` : 'test aborted');
  }
}

/** What the module reads beyond the VU: the engine (through the host) and the test's options. */
export interface ExecutionSource extends HostSource {
  /** The script's options, as k6's `exec.test.options` shows them (null until known). */
  readonly testOptions: Record<string, unknown> | null;
}

export function createExecution(vu: VuContext, rt: ExecutionSource, abort: (reason: string) => void) {
  /** k6 refuses these readings in the init context (no VU runs yet), with these messages. */
  const SCENARIO = 'getting scenario information outside of the VU context is not supported';
  const INSTANCE = 'getting instance information in the init context is not supported';
  const running = (message: string) => {
    if (vu.inInit) throw new Error(message);
  };
  const scenarioReading = () => {
    running(SCENARIO);
    const index = vu.scenario.index;
    return index === undefined ? null : rt.requireHost().scenarioInfo(index);
  };
  const instance = () => {
    running(INSTANCE);
    return rt.requireHost().instanceInfo();
  };
  const api = {
    vu: {
      get idInInstance() {
        return vu.id;
      },
      get idInTest() {
        return vu.id;
      },
      get iterationInInstance() {
        return vu.iteration;
      },
      get iterationInScenario() {
        return vu.iteration;
      },
      get tags() {
        return vu.tags.view;
      },
      /** k6 v0.49's `exec.vu.metrics`: the tags (the same as `exec.vu.tags`) and metadata. */
      metrics: {
        get tags() {
          return vu.tags.view;
        },
        metadata: {} as Record<string, string>,
      },
    },
    scenario: {
      get name() {
        running(SCENARIO);
        return vu.scenario.name;
      },
      get executor() {
        running(SCENARIO);
        return vu.scenario.executor;
      },
      /** When the scenario started: a Unix timestamp in ms, as k6's. */
      get startTime() {
        const reading = scenarioReading();
        return reading === null ? 0 : Math.round(Date.now() - reading.elapsedMs);
      },
      /** 0..1, as the progress bars show it. */
      get progress() {
        return scenarioReading()?.progress ?? 0;
      },
      /** The iteration's number in the scenario, across its VUs (one instance: the same). */
      get iterationInInstance() {
        running(SCENARIO);
        return vu.scenarioIteration;
      },
      get iterationInTest() {
        running(SCENARIO);
        return vu.scenarioIteration;
      },
    },
    instance: {
      get iterationsInterrupted() {
        return instance().iterationsInterrupted;
      },
      get iterationsCompleted() {
        return instance().iterationsCompleted;
      },
      get vusActive() {
        return instance().vusActive;
      },
      get vusInitialized() {
        return instance().vusInitialized;
      },
      get currentTestRunDuration() {
        return instance().currentTestRunDurationMs;
      },
    },
    test: {
      abort(reason?: string): never {
        abort(reason ?? '');
        throw new TestAbort(reason);
      },
      /** The test's options (frozen, as k6 gives them). */
      get options() {
        return rt.testOptions ?? {};
      },
    },
  };
  return { default: api };
}
