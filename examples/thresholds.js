// Thresholds: pass/fail criteria on built-in and custom metrics, checked during the run and at
// the end. All of these pass against a healthy server; a crossed one makes the run exit 99.
//
//   volley run examples/thresholds.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

const pageViews = new Counter('page_views');
const errors = new Rate('errors');
const bodySize = new Trend('body_size');

export const options = {
  scenarios: {
    steady: { executor: 'constant-vus', vus: 2, duration: '1s' },
  },
  thresholds: {
    // Latency: 95 % of requests under 2 s, and the mean under 1 s.
    http_req_duration: ['p(95)<2000', 'avg<1000'],
    // The sub-metric of responses with an expected status (2xx and 3xx by default).
    'http_req_duration{expected_response:true}': ['max<5000'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate==1.0'],
    iterations: ['count>0'],
    // Custom metrics take thresholds too; the object form can abort the test when crossed.
    page_views: ['count>=2'],
    errors: [{ threshold: 'rate<0.1', abortOnFail: true }],
    body_size: ['min>0', 'p(99)<100000'],
  },
};

export default function () {
  const res = http.get(`${BASE_URL}/json`);
  const ok = check(res, { 'status 200': (r) => r.status === 200 });
  errors.add(!ok);
  pageViews.add(1);
  bodySize.add(res.body.length);
  sleep(0.1);
}
