/** Credential checks against Octopus, the fake Octopus itself, credentialsHash and API-key secrecy (kms-api.md §3, §4). */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { checkOctopusCredentials } from "../../lib/testing/octopus-credentials";
import { CONNECTIONS, call, createBody, createConnection, errorBody } from "./helpers";

const FAILED = "Failed to validate Octopus Deploy credentials";

let kms: LocalKms;

beforeEach(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
});
afterEach(() => kms.close());

/** A throwaway HTTP server on 127.0.0.1 that answers every request with `answer`. */
async function stubServer(answer: (headers: IncomingHttpHeaders, url: string) => { status: number; headers?: Record<string, string> } | "hang"): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const reply = answer(req.headers, req.url ?? "");
    if (reply === "hang") return;
    res.writeHead(reply.status, reply.headers).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("the fake Octopus", () => {
  it("answers /api/users/me for a valid key, by header or apikey query, and 401 otherwise", async () => {
    const byHeader = await fetch(`${kms.octopusUrl}/api/users/me`, { headers: { "X-Octopus-ApiKey": kms.octopusApiKey } });
    expect(byHeader.status).toBe(200);
    expect(await byHeader.json()).toEqual({ Id: "Users-1", Username: "kms-local", DisplayName: "Local KMS service account", IsService: true });

    expect((await fetch(`${kms.octopusUrl}/api/users/me?apikey=${kms.octopusApiKey}`)).status).toBe(200);
    expect((await fetch(`${kms.octopusUrl}/api/users/me`, { headers: { "X-Octopus-ApiKey": "API-WRONG" } })).status).toBe(401);
    expect((await fetch(`${kms.octopusUrl}/api/users/me`)).status).toBe(401);
    expect((await fetch(`${kms.octopusUrl}/api/other`)).status).toBe(404);
  });

  it("has a key in Octopus format and accepts added keys until they are revoked", async () => {
    expect(kms.octopusApiKey).toMatch(/^API-[A-Z0-9]{26}$/);
    kms.addOctopusApiKey("API-ADDED");
    const me = () => fetch(`${kms.octopusUrl}/api/users/me`, { headers: { "X-Octopus-ApiKey": "API-ADDED" } });
    expect((await me()).status).toBe(200);
    kms.revokeOctopusApiKey("API-ADDED");
    expect((await me()).status).toBe(401);
  });
});

describe("credential check on create", () => {
  it("refuses a revoked key with upstream's 400 and stores nothing", async () => {
    kms.revokeOctopusApiKey(kms.octopusApiKey);
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms) });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(errorBody(400, "BadRequest", `${FAILED}: Request failed with status code 401`));
    expect(kms.connections()).toEqual([]);
  });

  it("checks credentials before the name: a duplicate with a bad key reads as a credential failure", async () => {
    await createConnection(kms, { name: "dup" });
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { name: "dup", credentials: { instanceUrl: kms.octopusUrl, apiKey: "wrong" } }) });
    expect(result.body.message).toBe(`${FAILED}: Request failed with status code 401`);
  });

  it("sends GET /api/users/me with the Octopus headers, removing one trailing slash", async () => {
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const stub = await stubServer((headers, url) => {
      seen.push({ url, headers });
      return { status: 200 };
    });
    try {
      await createConnection(kms, { credentials: { instanceUrl: `${stub.url}/`, apiKey: "key-1" } });
      await createConnection(kms, { name: "sub", credentials: { instanceUrl: `${stub.url}/octopus`, apiKey: "key-2" } });
    } finally {
      await stop(stub.server);
    }
    expect(seen.map((s) => s.url)).toEqual(["/api/users/me", "/octopus/api/users/me"]);
    expect(seen[0]?.headers).toMatchObject({ "x-octopus-apikey": "key-1", "x-nuget-apikey": "key-1", accept: "application/json" });
  });

  it("does not follow redirects: a 3xx is a failure", async () => {
    const stub = await stubServer(() => ({ status: 302, headers: { location: kms.octopusUrl } }));
    try {
      const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { credentials: { instanceUrl: stub.url, apiKey: kms.octopusApiKey } }) });
      expect(result.body).toEqual(errorBody(400, "BadRequest", `${FAILED}: Request failed with status code 302`));
    } finally {
      await stop(stub.server);
    }
  });

  it("reports a network error with Node's message", async () => {
    const stub = await stubServer(() => ({ status: 200 }));
    await stop(stub.server);
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { credentials: { instanceUrl: stub.url, apiKey: "k" } }) });
    expect(result.status).toBe(400);
    expect(result.body.message).toBe(`${FAILED}: connect ECONNREFUSED ${stub.url.replace("http://", "")}`);
  });

  it("refuses URLs with user:pass@ as the SSRF guard does", async () => {
    const instanceUrl = kms.octopusUrl.replace("http://", "http://user:pass@");
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { credentials: { instanceUrl, apiKey: kms.octopusApiKey } }) });
    expect(result.body).toEqual(errorBody(400, "BadRequest", `${FAILED} - verify API key is correct`));
  });

  it("times out with axios's wording", async () => {
    const stub = await stubServer(() => "hang");
    try {
      await expect(checkOctopusCredentials({ instanceUrl: stub.url, apiKey: "k" }, 100)).rejects.toMatchObject({
        statusCode: 400,
        payload: `${FAILED}: timeout of 100ms exceeded`,
      });
    } finally {
      await stop(stub.server);
    }
  });
});

describe("credential check on PATCH, and credentialsHash", () => {
  it("keeps the hash on name/description updates and changes it on every credential update", async () => {
    const created = await createConnection(kms);
    const path = `${CONNECTIONS}/${created.id}`;

    const renamed = (await call(kms, "PATCH", path, { body: { name: "renamed", description: "d" } })).body.appConnection;
    expect(renamed.credentialsHash).toBe(created.credentialsHash);

    const sameCredentials = { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey };
    const rekeyed = (await call(kms, "PATCH", path, { body: { credentials: sameCredentials } })).body.appConnection;
    expect(rekeyed.credentialsHash).not.toBe(created.credentialsHash);
    expect(rekeyed.version).toBe(3);
    expect(kms.connections()[0]?.credentialsHash).toBe(rekeyed.credentialsHash);
  });

  it("refuses new credentials Octopus rejects, leaving the connection unchanged", async () => {
    const created = await createConnection(kms);
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${created.id}`, {
      body: { name: "changed", credentials: { instanceUrl: kms.octopusUrl, apiKey: "API-REVOKED" } },
    });
    expect(result.body).toEqual(errorBody(400, "BadRequest", `${FAILED}: Request failed with status code 401`));
    expect(kms.connections()).toEqual([created]);
  });
});

it("never returns or logs the API key", async () => {
  const secret = "API-NEVERSHOWNNEVERSHOWN12345";
  kms.addOctopusApiKey(secret);
  const credentials = { instanceUrl: kms.octopusUrl, apiKey: secret };
  const texts: string[] = [];
  const created = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { credentials }) });
  const id = created.body.appConnection.id;
  texts.push(created.text);
  texts.push((await call(kms, "GET", CONNECTIONS)).text);
  texts.push((await call(kms, "GET", `${CONNECTIONS}/${id}`)).text);
  texts.push((await call(kms, "GET", `${CONNECTIONS}/connection-name/octo`)).text);
  texts.push((await call(kms, "GET", `${CONNECTIONS}/available`)).text);
  texts.push((await call(kms, "PATCH", `${CONNECTIONS}/${id}`, { body: { credentials } })).text);
  texts.push((await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { credentials }) })).text); // duplicate name
  texts.push((await call(kms, "DELETE", `${CONNECTIONS}/${id}`)).text);

  for (const text of texts) expect(text).not.toContain(secret);
  expect(JSON.stringify(kms.requests)).not.toContain(secret);
  expect(JSON.stringify(kms.connections())).not.toContain(secret);
});
