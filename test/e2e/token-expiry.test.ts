/**
 * Issue item 8: KMS access tokens that expire during a deploy. With Universal Auth the hook logs in
 * again, as often as its token expires, and the deploy finishes; an expired static KMS_TOKEN fails at
 * once with the KMS's message, its reqId and what to do, and changes nothing.
 */
import * as fs from "node:fs";
import { OctopusDeployConnection } from "../../lib";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { HOOK_ENGINE, apply, describeE2E, destroy, faultsStartingWith, hookLines, synth, terraformEnv, withFaults, workDir } from "./harness";

jest.setTimeout(300_000);

const TTL_SECONDS = 2;
const RETRY_AFTER_SECONDS = 3;
const RATE = 0.2;
const NAME = "expiry";

describeE2E("Universal Auth: access tokens that expire during the deploy", () => {
  let kms: LocalKms;
  const dir = workDir();
  let stackDir = "";

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0, tokenTtlSeconds: TTL_SECONDS });
  });
  afterAll(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const build = (description: string) => {
    stackDir = synth(dir, (stack) => {
      new OctopusDeployConnection(stack, NAME, { ...HOOK_ENGINE, name: NAME, description, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKeyEnv: "OCTOPUS_API_KEY" });
    });
  };
  const env = () => terraformEnv(dir, { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret, OCTOPUS_API_KEY: kms.octopusApiKey });

  // Requests in order (one connection: the hook's requests are sequential): login; the first request
  // gets a 429 with Retry-After 3 s, so its retry carries a token 3 s old, past its 2 s lifetime, and
  // the KMS refuses it; the hook logs in again; the retried request gets a 429 again and its new token
  // expires the same way; the hook logs in a third time and the request goes through. Then no fault
  // for 20 more requests.
  const faults = faultsStartingWith([undefined, "429", undefined, undefined, "429", undefined, ...Array<undefined>(20).fill(undefined)], {
    rate: RATE,
    kinds: ["429"],
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
  // The hook's first request after the login: a new connection is created outright (POST); a changed
  // one, and one to delete, is looked up by name first (GET).
  const FIRST = { deploy: "POST", change: "GET", destroy: "GET" } as const;

  test.each(["deploy", "change", "destroy"] as const)("the %s logs in again each time its token expires, and finishes", async (step) => {
    if (step !== "destroy") build(step === "deploy" ? "first" : "second");
    const result = await withFaults(kms, faults, () => (step === "destroy" ? destroy(stackDir, env()) : apply(stackDir, env())));
    const sequence = kms.requests.map((r) => (r.path.endsWith("/login") ? "login" : `${r.method} ${r.status}${r.authKind === "expired" ? " expired" : ""}`));
    process.stderr.write(`token expiry ${step}: ${(result.ms / 1000).toFixed(1)} s: ${sequence.join(", ")}\n`);
    expect(result.code).toBe(0);
    const first = FIRST[step];
    expect(sequence.slice(0, 8)).toEqual(["login", `${first} 429`, `${first} 403 expired`, "login", `${first} 429`, `${first} 403 expired`, "login", `${first} 200`]);
    if (step === "destroy") expect(kms.connections()).toEqual([]);
    else expect(kms.connections()).toEqual([expect.objectContaining({ name: NAME, description: step === "deploy" ? "first" : "second" })]);
  });
});

describeE2E("an expired static KMS_TOKEN", () => {
  let kms: LocalKms;
  const dir = workDir();
  let expiredToken = "";
  let stackDir = "";

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0, tokenTtlSeconds: 1 });
    // A real access token of the full-permission identity, left to expire.
    const res = await fetch(`${kms.kmsUrl}/api/v1/auth/universal-auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: kms.clientId, clientSecret: kms.clientSecret }),
    });
    expiredToken = ((await res.json()) as { accessToken: string }).accessToken;
    await new Promise((resolve) => setTimeout(resolve, 2100));
    stackDir = synth(dir, (stack) => {
      new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "expired-token", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKeyEnv: "OCTOPUS_API_KEY" });
    });
  });
  afterAll(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("fails at once with the KMS's message, its reqId and what to do; nothing is created", async () => {
    kms.clearRequests();
    const result = await apply(stackDir, terraformEnv(dir, { KMS_TOKEN: expiredToken, OCTOPUS_API_KEY: kms.octopusApiKey }));
    expect(result.code).not.toBe(0);
    const [line] = hookLines(result.output).filter((l) => l.startsWith("Error:"));
    const refused = kms.requests.filter((r) => r.authKind === "expired");
    expect(refused).toHaveLength(1); // no retry with a token that cannot work
    expect(kms.requests).toHaveLength(1); // and no login: a static token is all the hook has
    expect(line).toContain("KMS answered 403 TokenError");
    expect(line).toContain("Your token has expired. Please re-authenticate.");
    expect(line).toContain(`(reqId ${refused[0]!.reqId})`);
    expect(line).toMatch(/set a fresh KMS_TOKEN, or use KMS_CLIENT_ID and KMS_CLIENT_SECRET/);
    expect(line).not.toContain(expiredToken);
    expect(Number(/ after (\d+) ms: /.exec(line!)?.[1])).toBeLessThan(2000);
    expect(kms.connections()).toEqual([]);
    process.stderr.write(`token expiry static: ${line}\n`);
  });
});
