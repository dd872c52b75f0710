// An open model: iterations start at a fixed rate whether or not earlier ones are done
// (constant-arrival-rate), with VUs taken from a pool as needed. 20 iterations per second for
// 1 second start 20 iterations; any the pool cannot serve are counted as dropped_iterations.
//
//   volley run examples/arrival-rate.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    arrivals: {
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 4,
      maxVUs: 8,
    },
  },
};

export default function () {
  // Each request takes 100 ms: at 20/s, about 2 VUs are busy at any time.
  const res = http.get(`${BASE_URL}/slow?ms=100`, { tags: { name: 'slow' } });
  check(res, {
    'answered': (r) => r.status === 200,
    'arrival-rate scenario': () => exec.scenario.name === 'arrivals' && exec.scenario.executor === 'constant-arrival-rate',
  });
}
