// A script that imports a helper module of its own (./lib/shop.js), and keeps a counter at
// module level: each VU has its own copy of every module, so the counter counts per VU.
//
//   volley run examples/helper-module.js -e BASE_URL=http://127.0.0.1:8080
import { check, sleep } from 'k6';
import { ShopClient, cheapest, requestCount } from './lib/shop.js';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const shop = new ShopClient(BASE_URL);

// Per VU: 1, 2, 3... for this VU's iterations, whatever the other VUs do.
let iterationsOfThisVu = 0;

// k6's shortcuts: 3 VUs for 1 second (the constant-vus executor).
export const options = { vus: 3, duration: '1s' };

export default function () {
  iterationsOfThisVu += 1;
  check(iterationsOfThisVu, { 'module counter is per VU': (n) => n === __ITER + 1 });

  const items = shop.catalog();
  const item = cheapest(items);
  shop.buy(item, iterationsOfThisVu);

  // Two requests per iteration, counted by the helper module's own per-VU counter.
  check(requestCount(), { 'helper counts this VU only': (n) => n === 2 * iterationsOfThisVu });
  sleep(0.05);
}
