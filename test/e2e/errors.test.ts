/**
 * Issue item 4: errors that no retry can fix (a bad Octopus API key, 401, 403, a missing project, 422)
 * fail the deploy at once (the hook gives up in under 2 seconds, after one attempt), print the KMS's
 * own message and its reqId, and change nothing in the KMS.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { TerraformVariable } from "cdktf";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib";
import { LocalKms, RequestLogEntry, StoredConnectionView, startLocalKms } from "../../lib/testing";
import { HOOK_ENGINE, apply, describeE2E, destroy, hookLines, synth, terraformEnv, TfResult, workDir } from "./harness";

/** Whether openssl is there to make certificates (it is on Linux CI images; without it the TLS tests are skipped loudly). */
function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    process.stderr.write("openssl not found: the TLS tests are SKIPPED\n");
    return false;
  }
}

jest.setTimeout(120_000);

const EXISTING = "err-existing";
const BAD_KEY = "API-NOTAVALIDKEY0000000000000";
const WRONG_CLIENT_SECRET = "wrong-client-secret-0001";

describeE2E("non-retryable errors fail fast, name the KMS message and reqId, and change nothing", () => {
  let kms: LocalKms;
  const dirs: string[] = [];
  /** The stack that created EXISTING (for the update and delete cases). */
  let existingDir = "";
  let existingStack = "";

  /** Synthesizes one connection (key from a sensitive variable) in `dir`. */
  const stackOf = (dir: string, props: Partial<OctopusDeployConnectionProps>) =>
    synth(dir, (stack) => {
      const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).value;
      new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "err-new", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey, ...props });
    });
  const env = (dir: string, extra: NodeJS.ProcessEnv) => terraformEnv(dir, { TF_VAR_octopus_api_key: kms.octopusApiKey, ...extra });
  const newDir = () => {
    const dir = workDir();
    dirs.push(dir);
    return dir;
  };
  /** Tokens of the identities without permission, made by the cases (secrets the output must not show). */
  const identityTokens: string[] = [];
  const tokenWithoutPermission = () => {
    const { token } = kms.createIdentity({ permission: "none" });
    identityTokens.push(token);
    return token;
  };
  /** Every secret in play, none of which terraform's output may contain. */
  const secrets = () => [BAD_KEY, WRONG_CLIENT_SECRET, kms.token, kms.clientSecret, kms.octopusApiKey, ...identityTokens];

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    existingDir = newDir();
    existingStack = stackOf(existingDir, { name: EXISTING, description: "exists before every case" });
    const created = await apply(existingStack, env(existingDir, { KMS_TOKEN: kms.token }));
    if (created.code !== 0) throw new Error(created.output);
  });
  afterAll(async () => {
    await kms?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  interface Case {
    readonly title: string;
    /** Runs terraform; returns its result. */
    readonly run: () => Promise<TfResult>;
    /** The failing request: method, path suffix and status. */
    readonly failing: { readonly method: string; readonly path: RegExp; readonly status: number };
    /** The KMS's message, as the hook must print it. */
    readonly message: () => string | RegExp;
  }

  const cases: Case[] = [
    {
      title: "create with an Octopus API key that Octopus refuses (400)",
      run: () => {
        const dir = newDir();
        return apply(stackOf(dir, {}), env(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: BAD_KEY }));
      },
      failing: { method: "POST", path: /\/octopus-deploy$/, status: 400 },
      message: () => "Failed to validate Octopus Deploy credentials: Request failed with status code 401",
    },
    {
      title: "rotation to an Octopus API key that Octopus refuses (400): the stored credentials stay",
      run: () => apply(existingStack, env(existingDir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: BAD_KEY })),
      failing: { method: "PATCH", path: /\/octopus-deploy\/[0-9a-f-]{36}$/, status: 400 },
      message: () => "Failed to validate Octopus Deploy credentials: Request failed with status code 401",
    },
    {
      title: "Universal Auth with a wrong client secret (401)",
      run: () => {
        const dir = newDir();
        return apply(stackOf(dir, {}), env(dir, { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: WRONG_CLIENT_SECRET }));
      },
      failing: { method: "POST", path: /\/universal-auth\/login$/, status: 401 },
      message: () => "Invalid credentials",
    },
    {
      title: "an identity without permission creates (403)",
      run: () => {
        const dir = newDir();
        return apply(stackOf(dir, {}), env(dir, { KMS_TOKEN: tokenWithoutPermission() }));
      },
      failing: { method: "POST", path: /\/octopus-deploy$/, status: 403 },
      message: () => "You are not allowed to create on app-connections",
    },
    {
      title: "an identity without permission destroys (403): the connection stays",
      run: () => destroy(existingStack, env(existingDir, { KMS_TOKEN: tokenWithoutPermission() })),
      failing: { method: "GET", path: /\/connection-name\/err-existing$/, status: 403 },
      message: () => "You are not allowed to read on app-connections",
    },
    {
      title: "a project that does not exist (400)",
      run: () => {
        const dir = newDir();
        return apply(stackOf(dir, { projectId: randomUUID() }), env(dir, { KMS_TOKEN: kms.token }));
      },
      failing: { method: "POST", path: /\/octopus-deploy$/, status: 400 },
      message: () => /Could not find project with ID [0-9a-f-]{36}/,
    },
    {
      title: "a request the KMS rejects as invalid (422: KMS_ORGANIZATION_SLUG longer than 64 characters)",
      run: () => {
        const dir = newDir();
        return apply(stackOf(dir, {}), env(dir, { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret, KMS_ORGANIZATION_SLUG: "o".repeat(65) }));
      },
      failing: { method: "POST", path: /\/universal-auth\/login$/, status: 422 },
      message: () => /organizationSlug: .+/,
    },
  ];

  test.each(cases)("$title", async ({ run, failing, message }) => {
    const before: readonly StoredConnectionView[] = kms.connections();
    kms.clearRequests();
    const result = await run();
    const requests = kms.requests;
    expect(result.code).not.toBe(0);

    // One attempt of the failing request, and no write that succeeded.
    const failed = requests.filter((r) => r.method === failing.method && failing.path.test(r.path));
    expect(failed.map((r) => r.status)).toEqual([failing.status]);
    expect(requests.filter((r: RequestLogEntry) => r.method !== "GET" && typeof r.status === "number" && r.status < 300 && !r.path.endsWith("/login"))).toEqual([]);
    expect(kms.connections()).toEqual(before);

    // The hook's error line: the KMS message and the reqId of the failed request, within 2 seconds.
    const errors = hookLines(result.output).filter((l) => l.startsWith("Error:"));
    expect(errors).toHaveLength(1);
    const line = errors[0]!;
    expect(line).toMatch(message());
    expect(line).toContain(`(reqId ${failed[0]!.reqId})`);
    expect(line).toContain(`answered ${failing.status}`);
    const ms = Number(/ after (\d+) ms: /.exec(line)?.[1]);
    expect(ms).toBeLessThan(2000);
    // Terraform's own error summary repeats it (word-wrapped).
    expect(result.output.replace(/\s+/g, " ")).toContain(`(reqId ${failed[0]!.reqId})`);
    for (const secret of secrets()) expect(result.output).not.toContain(secret);
    process.stderr.write(`errors: ${failing.status} ${failing.method}: hook failed after ${ms} ms, terraform exited ${result.code} after ${result.ms} ms\n  ${line}\n`);
  });

  test("afterwards the existing connection is intact and deploys and destroys normally", async () => {
    const destroyed = await destroy(existingStack, env(existingDir, { KMS_TOKEN: kms.token }));
    expect(destroyed.code).toBe(0);
    expect(kms.connections()).toEqual([]);
  });
});

/**
 * TLS (issue, "TLS"): the hook verifies the KMS's certificate. A KMS behind a private CA is refused
 * (at once, not retried, nothing sent) unless NODE_EXTRA_CA_CERTS names the CA, and then works;
 * NODE_TLS_REJECT_UNAUTHORIZED=0, Node's switch that turns verification off, is refused, not obeyed.
 * The certificates are made offline with openssl; an https proxy in front of the local KMS serves them.
 */
(opensslAvailable() ? describeE2E : describe.skip)("TLS: a KMS with a certificate from a private CA", () => {
  let kms: LocalKms;
  let proxy: https.Server;
  let kmsUrl = "";
  const dir = workDir("kms-octopus-tls-");
  const ca = path.join(dir, "ca.pem");

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cdktf-kms-octopus test CA");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "kms.key", "-out", "kms.csr", "-subj", "/CN=127.0.0.1");
    fs.writeFileSync(path.join(dir, "kms.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
    openssl("x509", "-req", "-in", "kms.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "kms.pem", "-days", "2", "-extfile", "kms.ext");
    const target = new URL(kms.kmsUrl);
    proxy = https.createServer({ key: fs.readFileSync(path.join(dir, "kms.key")), cert: fs.readFileSync(path.join(dir, "kms.pem")) }, (req, res) => {
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    kmsUrl = `https://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const deploy = (name: string, tls: NodeJS.ProcessEnv) => {
    const stackDir = synth(path.join(dir, name), (stack) => {
      new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name, instanceUrl: kms.octopusUrl, kmsUrl, apiKeyEnv: "OCTOPUS_API_KEY" });
    });
    fs.writeFileSync(path.join(dir, name, "terraform.tfrc"), "disable_checkpoint = true\n");
    const env = terraformEnv(path.join(dir, name), { KMS_TOKEN: kms.token, OCTOPUS_API_KEY: kms.octopusApiKey, ...tls });
    delete env.NODE_EXTRA_CA_CERTS; // this machine may set one for its own CAs
    if (tls.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = tls.NODE_EXTRA_CA_CERTS;
    kms.clearRequests();
    return apply(stackDir, env);
  };
  const newDir = (name: string) => fs.mkdirSync(path.join(dir, name), { recursive: true });

  test("without NODE_EXTRA_CA_CERTS the hook refuses the certificate: fails at once, nothing reaches the KMS", async () => {
    newDir("tls-untrusted");
    const result = await deploy("tls-untrusted", {});
    expect(result.code).not.toBe(0);
    const [line] = hookLines(result.output).filter((l) => l.startsWith("Error:"));
    expect(line).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|unable to verify/);
    expect(line).toMatch(/failed after 1 attempt\(s\)/);
    expect(line).toContain("NODE_EXTRA_CA_CERTS");
    expect(Number(/ after (\d+) ms: /.exec(line!)?.[1])).toBeLessThan(2000);
    expect(kms.requests).toEqual([]);
    expect(kms.connections()).toEqual([]);
    for (const secret of [kms.token, kms.clientSecret, kms.octopusApiKey]) expect(result.output).not.toContain(secret);
    process.stderr.write(`tls untrusted: ${line}\n`);
  });

  test("with NODE_EXTRA_CA_CERTS naming the CA the deploy works", async () => {
    newDir("tls-trusted");
    const result = await deploy("tls-trusted", { NODE_EXTRA_CA_CERTS: ca });
    expect(result.code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ name: "tls-trusted" })]);
  });

  test("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn verification off: the hook refuses to run, nothing is sent", async () => {
    newDir("tls-off");
    const result = await deploy("tls-off", { NODE_TLS_REJECT_UNAUTHORIZED: "0" });
    expect(result.code).not.toBe(0);
    const [line] = hookLines(result.output).filter((l) => l.startsWith("Error:"));
    expect(line).toContain("NODE_TLS_REJECT_UNAUTHORIZED");
    expect(kms.requests).toEqual([]);
    expect(kms.connections().map((c) => c.name)).toEqual(["tls-trusted"]);
  });
});
