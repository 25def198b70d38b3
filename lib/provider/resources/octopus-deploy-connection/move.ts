/**
 * MoveResourceState: a `moved` block from the hook engines' connection resource (`terraform_data`,
 * whose `input`/`output` hold the declaration, or `null_resource`, whose `triggers` do: see
 * construct/engines.ts) to this type. The declaration is parsed by the hook's own schema
 * (hook/event.ts), the connection is looked up by name (and project) in the KMS, and its state has
 * the same id: no delete, no create. The key's fingerprint is null, so the first apply sends the
 * declared key once. A connection missing from the KMS gets a state with a null id, which the next
 * refresh drops: Terraform then plans to create it.
 */
import * as z from "zod/mini";
import { parseEvent } from "../../../hook/event";
import { describeScope } from "../../../shared/scope";
import { objectOf } from "../../framework/attributes";
import { DiagnosticError } from "../../framework/diagnostics";
import { CallContext } from "../../framework/resource";
import { ObjectValue } from "../../protocol/types";
import { kmsDiagnostics } from "../../kms-diagnostics";
import { CONNECTION_ATTRIBUTES } from "./schema";
import { stateFromConnection } from "./state";

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
export async function moveConnection(ctx: CallContext, typeName: string, stateJson: string): Promise<ObjectValue> {
  let decl;
  try {
    decl = parseEvent(declarationJson(typeName, stateJson));
  } catch (err) {
    if (err instanceof DiagnosticError) throw err;
    throw DiagnosticError.at(undefined, "Cannot move state", `The ${typeName} state's declaration cannot be read: ${(err as Error).message}.`);
  }
  if (decl.kmsUrl.replace(/\/+$/, "") !== ctx.kmsUrl.replace(/\/+$/, "")) {
    throw DiagnosticError.at(
      undefined,
      "Cannot move state",
      `The connection "${decl.name}" was deployed to the KMS at ${decl.kmsUrl}, but this provider configuration's kms_url is ${ctx.kmsUrl}: give the provider the same kms_url.`,
    );
  }
  const what = `Moving Octopus Deploy connection "${decl.name}" in ${describeScope(decl.projectId)} from ${typeName}`;
  const local = { api_key_env: decl.apiKeyEnv ?? null, api_key_fingerprint: null, removal_policy: decl.removalPolicy, adopt_existing: decl.adoptExisting };
  let found;
  try {
    found = (await ctx.kms().getByName(decl.name, decl.projectId)) ?? (decl.renamedFrom ? await ctx.kms().getByName(decl.renamedFrom, decl.projectId) : undefined);
  } catch (err) {
    throw new DiagnosticError(kmsDiagnostics(err, what));
  }
  if (found) return stateFromConnection(found, local);
  return objectOf(CONNECTION_ATTRIBUTES, {
    ...local,
    name: decl.name,
    description: decl.description,
    project_id: decl.projectId ?? null,
    instance_url: decl.instanceUrl,
  });
}
