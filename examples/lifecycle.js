// The test life cycle: setup() runs once before the VUs and its return value (JSON data) is
// handed to every iteration; teardown(data) runs once at the end; handleSummary(data)
// replaces the end-of-test summary with outputs of our own (stdout, stderr or files).
//
//   volley run examples/lifecycle.js -e BASE_URL=http://127.0.0.1:8080 -e SUMMARY_FILE=summary.json
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const SUMMARY_FILE = __ENV.SUMMARY_FILE || 'summary.json';

export const options = {
  scenarios: {
    members: { executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '10s' },
  },
};

// Runs once, before any VU iteration. Its requests and checks count (in the group ::setup).
export function setup() {
  const login = http.post(`${BASE_URL}/echo`, { user: 'admin', password: 'secret' });
  check(login, { 'logged in': (r) => r.status === 200 });
  // Only JSON data survives the trip to the VUs: no functions, no class instances.
  return { token: `token-${login.json('body').length}`, seen: 0 };
}

export default function (data) {
  const res = http.get(`${BASE_URL}/echo`, { headers: { Authorization: `Bearer ${data.token}` } });
  check(res, { 'token from setup is sent': (r) => r.json('headers.authorization') === 'Bearer token-26' });

  // Each VU gets its own copy of the data, kept from one iteration to the next (as in k6):
  // a change here is seen by this VU's later iterations only.
  check(data, { 'data is per VU': (d) => d.seen === __ITER });
  data.seen += 1;
}

// Runs once at the end with setup()'s data (not the VUs' copies).
export function teardown(data) {
  const res = http.del(`${BASE_URL}/echo?token=${data.token}&seen=${data.seen}`);
  check(res, { 'logged out': (r) => r.status === 200 });
}

// Gets k6's summary data; what it returns is written out instead of the default summary.
export function handleSummary(data) {
  const requests = data.metrics.http_reqs.values.count;
  const checks = data.metrics.checks.values;
  return {
    stdout: `lifecycle: ${requests} requests, ${checks.passes} checks passed, ${checks.fails} failed\n`,
    [SUMMARY_FILE]: JSON.stringify({ requests, checks, setupData: data.setup_data, groups: data.root_group.groups.map((g) => g.name) }, null, 2),
  };
}
