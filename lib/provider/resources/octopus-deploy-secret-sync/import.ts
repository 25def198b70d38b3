/**
 * ImportResourceState: by KMS id (a UUID), or by `<project_id>/<name>` (sync names are unique per
 * KMS project, so a name alone names nothing). One GET. The state is the KMS's, with
 * remove_secrets_on_destroy at its default (false): the plan then shows exactly where the code differs.
 */
import * as rules from "../../../shared/rules";
import * as syncRules from "../../../shared/sync-rules";
import type { SecretSync } from "../../../kms/sync-schemas";
import { DiagnosticError } from "../../framework/diagnostics";
import { CallContext } from "../../framework/resource";
import { ObjectValue } from "../../protocol/types";
import { syncClient } from "./apply";
import { syncCall } from "./errors";
import { stateFromSync } from "./state";

const USAGE = "Use the sync's KMS id (a UUID) or <project_id>/<name>.";

/** Finds the sync an import id names; throws a diagnostic when the id is malformed or nothing matches. */
export async function importSync(ctx: CallContext, importId: string): Promise<ObjectValue> {
  const id = importId.trim();
  const what = `Importing Octopus Deploy secret sync ${JSON.stringify(id)}`;
  const slash = id.indexOf("/");
  let found: SecretSync | undefined;
  if (slash < 0) {
    if (rules.projectId(id)) throw bad(what, "it is neither a UUID nor <project_id>/<name>");
    found = await syncCall(what, () => syncClient(ctx).getSyncById(id));
    if (!found) throw notFound(what, `no sync has the id ${id}`);
  } else {
    const projectId = id.slice(0, slash);
    const name = id.slice(slash + 1);
    const badProject = rules.projectId(projectId);
    if (badProject) throw bad(what, `the part before "/" is the KMS project id, which ${badProject}`);
    const badName = syncRules.syncName(name);
    if (badName) throw bad(what, `the name ${badName}`);
    found = await syncCall(what, () => syncClient(ctx).getSyncByName(name, projectId));
    if (!found) throw notFound(what, `no sync named "${name}" exists in project ${projectId}`);
  }
  return stateFromSync(found);
}

function bad(what: string, why: string): DiagnosticError {
  return DiagnosticError.at(undefined, "Invalid import id", `${what}: ${why}. ${USAGE}`);
}

function notFound(what: string, why: string): DiagnosticError {
  return DiagnosticError.at(undefined, "Cannot import: secret sync not found", `${what}: ${why}. ${USAGE}`);
}
