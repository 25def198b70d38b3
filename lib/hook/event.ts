/**
 * What Terraform hands the hook: the operation (argv), the declaration (`KMS_OCTOPUS_EVENT`, the JSON
 * of the connection resource's `input`), and for `apply` the plan timestamps and the stack's declared
 * names (read in run.ts). The hook parses all of it;
 * values that were Terraform references at synth (a project id from another resource) are checked
 * here with the same rules as the construct uses.
 */
import * as z from "zod/mini";
import * as rules from "../shared/rules";
import { EVENT_VERSION, HOOK_ENV, OPERATIONS, Operation } from "./protocol";

export { HOOK_ENV, Operation };

/** A string checked by one of the shared rules. */
function ruled(check: (value: string) => rules.Verdict) {
  return z.string().check(
    z.superRefine((value, ctx) => {
      const verdict = check(value);
      if (verdict) ctx.addIssue({ code: "custom", message: verdict, input: value });
    }),
  );
}

/** The `input` of the connection resource, as Terraform's jsonencode writes it. */
const EventSchema = z.object({
  v: z.literal(EVENT_VERSION, { error: `this hook reads event version ${EVENT_VERSION}; synthesize and apply with the same cdktf-kms-octopus version` }),
  path: z.string(),
  address: z.string(),
  kms_url: ruled(rules.serviceUrl),
  project_id: z.nullable(ruled(rules.projectId)),
  name: ruled(rules.connectionName),
  description: z.nullable(ruled(rules.description)),
  instance_url: ruled(rules.serviceUrl),
  api_key_env: z.nullable(ruled(rules.envVarName)),
  adopt_existing: z.boolean(),
  renamed_from: z.nullable(ruled(rules.connectionName)),
  removal_policy: z.enum(["destroy", "retain"]),
});

/** The declared connection, as the operations use it. */
export interface Declaration {
  /** Construct path, for messages. */
  readonly path: string;
  /** Terraform address of the connection resource, for recovery hints. */
  readonly address: string;
  /** KMS base URL. */
  readonly kmsUrl: string;
  /** Project id, or undefined for an organization-level connection. */
  readonly projectId: string | undefined;
  /** Connection name. */
  readonly name: string;
  /** Description, null when none. */
  readonly description: string | null;
  /** Octopus Deploy instance URL. */
  readonly instanceUrl: string;
  /** Name of the variable holding the API key, when the key comes from the environment. */
  readonly apiKeyEnv: string | undefined;
  /** Take over an existing connection of that name that differs from the declaration. */
  readonly adoptExisting: boolean;
  /** Previous name, for an in-place rename. */
  readonly renamedFrom: string | undefined;
  /** What destroy does. */
  readonly removalPolicy: "destroy" | "retain";
}

/** Parses the event JSON; the error names every bad field. */
export function parseEvent(json: string | undefined): Declaration {
  if (!json) throw new Error(`${HOOK_ENV.event} is not set: this program is run by Terraform through the OctopusDeployConnection construct.`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`${HOOK_ENV.event} is not valid JSON.`);
  }
  const parsed = EventSchema.safeParse(fromStringMap(raw));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`).join("; ");
    throw new Error(`invalid declaration: ${issues}`);
  }
  const e = parsed.data;
  return {
    path: e.path,
    address: e.address,
    kmsUrl: e.kms_url,
    projectId: e.project_id ?? undefined,
    name: e.name,
    description: e.description,
    instanceUrl: e.instance_url,
    apiKeyEnv: e.api_key_env ?? undefined,
    adoptExisting: e.adopt_existing,
    renamedFrom: e.renamed_from ?? undefined,
    removalPolicy: e.removal_policy,
  };
}

const NULLABLE = ["project_id", "description", "api_key_env", "renamed_from"];

/**
 * The null_resource engine stores the declaration in `triggers`, a map of strings: "1" for 1,
 * "true"/"false" for booleans, "" for null. Converted back here; terraform_data events pass as they are.
 */
function fromStringMap(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || typeof (raw as { v?: unknown }).v !== "string") return raw;
  const record = { ...(raw as Record<string, unknown>) };
  record.v = Number(record.v);
  record.adopt_existing = record.adopt_existing === "true";
  for (const key of NULLABLE) if (record[key] === "") record[key] = null;
  return record;
}

/** Parses the operation argument. */
export function parseOperation(arg: string | undefined): Operation {
  if ((OPERATIONS as readonly string[]).includes(arg ?? "")) return arg as Operation;
  throw new Error(`unknown operation ${JSON.stringify(arg)}: expected one of ${OPERATIONS.join(", ")}`);
}
