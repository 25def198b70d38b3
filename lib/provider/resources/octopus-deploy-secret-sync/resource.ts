/**
 * `hanzokms_octopus_deploy_secret_sync`: an Octopus Deploy secret sync in the KMS (KMS secrets of
 * one environment and folder, pushed as sensitive Octopus project variables), owned by Terraform.
 * Read on every refresh (GET by id: a change by hand becomes an attribute diff, a sync deleted by
 * hand is planned for creation), updated field by field (the KMS project replaces), imported by id
 * or <project_id>/<name>. Requests: 1 per read, create, update or delete, plus the status polls of
 * the bounded wait after a create or update with auto-sync (and after a delete with
 * remove_secrets_on_destroy); see apply.ts and wait.ts.
 */
import { TYPE_NAMES } from "../../address";
import { CallContext, Resource } from "../../framework/resource";
import { ObjectValue } from "../../protocol/types";
import { createSync, deleteSync, describeSync, syncClient, updateSync } from "./apply";
import { syncCall } from "./errors";
import { importSync } from "./import";
import { modifySyncPlan, validateSync } from "./plan";
import { SCHEMA_VERSION, SYNC_ATTRIBUTES } from "./schema";
import { kmsFields } from "./state";
import { upgradeSyncState } from "./upgrade";

/** Read: the KMS's values replace the state's; remove_secrets_on_destroy is kept. */
async function readSync(ctx: CallContext, state: ObjectValue): Promise<ObjectValue | null> {
  const id = typeof state.id === "string" ? state.id : undefined;
  if (!id) return null;
  const live = await syncCall(`Reading ${describeSync(state.name, id)}`, () => syncClient(ctx).getSyncById(id));
  return live ? { ...state, ...kmsFields(live) } : null;
}

/** The resource kind. */
export const octopusDeploySecretSync: Resource = {
  typeName: TYPE_NAMES.secretSync,
  version: SCHEMA_VERSION,
  description:
    "An Octopus Deploy secret sync in Hanzo KMS (Infisical-compatible): the secrets of a KMS environment and folder, pushed by the KMS as sensitive Octopus project variables. Secret values never pass through the provider or the state.",
  attributes: SYNC_ATTRIBUTES,
  validate: (config) => validateSync(config),
  modifyPlan: (_ctx, { prior, planned }) => modifySyncPlan(prior, planned),
  create: createSync,
  read: readSync,
  update: updateSync,
  delete: deleteSync,
  importState: importSync,
  upgradeState: upgradeSyncState,
};
