// k6/encoding: base64 in k6's four variants (std, rawstd without padding, url, rawurl),
// decoding to an ArrayBuffer or (with 's') to a string, and a token sent through a server.
// No options: the run shape comes from the command line, e.g. --vus 1 --iterations 3.
//
//   volley run examples/encoding.js -e BASE_URL=http://127.0.0.1:8080 --iterations 3
import http from 'k6/http';
import { check } from 'k6';
import encoding, { b64decode, b64encode } from 'k6/encoding';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export default function () {
  // '<<???>>' encodes to characters that differ between the standard and URL alphabets.
  const text = '<<???>>';
  check(text, {
    'std': (t) => b64encode(t) === 'PDw/Pz8+Pg==',
    'rawstd': (t) => b64encode(t, 'rawstd') === 'PDw/Pz8+Pg',
    'url': (t) => b64encode(t, 'url') === 'PDw_Pz8-Pg==',
    'rawurl': (t) => b64encode(t, 'rawurl') === 'PDw_Pz8-Pg',
    'default export works too': (t) => encoding.b64encode(t) === b64encode(t),
  });

  // Decoding gives an ArrayBuffer, or a string with the 's' format.
  check(null, {
    'decode to string': () => b64decode('aGVsbG8sIHdvcmxk', 'std', 's') === 'hello, world',
    'decode to bytes': () => new Uint8Array(b64decode('AAEC/f7/')).join(',') === '0,1,2,253,254,255',
    'url round trip': () => b64decode(b64encode(text, 'rawurl'), 'rawurl', 's') === text,
  });

  // Bytes in, base64 out: an ArrayBuffer from a binary response.
  const bytes = http.get(`${BASE_URL}/bytes`, { responseType: 'binary' });
  check(bytes, { 'binary body encodes': (r) => b64encode(r.body) === 'AAEC/f7/' });

  // A JSON token, base64url-encoded as in a JWT, read back by the server and echoed.
  const token = b64encode(JSON.stringify({ sub: `vu-${__VU}`, iter: __ITER }), 'rawurl');
  const res = http.post(`${BASE_URL}/echo`, token);
  check(res, {
    'token round trip': (r) => JSON.parse(b64decode(r.json('body'), 'rawurl', 's')).iter === __ITER,
  });
}
