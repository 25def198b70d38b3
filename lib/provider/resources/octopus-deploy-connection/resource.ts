/**
 * `hanzokms_octopus_deploy_connection`: an Octopus Deploy app connection in the KMS, owned by
 * Terraform. Read on every refresh (GET by id: a change by hand becomes an attribute diff, a
 * connection deleted by hand is planned for creation), updated attribute by attribute, imported by
 * id or name, moved from the hook engines' terraform_data. Requests: 1 per read, create, update or
 * delete (see apply.ts for the name-conflict path).
 */
import { TYPE_NAMES } from "../../address";
import { DiagnosticError } from "../../framework/diagnostics";
import { CallContext, Resource } from "../../framework/resource";
import { ObjectValue } from "../../protocol/types";
import { kmsDiagnostics } from "../../kms-diagnostics";
import { createConnection, deleteConnection, updateConnection } from "./apply";
import { importConnection } from "./import";
import { MOVABLE_FROM, moveConnection } from "./move";
import { modifyConnectionPlan, validateConnection } from "./plan";
import { CONNECTION_ATTRIBUTES, SCHEMA_VERSION } from "./schema";
import { kmsFields } from "./state";
import { upgradeConnectionState } from "./upgrade";

/**
 * Read: the KMS's values replace the state's. When credentials_hash changed outside Terraform, the
 * key the KMS holds is no longer known to be the declared one: the fingerprint becomes null, so the
 * plan shows it being set again and the apply re-sends the key (plan -detailed-exitcode exits 2).
 */
async function readConnection(ctx: CallContext, state: ObjectValue): Promise<ObjectValue | null> {
  const id = typeof state.id === "string" && state.id ? state.id : undefined;
  const projectId = typeof state.project_id === "string" ? state.project_id : undefined;
  let live;
  try {
    // No id: a state moved from the hook engines (move.ts), found by name in its scope.
    live = id ? await ctx.kms().getById(id) : typeof state.name === "string" ? await ctx.kms().getByName(state.name, projectId) : undefined;
  } catch (err) {
    throw new DiagnosticError(kmsDiagnostics(err, `Reading Octopus Deploy connection "${String(state.name)}" (${id ? `id ${id}` : "by name"})`));
  }
  if (!live) return null;
  const fields = kmsFields(live);
  const credentialsChanged = state.credentials_hash !== null && fields.credentials_hash !== state.credentials_hash;
  return { ...state, ...fields, api_key: null, api_key_fingerprint: credentialsChanged ? null : state.api_key_fingerprint };
}

/** The resource kind. */
export const octopusDeployConnection: Resource = {
  typeName: TYPE_NAMES.connection,
  version: SCHEMA_VERSION,
  description: "An Octopus Deploy app connection in Hanzo KMS (Infisical-compatible). The API key is never stored in state.",
  attributes: CONNECTION_ATTRIBUTES,
  validate: validateConnection,
  modifyPlan: (ctx, { prior, planned, config }) => modifyConnectionPlan(ctx.env, prior, planned, config),
  create: createConnection,
  read: readConnection,
  update: updateConnection,
  delete: deleteConnection,
  importState: importConnection,
  upgradeState: upgradeConnectionState,
  async moveState(ctx, source) {
    if (!(MOVABLE_FROM as readonly string[]).includes(source.typeName)) return null;
    return moveConnection(ctx, source.typeName, source.stateJson);
  },
};
