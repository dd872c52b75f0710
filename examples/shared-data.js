// Test data and execution context: a SharedArray loaded once from a JSON file next to the
// script (open() reads files in the init context only), and k6/execution to know which VU and
// scenario an iteration belongs to, so that each VU logs in as a different user.
//
//   volley run examples/shared-data.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { b64encode } from 'k6/encoding';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

// The function runs once per worker thread; every VU reads the same frozen array.
const users = new SharedArray('users', function () {
  return JSON.parse(open('./data/users.json'));
});

export const options = {
  scenarios: {
    logins: { executor: 'per-vu-iterations', vus: 4, iterations: 2, maxDuration: '10s' },
  },
};

export default function () {
  // VU ids start at 1 and are unique in the test: VU n is users[n - 1].
  const user = users[exec.vu.idInTest - 1];
  const credentials = b64encode(`${user.username}:${user.password}`);
  const res = http.get(`${BASE_URL}/echo?scenario=${exec.scenario.name}&vu=${exec.vu.idInTest}`, {
    headers: { Authorization: `Basic ${credentials}` },
  });
  check(res, {
    'basic auth header': (r) => r.json('headers.authorization') === `Basic ${credentials}`,
    'scenario name': (r) => r.json('query.scenario') === 'logins',
    'vu id is __VU': () => exec.vu.idInTest === __VU,
    'iteration in instance is __ITER': () => exec.vu.iterationInInstance === __ITER,
  });
  check(users, {
    'shared array has every user': (u) => u.length === 4,
    'shared array is read-only': (u) => {
      try {
        u[0].username = 'mallory';
      } catch (e) {
        // Strict mode (ES modules): writing to a frozen object throws.
      }
      return u[0].username === 'alice';
    },
  });
}
