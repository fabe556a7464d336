// The HTTP side every stub model server shares: a loopback server that reads each request's body
// and hands it to the stub's handler (a throw answers 500 in the API's own error shape), and the
// request log tests wait on. The stubs differ only in the API they speak.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubServer<R extends { kind: string }> {
  url: string;
  requests: R[];
  /** Main-loop requests only (side requests: titles, routers; other endpoints). */
  mainRequests(): R[];
  /** Resolves once a main request satisfying pred arrives (polls the log). */
  waitFor(pred: (r: R) => boolean, timeoutMs?: number): Promise<R>;
  close(): Promise<void>;
}

export async function startStubServer<R extends { kind: string }>(
  name: string,
  requests: R[],
  handle: (req: IncomingMessage, res: ServerResponse, raw: string) => void,
  errorBody: (e: unknown) => unknown,
): Promise<StubServer<R>> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(e)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mainRequests: () => requests.filter((r) => r.kind === 'main'),
    async waitFor(pred, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = requests.find((r) => r.kind === 'main' && pred(r));
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`${name}: no matching request within ${timeoutMs} ms (${requests.length} requests seen)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
