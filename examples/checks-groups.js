// check() and group(): checks count into the `checks` rate and into their group; groups nest,
// and each group's path (::outer::inner) gets an md5 id in the summary and the REST API.
// One check here fails on purpose, to show that a failing check does not stop the iteration.
//
//   volley run examples/checks-groups.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check, group, sleep } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    // Ramp from 1 VU to 3 over a second, then back to 0; VUs leaving finish their iteration.
    ramp: {
      executor: 'ramping-vus',
      startVUs: 1,
      stages: [
        { duration: '1s', target: 3 },
        { duration: '500ms', target: 0 },
      ],
      gracefulRampDown: '2s',
    },
  },
};

export default function () {
  group('home page', function () {
    const res = http.get(`${BASE_URL}/`);
    check(res, {
      'home is 200': (r) => r.status === 200,
      'home greets': (r) => r.body.includes('hello'),
    });

    // A group inside a group: its path is ::home page::catalog.
    group('catalog', function () {
      const items = http.get(`${BASE_URL}/json`);
      check(items, { 'two items': (r) => r.json('items.#') === 2 });
    });
  });

  // group() returns what its function returns.
  const status = group('missing page', () => {
    const res = http.get(`${BASE_URL}/status/404`);
    // Fails every time: counted in `checks` as a failure, and the iteration goes on.
    check(res, { 'missing page is 200': (r) => r.status === 200 });
    check(res, { 'missing page is 404': (r) => r.status === 404 }, { page: 'missing' });
    return res.status;
  });

  // A check outside any group belongs to the root group.
  check(status, { 'group returned the status': (s) => s === 404 });
  sleep(0.2);
}
