/**
 * The behaviour table of the OctopusDeployConnection issue, row by row, with real terraform against
 * the local KMS: organization- and project-level connections, API key from a sensitive variable and
 * from the environment.
 */
import { OctopusDeployConnectionProps } from "../../lib";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { Fixture, KeySource, NAME, connectionRequests } from "./fixture";
import { describeE2E, hookLines } from "./harness";

jest.setTimeout(120_000);

const variants: { title: string; project: boolean; keySource: KeySource }[] = [
  { title: "organization-level, key from a sensitive variable", project: false, keySource: "apiKey" },
  { title: "project-level, key from the environment", project: true, keySource: "apiKeyEnv" },
  { title: "organization-level, key from the environment", project: false, keySource: "apiKeyEnv" },
  { title: "project-level, key from a sensitive variable", project: true, keySource: "apiKey" },
];

describeE2E.each(variants)("lifecycle: $title", ({ project, keySource }) => {
  let kms: LocalKms;
  let f: Fixture;
  let props: Partial<OctopusDeployConnectionProps>;
  let id: string;
  let hash: string | undefined;
  const scope = () => (project ? `project ${kms.projectId}` : "the organization");
  const live = () => kms.connections().filter((c) => c.name === NAME || c.id === id);

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    f = new Fixture(kms, keySource, kms.octopusApiKey);
    props = { description: "Octopus for production", ...(project ? { projectId: kms.projectId } : {}) };
  });
  afterAll(async () => kms?.close());

  test("first deploy creates the connection and prints one line with name, id, scope and time", async () => {
    const result = await f.deploy(props);
    expect(result.code).toBe(0);
    const created = live();
    expect(created).toHaveLength(1);
    id = created[0]!.id;
    hash = created[0]!.credentialsHash;
    expect(created[0]!.projectId ?? null).toBe(project ? kms.projectId : null);
    const lines = hookLines(result.output);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^created octopus-deploy connection "${NAME}" \\(id ${id}, ${scope()}\\) in \\d+ ms, 1 request$`));
    expect(connectionRequests(kms)).toEqual(["POST /"]);
  });

  test("deploying again with no change plans nothing, runs no hook and sends no request", async () => {
    expect((await f.plan(props)).code).toBe(0);
    const result = await f.deploy(props);
    expect(result.code).toBe(0);
    expect(hookLines(result.output)).toEqual([]);
    expect(kms.requests).toHaveLength(0);
  });

  test("a description change PATCHes the same connection, re-sending the credentials (GET + PATCH)", async () => {
    props = { ...props, description: "Octopus, production" };
    const result = await f.deploy(props);
    expect(result.code).toBe(0);
    expect(live()).toEqual([expect.objectContaining({ id, description: "Octopus, production" })]);
    // The key cannot be compared (the KMS never returns it), so every update re-sends it and the KMS re-validates it.
    expect(live()[0]!.credentialsHash).not.toBe(hash);
    hash = live()[0]!.credentialsHash;
    expect(connectionRequests(kms)).toEqual([`GET /connection-name/${NAME}${project ? `?projectId=${kms.projectId}` : ""}`, `PATCH /${id}`]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^updated octopus-deploy connection "octo-main" \[description, credentials\]/)]);
  });

  test("an instance URL change PATCHes the same connection and re-validates the credentials", async () => {
    const otherUrl = kms.octopusUrl.replace("127.0.0.1", "localhost");
    props = { ...props, instanceUrl: otherUrl };
    const result = await f.deploy(props);
    expect(result.code).toBe(0);
    const [c] = live();
    expect(c).toEqual(expect.objectContaining({ id, credentials: { instanceUrl: otherUrl } }));
    expect(c!.credentialsHash).not.toBe(hash);
    hash = c!.credentialsHash;
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/\[instanceUrl\]/)]);
  });

  test("a rotated API key shows in the plan as a fingerprint change, then PATCHes the new key", async () => {
    const oldKey = f.apiKey;
    const newKey = "API-ROTATED" + oldKey.slice(11);
    kms.addOctopusApiKey(newKey);
    f.apiKey = newKey;
    const planned = await f.plan(props);
    expect(planned.code).toBe(2);
    expect(planned.output).toMatch(/api_key_fingerprint\s+=\s+"[0-9a-f]{16}" -> "[0-9a-f]{16}"/);
    expect(planned.output).not.toContain(newKey);
    expect(planned.output).not.toContain(oldKey);
    kms.revokeOctopusApiKey(oldKey); // the PATCH can only pass validation with the new key
    const result = await f.deploy(props);
    expect(result.code).toBe(0);
    expect(live()[0]!.id).toBe(id);
    expect(live()[0]!.credentialsHash).not.toBe(hash);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^updated octopus-deploy connection "octo-main" \[credentials\]/)]);
  });

  test("a name change with renamedFrom renames in place (same id)", async () => {
    const result = await f.deploy({ ...props, name: "octo-renamed", renamedFrom: NAME });
    expect(result.code).toBe(0);
    expect(kms.connections().filter((c) => c.id === id)).toEqual([expect.objectContaining({ name: "octo-renamed" })]);
    expect(kms.connections()).toHaveLength(1);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^renamed octopus-deploy connection "octo-renamed" from "octo-main" \[name, credentials\]/)]);
    props = { ...props, name: "octo-renamed", renamedFrom: NAME };
  });

  test("destroy deletes the connection", async () => {
    const result = await f.destroy(props);
    expect(result.code).toBe(0);
    expect(kms.connections()).toHaveLength(0);
    expect(connectionRequests(kms)).toEqual([`GET /connection-name/octo-renamed${project ? `?projectId=${kms.projectId}` : ""}`, `DELETE /${id}`]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^deleted octopus-deploy connection "octo-renamed"/)]);
  });
});
