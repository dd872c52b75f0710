// fail() and exceptions: an error thrown in an iteration ends that iteration only. It is
// logged with its line, the VU goes on with its next iteration, and the run still exits 0
// (use thresholds to turn failures into a failed run).
//
//   volley run examples/errors-fail.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check, fail } from 'k6';
import { Counter } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

const completed = new Counter('completed_iterations');
const caught = new Counter('caught_errors');

export const options = {
  scenarios: {
    // One VU, six iterations in a row: __ITER is 0..5.
    flaky: { executor: 'shared-iterations', vus: 1, iterations: 6, maxDuration: '10s' },
  },
};

export default function () {
  // Every third iteration asks for a page that does not exist.
  const status = __ITER % 3 === 2 ? 404 : 200;
  const res = http.get(`${BASE_URL}/status/${status}`);

  // The usual k6 idiom: a failed check ends the iteration with a message.
  if (!check(res, { 'status is 200': (r) => r.status === 200 })) {
    fail(`unexpected status ${res.status} on iteration ${__ITER}`);
  }

  // fail() throws an Error, so it can be caught like any other exception.
  try {
    JSON.parse(res.body);
  } catch (e) {
    caught.add(1);
  }

  // Only iterations that were not failed get here.
  completed.add(1);
}
