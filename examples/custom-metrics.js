// Custom metrics: Counter (sums), Gauge (last value, with min and max), Rate (share of true
// or non-zero values) and Trend (statistics of values; `true` marks it as time, in ms).
// The values are fixed so that the totals are known in advance: 10 iterations give
// orders_placed 30, cart_size 42 (min 7), order_ok 75 %, order_total avg 20 (min 10, max 30).
//
//   volley run examples/custom-metrics.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

// Metrics are made in the init context (module level), and added to in the VU context.
const ordersPlaced = new Counter('orders_placed');
const cartSize = new Gauge('cart_size');
const orderOk = new Rate('order_ok');
const orderTotal = new Trend('order_total');
const orderLatency = new Trend('order_latency', true);

export const options = {
  scenarios: {
    shop: { executor: 'shared-iterations', vus: 2, iterations: 10, maxDuration: '10s' },
  },
};

export default function () {
  const res = http.post(`${BASE_URL}/echo`, JSON.stringify({ item: 'book' }), {
    headers: { 'Content-Type': 'application/json' },
  });

  // Tags are optional; the totals add up over every tag.
  ordersPlaced.add(2);
  ordersPlaced.add(1, { kind: 'gift' });

  // Gauge keeps the last value: every iteration ends at 42, whichever VU adds last.
  cartSize.add(7);
  cartSize.add(42);

  // Three successes, one failure: booleans and numbers both work.
  orderOk.add(true);
  orderOk.add(res.status === 200);
  orderOk.add(1);
  orderOk.add(false);

  orderTotal.add(10);
  orderTotal.add(30);

  // A time trend of the request's duration: the same samples as http_req_duration here.
  orderLatency.add(res.timings.duration);
}
