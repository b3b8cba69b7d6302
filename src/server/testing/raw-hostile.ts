// Hostile raw HTTP/1.1 requests for a federation server (bad request lines, percent-encoding,
// oversized and control-character headers, lying bodies, credentials in every case), and a
// raw-socket client that reports the status or how the connection ended.
import { connect } from 'node:net';
import type { Rng } from '../../core/rng';

export type RawOutcome = number | 'closed' | 'timeout';

export function rawRequest(port: number, bytes: string | Buffer, waitMs = 1500): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    let done = false;
    const finish = (v: RawOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(t1);
      clearTimeout(t2);
      s.destroy();
      resolve(v);
    };
    const t1 = setTimeout(() => s.end(), waitMs);
    const t2 = setTimeout(() => finish('timeout'), 2 * waitMs);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      if (m) finish(Number(m[1]));
    });
    s.on('error', () => finish('closed'));
    s.on('close', () => finish('closed'));
    s.write(bytes);
  });
}

const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
const bytes = (rng: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => rng.int(256)));

export function hostileServerRequest(rng: Rng, credential: string): Buffer | string {
  const targets = ['//', '///v1/task', 'http://[', 'http://127.0.0.1/v1/task', '*', '/v1/%E0%A4%A', '/%', '/v1/rounds/%zz/update', '/v1/models/%00', '/v1/../v1/task', '/v1/task?waitMs=%E0', '/v1/task?waitMs=1&waitMs=2', '/v1/models/' + 'a'.repeat(300 + rng.int(5000)), '/v1/task?' + 'x='.repeat(rng.int(3000))];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'G\u0000T', 'X'.repeat(40)];
  const auths = [`Bearer ${credential}`, `bearer ${credential}`, 'Bearer', 'Bearer %E0', 'Basic Zm9vOmJhcg==', `Bearer ${'x'.repeat(5000)}`, ''];
  switch (rng.int(8)) {
    case 0:
      return bytes(rng, 1 + rng.int(300));
    case 1:
      return `${pick(rng, methods)} ${pick(rng, targets)} HTTP/1.1\r\nHost: x\r\nAuthorization: ${pick(rng, auths)}\r\n\r\n`;
    case 2:
      return pick(rng, ['GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', ' / HTTP/1.1\r\n\r\n', 'GET /v1/task HTTP/1.1\n\n', 'GET /healthz\r\nHost: x\r\n\r\n', '\r\n\r\n']);
    case 3:
      return `GET /v1/task HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(9000 + rng.int(80000))}\r\n\r\n`;
    case 4:
      return `POST ${pick(rng, ['/v1/enrol', '/v1/rounds/1/update', '/v1/cycles/0/gamma'])} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${credential}\r\n${pick(rng, ['Content-Length: 99999\r\n', 'Content-Length: -1\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 1\r\nContent-Length: 2\r\n', 'Content-Type: application/json\r\nContent-Length: 3\r\n'])}\r\n${bytes(rng, rng.int(64)).toString('latin1')}`;
    case 5:
      return `GET /v1/task HTTP/1.1\r\nHost: x\r\nX\u0000Y: 1\r\nZ: \u0001\u0002\r\n\r\n`;
    case 6:
      return `POST /v1/cycles/0/gamma HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${credential}\r\nContent-Type: ${pick(rng, ['application/json', 'text/plain', 'application/json; charset=utf-16', '', 'a/b; x'])}\r\nContent-Length: 15\r\n\r\n{"gamma":0.25}`;
    default:
      return `GET /${bytes(rng, 1 + rng.int(40)).toString('latin1').replace(/[\r\n ]/g, '%')} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${credential}\r\n\r\n`;
  }
}
