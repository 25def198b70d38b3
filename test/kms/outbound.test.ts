/** The default transport (global fetch) against a local HTTP server. */
import * as http from "node:http";
import { httpTransport } from "../../lib/kms/outbound";
import { isRetryableNetworkError } from "../../lib/kms/retry";

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let seen: Seen[];
let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

test("sends method, headers and body; returns status, lower-case headers and the body text", async () => {
  handler = (_req, res) => {
    res.writeHead(201, { "Content-Type": "application/json", "X-Request-Id": "abc", "Retry-After": "3" });
    res.end('{"ok":true}');
  };
  const res = await httpTransport({
    method: "PATCH",
    url: `${base}/api/v1/x?projectId=p`,
    headers: { authorization: "Bearer t", "content-type": "application/json" },
    body: '{"name":"n"}',
    timeoutMs: 5_000,
  });
  expect(res.status).toBe(201);
  expect(res.body).toBe('{"ok":true}');
  expect(res.headers["x-request-id"]).toBe("abc");
  expect(res.headers["retry-after"]).toBe("3");
  expect(seen).toHaveLength(1);
  expect(seen[0]).toEqual(expect.objectContaining({ method: "PATCH", url: "/api/v1/x?projectId=p", body: '{"name":"n"}' }));
  expect(seen[0].headers.authorization).toBe("Bearer t");
});

test("error statuses resolve (the client decides what they mean)", async () => {
  handler = (_req, res) => {
    res.writeHead(503);
    res.end("down");
  };
  await expect(httpTransport({ method: "GET", url: `${base}/`, headers: {}, timeoutMs: 5_000 })).resolves.toEqual(expect.objectContaining({ status: 503, body: "down" }));
});

test("redirects are not followed (the bearer token never goes to another host)", async () => {
  handler = (req, res) => {
    if (req.url === "/start") {
      res.writeHead(302, { Location: "http://evil.example.invalid/steal" });
      res.end();
    } else {
      res.writeHead(200);
      res.end("followed");
    }
  };
  const res = await httpTransport({ method: "GET", url: `${base}/start`, headers: { authorization: "Bearer secret" }, timeoutMs: 5_000 });
  expect(res.status).toBe(302);
  expect(seen).toHaveLength(1);
});

test("an answer slower than timeoutMs rejects with a TimeoutError", async () => {
  handler = (_req, res) => {
    setTimeout(() => {
      res.writeHead(200);
      res.end("late");
    }, 1_000);
  };
  const started = Date.now();
  const err = await httpTransport({ method: "GET", url: `${base}/slow`, headers: {}, timeoutMs: 100 }).catch((e: unknown) => e);
  expect((err as { name?: string }).name).toBe("TimeoutError");
  expect(Date.now() - started).toBeLessThan(900);
});

test("connection refused rejects with the code, which the retry policy classifies as transient", async () => {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const err = (await httpTransport({ method: "GET", url: `http://127.0.0.1:${port}/`, headers: {}, timeoutMs: 2_000 }).catch((e: unknown) => e)) as { code?: string };
  expect(err.code).toBe("ECONNREFUSED");
  expect(isRetryableNetworkError(err)).toBe(true);
});
