/**
 * MoveResourceState: a `moved` block from the hook engines' connection resource (`terraform_data`,
 * whose `input`/`output` hold the declaration, or `null_resource`, whose `triggers` do: see
 * construct/engines.ts) to this type. The declaration is parsed by the hook's own schema
 * (hook/event.ts) into a state without an id; the first refresh finds the connection by name (and
 * project) in the KMS and keeps its id: no delete, no create. The key's fingerprint is null, so the
 * first apply sends the declared key once. A connection missing from the KMS is dropped by that
 * refresh: Terraform then plans to create it.
 */
import * as z from "zod/mini";
import { parseEvent } from "../../../hook/event";
import { objectOf } from "../../framework/attributes";
import { DiagnosticError } from "../../framework/diagnostics";
import { CallContext } from "../../framework/resource";
import { ObjectValue } from "../../protocol/types";
import { CONNECTION_ATTRIBUTES } from "./schema";

/** Resource types whose state this type takes over. */
export const MOVABLE_FROM = ["terraform_data", "null_resource"] as const;

/** The hook engines' connection resource state, as stored (dynamic values may be wrapped as { value, type }). */
const SourceStateSchema = z.looseObject({
  input: z.optional(z.unknown()),
  output: z.optional(z.unknown()),
  triggers: z.optional(z.nullable(z.record(z.string(), z.string()))),
});

/** The declaration a source state holds (the JSON text the hook would get). */
function declarationJson(typeName: string, stateJson: string): string {
  let raw: unknown;
  try {
    raw = JSON.parse(stateJson);
  } catch {
    throw DiagnosticError.at(undefined, "Cannot move state", `The ${typeName} state is not valid JSON.`);
  }
  const parsed = SourceStateSchema.safeParse(raw);
  if (!parsed.success) throw DiagnosticError.at(undefined, "Cannot move state", `The ${typeName} state has an unexpected shape.`);
  const s = parsed.data;
  const record = typeName === "null_resource" ? s.triggers : unwrapDynamic(s.output) ?? unwrapDynamic(s.input);
  if (!record || typeof record !== "object") {
    throw DiagnosticError.at(undefined, "Cannot move state", `The ${typeName} state holds no connection declaration: only the connection resource of an OctopusDeployConnection (engine "${typeName}") can move to this type.`);
  }
  return JSON.stringify(record);
}

/** A dynamic attribute stored as { value, type } gives its value; anything else is taken as is. */
function unwrapDynamic(v: unknown): unknown {
  if (v && typeof v === "object" && "value" in v && "type" in v && Object.keys(v).length === 2) return (v as { value: unknown }).value;
  return v ?? undefined;
}

/** The state of this type for the moved connection. */
export async function moveConnection(_ctx: CallContext, typeName: string, stateJson: string): Promise<ObjectValue> {
  let decl;
  try {
    decl = parseEvent(declarationJson(typeName, stateJson));
  } catch (err) {
    if (err instanceof DiagnosticError) throw err;
    throw DiagnosticError.at(undefined, "Cannot move state", `The ${typeName} state's declaration cannot be read: ${(err as Error).message}.`);
  }
  // Terraform moves state before it configures the provider (as it upgrades state), so nothing here
  // can reach the KMS: the moved state has no id, and the first refresh looks the connection up by
  // name in the provider's KMS (resource.ts), keeping its id.
  const local = { api_key_env: decl.apiKeyEnv ?? null, api_key_fingerprint: null, removal_policy: decl.removalPolicy, adopt_existing: decl.adoptExisting };
  return objectOf(CONNECTION_ATTRIBUTES, {
    ...local,
    name: decl.name,
    description: decl.description,
    project_id: decl.projectId ?? null,
    instance_url: decl.instanceUrl,
  });
}
