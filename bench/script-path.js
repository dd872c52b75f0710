import http from 'k6/http';
import { check } from 'k6';

export default function () {
  const r = http.get(__ENV.URL);
  check(r, { 'status is 200': (x) => x.status === 200 });
}
