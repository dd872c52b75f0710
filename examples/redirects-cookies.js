// Redirects are followed as k6 does (each hop is a request of its own in the metrics, up to 10
// by default), and every VU has its own cookie jar: a cookie one VU receives is sent back by
// that VU only.
//
//   volley run examples/redirects-cookies.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    browsing: { executor: 'per-vu-iterations', vus: 3, iterations: 2, maxDuration: '10s' },
  },
};

export default function () {
  // As in k6, each iteration starts with an empty jar (options.noCookiesReset keeps it instead).
  check(http.cookieJar().cookiesForURL(`${BASE_URL}/`), {
    'an iteration starts with an empty jar': (c) => Object.keys(c).length === 0,
  });

  // /redirect answers 302 to /: the response is the final one, 2 requests in http_reqs.
  const followed = http.get(`${BASE_URL}/redirect`);
  check(followed, {
    'redirect followed': (r) => r.status === 200 && r.url === `${BASE_URL}/`,
  });

  // A chain of 3 redirects then the root: 4 requests; `redirects: 0` stops at the first 302.
  const chain = http.get(`${BASE_URL}/redirect/chain?n=2`);
  check(chain, { 'chain followed to the end': (r) => r.status === 200 && r.url === `${BASE_URL}/` });
  const notFollowed = http.get(`${BASE_URL}/redirect`, { redirects: 0 });
  check(notFollowed, {
    'redirects: 0 keeps the 302': (r) => r.status === 302 && r.headers.Location === './',
  });

  // The server sets a cookie named after this VU; the jar keeps it for the next requests.
  const mine = `vu${__VU}`;
  const set = http.get(`${BASE_URL}/cookies/set?name=session&value=${mine}`);
  check(set, {
    'Set-Cookie is parsed': (r) => r.cookies.session !== undefined && r.cookies.session[0].value === mine &&
      r.cookies.session[0].path === '/' && r.cookies.session[0].http_only === true && r.cookies.session[0].max_age === 0,
  });
  const echoed = http.get(`${BASE_URL}/cookies/echo`);
  check(echoed, { 'the jar sends my cookie back': (r) => r.json('cookies.session') === mine });

  // The jar is scriptable: read it, add to it, and add a cookie to one request only.
  const jar = http.cookieJar();
  check(jar.cookiesForURL(`${BASE_URL}/`), { 'cookiesForURL': (c) => c.session[0] === mine });
  jar.set(BASE_URL, 'theme', 'dark');
  const both = http.get(`${BASE_URL}/cookies/echo`, { cookies: { once: 'only-here' } });
  check(both, {
    'jar.set cookie is sent': (r) => r.json('cookies.theme') === 'dark',
    'params.cookies is sent': (r) => r.json('cookies.once') === 'only-here',
  });
}
