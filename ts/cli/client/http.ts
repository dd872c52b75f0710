/**
 * The HTTP side of k6's API client (spec §7, api/v1/client): the base URL is `"http://" +
 * address`, requests carry no Content-Type, Accept or token and have no timeout, a status of
 * 400 or more turns the body's first JSON:API error into `<title>: <detail>`, and transport
 * failures read like Go's (`Get "http://127.0.0.1:6599/v1/status": dial tcp 127.0.0.1:6599:
 * connect: connection refused`).
 */
import { request } from 'node:http';
import { parseGoJson, type Json } from './goJson';

export const DEFAULT_CLIENT_ADDRESS = 'localhost:6565';

/** A failure to report as is: its message is the whole log line's `msg`. */
export class ClientError extends Error {}

interface Target {
  /** The URL as Go prints it in errors. */
  url: string;
  host: string;
  port: number;
  bracketed: boolean;
}

/**
 * `url.Parse("http://" + address)` then the path replaced, as Go resolves `/v1/...` against it.
 * So `--address http://h:p` does not work here either: its host is `http`.
 */
function target(address: string, path: string): Target {
  const authority = address.split(/[/?#]/)[0];
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  let host = hostPort;
  let portText = '';
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) throw new ClientError(`parse "http://${address}": missing ']' in host`);
    host = hostPort.slice(1, end);
    portText = hostPort.slice(end + 1);
  } else if (hostPort.includes(':')) {
    host = hostPort.slice(0, hostPort.lastIndexOf(':'));
    portText = hostPort.slice(hostPort.lastIndexOf(':'));
  }
  if (!/^(:\d*)?$/.test(portText)) throw new ClientError(`parse "http://${address}": invalid port "${portText}" after host`);
  const port = portText.length > 1 ? Number(portText.slice(1)) : 80;
  return { url: `http://${authority}${path}`, host, port, bracketed: hostPort.startsWith('[') };
}

/** Go's dial and read errors for what Node reports. */
function transportDetail(err: NodeJS.ErrnoException & { errors?: unknown[] }, t: Target): string {
  // Several addresses tried (localhost -> ::1 and 127.0.0.1): Go reports the first one's error.
  const first = (err.errors?.[0] ?? err) as NodeJS.ErrnoException & { address?: string; port?: number };
  const where = first.address ? `${first.address.includes(':') ? `[${first.address}]` : first.address}:${first.port ?? t.port}` : `${t.host}:${t.port}`;
  switch (first.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${where}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
      return `dial tcp: lookup ${t.host}: no such host`;
    case 'ETIMEDOUT':
      return `dial tcp ${where}: connect: connection timed out`;
    case 'EHOSTUNREACH':
      return `dial tcp ${where}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${where}: connect: network is unreachable`;
    case 'EADDRNOTAVAIL':
      return `dial tcp ${where}: connect: cannot assign requested address`;
    case 'ECONNRESET':
      // Node's "socket hang up": the server closed the connection without answering.
      return first.message === 'socket hang up' ? 'EOF' : 'read: connection reset by peer';
    default:
      return first.message;
  }
}

/** The first JSON:API error of a >= 400 answer, as `<title>: <detail>`. */
function apiError(statusCode: number, statusMessage: string, body: string): ClientError {
  const doc = parseGoJson(body);
  const errors = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc.errors : undefined;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (first === undefined || first === null || typeof first !== 'object' || Array.isArray(first)) {
    // k6's client indexes errors[0] blindly and panics here; say what came back instead.
    return new ClientError(`the REST API answered ${statusCode} ${statusMessage} without a JSON:API error`);
  }
  const text = (v: Json | undefined) => (typeof v === 'string' ? v : '');
  return new ClientError(`${text(first.title)}: ${text(first.detail)}`);
}

/** One API call; resolves with the decoded JSON body of a successful answer. */
export async function callApi(address: string, method: 'GET' | 'PATCH', path: string, body?: string): Promise<Json> {
  const t = target(address, path);
  // Go's url.Error names the method with only its first letter in capitals: `Get`, `Patch`.
  const op = method[0] + method.slice(1).toLowerCase();
  const fail = (detail: string) => new ClientError(`${op} "${t.url}": ${detail}`);
  if (t.host === '') throw fail('http: no Host in request URL');
  if (t.host.includes(':') && !t.bracketed) throw fail(`dial tcp: address ${t.host}:${t.port}: too many colons in address`);
  if (t.port > 65535) throw fail(`dial tcp: address ${t.port}: invalid port`);

  return new Promise<Json>((resolve, reject) => {
    const req = request(
      {
        host: t.host,
        port: t.port,
        method,
        path,
        // One connection per command, closed afterwards, so that the process can exit at once.
        agent: false,
        headers: body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => reject(fail(transportDetail(e, t))));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            const status = res.statusCode ?? 0;
            if (status >= 400) reject(apiError(status, res.statusMessage ?? '', text));
            else resolve(parseGoJson(text));
          } catch (e) {
            reject(e instanceof ClientError ? e : new ClientError((e as Error).message));
          }
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => reject(fail(transportDetail(e, t))));
    req.end(body);
  });
}
