// A small client for the example server, shared by scripts: requests and their checks in one
// place. Module-level state here belongs to one VU, like the importing script's.
import http from 'k6/http';
import { check, group } from 'k6';

// Counts the requests this VU made through the client (each VU has its own copy of this module).
let requestsByThisVu = 0;

export function requestCount() {
  return requestsByThisVu;
}

export class ShopClient {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
  }

  // A blocking call inside a method: the loader makes it awaited, the script stays synchronous.
  get(path, params) {
    requestsByThisVu += 1;
    return http.get(`${this.baseUrl}${path}`, params);
  }

  catalog() {
    return group('catalog', () => {
      const res = this.get('/json');
      check(res, { 'catalog lists items': (r) => r.json('items.#') > 0 });
      return res.json('items');
    });
  }

  buy(item, n) {
    requestsByThisVu += 1;
    const res = http.post(`${this.baseUrl}/echo?vu=${__VU}&n=${n}`, JSON.stringify({ id: item.id }), {
      headers: { 'Content-Type': 'application/json' },
    });
    check(res, { 'bought': (r) => JSON.parse(r.json('body')).id === item.id });
    return res;
  }
}

// Picks the cheapest item: plain helpers work as they would anywhere.
export function cheapest(items) {
  return items.reduce((a, b) => (b.price < a.price ? b : a));
}
