/**
 * Remote modules: `import { randomIntBetween } from 'https://jslib.k6.io/k6-utils/1.2.0/index.js'`
 * works as in k6, which fetches such modules once, at init. Fetched once per thread here (the
 * loader hooks' thread serves every VU of its workers), then transformed like local modules.
 */

/** How long a module may take to arrive (k6's loader waits this long too). */
const FETCH_TIMEOUT_MS = 60_000;

const fetched = new Map<string, Promise<string>>();

export function isRemote(url: string): boolean {
  return url.startsWith('https://') || url.startsWith('http://');
}

/** The module's source; rejects with a message that names the URL and what went wrong. */
export function fetchModule(url: string): Promise<string> {
  let source = fetched.get(url);
  if (source === undefined) {
    source = download(url);
    fetched.set(url, source);
  }
  return source;
}

async function download(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { message?: string; code?: string } }).cause;
    const reason = cause?.message ?? cause?.code ?? (e as Error).message;
    throw new Error(`the module "${url}" couldn't be retrieved: ${reason}`);
  }
  if (!res.ok) throw new Error(`the module "${url}" couldn't be retrieved: the server answered ${res.status} ${res.statusText}`.trimEnd());
  return res.text();
}
