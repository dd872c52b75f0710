/** k6/execution: information about the VU, the scenario and the test, and test.abort(). */
import type { VuContext } from '../vu';

export class TestAbort extends Error {
  constructor(message?: string) {
    super(message ? `test aborted: ${message}` : 'test aborted');
  }
}

export function createExecution(vu: VuContext, abort: (reason: string) => void) {
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
    },
    scenario: {
      get name() {
        return vu.scenario.name;
      },
      get executor() {
        return vu.scenario.executor;
      },
      get startTime() {
        return vu.scenario.startTime;
      },
    },
    test: {
      abort(reason?: string): never {
        abort(reason ?? '');
        throw new TestAbort(reason);
      },
    },
  };
  return { default: api };
}
