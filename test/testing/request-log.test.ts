/** The request log: one entry per request, in memory and as JSONL, with no secret in it. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { CONNECTIONS, call, createBody, delay } from "./helpers";

let dir: string;
let logPath: string;
let kms: LocalKms;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "local-kms-log-"));
  logPath = join(dir, "requests.jsonl");
  kms = await startLocalKms({ requestLogPath: logPath });
});
afterEach(async () => {
  await kms.close();
  rmSync(dir, { recursive: true, force: true });
});

it("records each request with its outcome, redacting secrets from bodies", async () => {
  const created = await call(kms, "POST", CONNECTIONS, { body: createBody(kms) });
  const login = await call(kms, "POST", "/api/v1/auth/universal-auth/login", {
    token: null,
    body: { clientId: kms.clientId, clientSecret: kms.clientSecret },
  });
  await call(kms, "GET", `${CONNECTIONS}?projectId=${kms.projectId}`, { token: login.body.accessToken });
  await call(kms, "GET", CONNECTIONS, { token: "garbage" });

  expect(kms.requests).toEqual([
    {
      time: expect.any(String),
      method: "POST",
      path: CONNECTIONS,
      query: {},
      status: 200,
      reqId: created.headers.get("x-request-id"),
      durationMs: expect.any(Number),
      authKind: "static",
      body: { name: "octo", method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: "[redacted]" } },
    },
    expect.objectContaining({ authKind: "none", status: 200, body: { clientId: kms.clientId, clientSecret: "[redacted]" } }),
    expect.objectContaining({ method: "GET", authKind: "identity", query: { projectId: kms.projectId }, status: 200 }),
    expect.objectContaining({ authKind: "invalid", status: 403 }),
  ]);
  expect(kms.requests[0]).not.toHaveProperty("fault");
  expect(kms.requests[2]).not.toHaveProperty("body");

  const logged = JSON.stringify(kms.requests);
  for (const secret of [kms.octopusApiKey, kms.clientSecret, kms.token, login.body.accessToken]) expect(logged).not.toContain(secret);
});

it("appends the same entries to the JSONL file, which keeps them after clearRequests", async () => {
  await call(kms, "POST", CONNECTIONS, { body: createBody(kms) });
  await call(kms, "GET", "/healthcheck", { token: null });
  const entries = kms.requests;
  kms.clearRequests();
  expect(kms.requests).toEqual([]);

  const text = readFileSync(logPath, "utf8");
  expect(text.trim().split("\n").map((line) => JSON.parse(line))).toEqual(entries);
  expect(text).not.toContain(kms.octopusApiKey);
  expect(text).not.toContain(kms.token);
});

it("keeps repeated query keys as arrays (and upstream's schema then refuses them)", async () => {
  const result = await call(kms, "GET", `${CONNECTIONS}?projectId=a&projectId=b`);
  expect(result.status).toBe(422);
  expect(kms.requests[0]?.query).toEqual({ projectId: ["a", "b"] });
});

it("logs a client that leaves mid-body as reset, and keeps serving", async () => {
  const { hostname, port } = new URL(kms.kmsUrl);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`POST ${CONNECTIONS} HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`);
  await delay(50);
  socket.destroy();
  for (let i = 0; i < 50 && kms.requests.length === 0; i++) await delay(10);

  expect(kms.requests).toEqual([expect.objectContaining({ method: "POST", status: "reset", authKind: "none" })]);
  expect((await call(kms, "GET", "/healthcheck", { token: null })).status).toBe(200);
});
