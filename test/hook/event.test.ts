/**
 * The hook's view of the declaration: parsing KMS_OCTOPUS_EVENT (terraform_data's JSON and the
 * null_resource string map, whose destroy-hook event also carries the connection's `born`
 * timestamp), the event version (2 since the apply/delete contract), naming every bad field, and the
 * operation argument (apply, delete; the retired create, update and credentials are refused).
 */
import { HOOK_ENV, parseEvent, parseOperation } from "../../lib/hook/event";
import { EVENT_VERSION, OPERATIONS } from "../../lib/hook/protocol";
import { eventRecord } from "./event-fixture";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";

/** The connection resource's input, as Terraform's jsonencode writes it for terraform_data. */
const event = eventRecord;

function parseError(json: string | undefined): string {
  try {
    parseEvent(json);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected parseEvent to throw");
}

describe("event version", () => {
  test("is 2", () => {
    expect(EVENT_VERSION).toBe(2);
  });
});

describe("parseEvent", () => {
  test("maps a terraform_data event to a declaration", () => {
    expect(parseEvent(JSON.stringify(event()))).toEqual({
      path: "test/octopus",
      address: "terraform_data.octopus_connection_A13CABB9",
      kmsUrl: "https://app.kms.hanzo.ai",
      projectId: undefined,
      name: "my-conn",
      description: null,
      instanceUrl: "https://your-instance.octopus.app",
      apiKeyEnv: undefined,
      adoptExisting: false,
      renamedFrom: undefined,
      removalPolicy: "destroy",
    });
  });

  test("all optional fields set", () => {
    const d = parseEvent(
      JSON.stringify(event({ project_id: UUID, description: "d\nwith ${x}", api_key_env: "OCTO_KEY", adopt_existing: true, renamed_from: "old-conn", removal_policy: "retain", kms_url: "http://127.0.0.1:8080" })),
    );
    expect(d).toEqual(
      expect.objectContaining({ projectId: UUID, description: "d\nwith ${x}", apiKeyEnv: "OCTO_KEY", adoptExisting: true, renamedFrom: "old-conn", removalPolicy: "retain", kmsUrl: "http://127.0.0.1:8080" }),
    );
  });

  test("the null_resource engine's string map gives the same declaration", () => {
    const strings = {
      v: "2",
      marker: "cdktf-kms-octopus",
      path: "test/octopus",
      address: "null_resource.octopus_connection_A13CABB9",
      kms_url: "https://app.kms.hanzo.ai",
      project_id: UUID,
      name: "my-conn",
      description: "",
      instance_url: "https://your-instance.octopus.app",
      api_key_env: "",
      adopt_existing: "true",
      renamed_from: "",
      removal_policy: "retain",
    };
    expect(parseEvent(JSON.stringify(strings))).toEqual({
      path: "test/octopus",
      address: "null_resource.octopus_connection_A13CABB9",
      kmsUrl: "https://app.kms.hanzo.ai",
      projectId: UUID,
      name: "my-conn",
      description: null,
      instanceUrl: "https://your-instance.octopus.app",
      apiKeyEnv: undefined,
      adoptExisting: true,
      renamedFrom: undefined,
      removalPolicy: "retain",
    });
    expect(parseEvent(JSON.stringify({ ...strings, adopt_existing: "false" })).adoptExisting).toBe(false);
  });

  test("the null_resource destroy event (self.triggers) carries `born`: ignored, same declaration", () => {
    const strings = Object.fromEntries(Object.entries(event()).map(([k, v]) => [k, v === null ? "" : String(v)]));
    expect(strings.v).toBe("2");
    expect(parseEvent(JSON.stringify({ ...strings, born: "2026-11-26T17:57:20Z" }))).toEqual(parseEvent(JSON.stringify(event())));
  });

  test("missing event names the variable", () => {
    expect(parseError(undefined)).toContain(HOOK_ENV.event);
    expect(parseError("")).toContain("KMS_OCTOPUS_EVENT is not set");
  });

  test("invalid JSON", () => {
    expect(parseError("{not json")).toBe("KMS_OCTOPUS_EVENT is not valid JSON.");
  });

  test.each([1, 3])("event version %p (synthesized by another version) asks for matching versions", (v) => {
    expect(parseError(JSON.stringify(event({ v })))).toMatch(/^invalid declaration: v: this hook reads event version 2; synthesize and apply with the same cdktf-kms-octopus version/);
  });

  test("a version-1 null_resource string map is refused too", () => {
    expect(parseError(JSON.stringify({ ...event(), v: "1" }))).toMatch(/^invalid declaration: v: this hook reads event version 2/);
  });

  test.each([
    ["name", "My_Conn", /name: must be a slug/],
    ["name", "", /name: must not be empty/],
    ["project_id", "project-from-another-resource", /project_id: must be a KMS project id/],
    ["kms_url", "http://kms.example.com", /kms_url: must use https/],
    ["instance_url", "https://u:p@o.io", /instance_url: must not contain user:password@/],
    ["description", "nul\u0000", /description: must not contain control characters/],
    ["description", " padded", /description: must not start or end with whitespace/],
    ["api_key_env", "1KEY", /api_key_env: must be an environment variable name/],
    ["renamed_from", "Old", /renamed_from: must be a slug/],
    ["removal_policy", "delete", /removal_policy:/],
    ["adopt_existing", "yes", /adopt_existing:/],
    ["path", 5, /path:/],
  ])("bad %s %p is named", (field, value, fragment) => {
    const message = parseError(JSON.stringify(event({ [field]: value })));
    expect(message).toMatch(/^invalid declaration: /);
    expect(message).toMatch(fragment);
  });

  test("every bad field is listed at once", () => {
    const message = parseError(JSON.stringify(event({ name: "BAD", project_id: "x", kms_url: "ftp://k" })));
    expect(message).toContain("name:");
    expect(message).toContain("project_id:");
    expect(message).toContain("kms_url:");
  });

  test("an event that is not an object", () => {
    expect(parseError("[]")).toMatch(/^invalid declaration: /);
    expect(parseError("null")).toMatch(/^invalid declaration: /);
    expect(parseError('"text"')).toMatch(/^invalid declaration: /);
  });
});

describe("parseOperation", () => {
  test("the operations are apply and delete", () => {
    expect(OPERATIONS).toEqual(["apply", "delete"]);
  });
  test.each(["apply", "delete"])("%s", (op) => expect(parseOperation(op)).toBe(op));
  test.each([undefined, "", "APPLY", "create", "update", "credentials", "destroy", "read"])("%p is refused, listing apply, delete", (arg) => {
    expect(() => parseOperation(arg)).toThrow(/unknown operation .*: expected one of apply, delete$/);
  });
});
