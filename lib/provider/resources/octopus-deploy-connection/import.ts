/**
 * ImportResourceState: by KMS id (a UUID), or by name (`<name>` for an organization-level
 * connection, `<project_id>/<name>` for a project-level one). The state has everything but the key:
 * its fingerprint is null, so the first plan after an import shows api_key_fingerprint being set and
 * the apply sends the declared key once (the KMS never returns a key, so whether it already holds
 * the declared one cannot be known; sending it is what makes the state true). Every other attribute
 * is the KMS's, so the plan shows exactly where the code differs from the connection.
 */
import { Connection } from "../../../kms/schemas";
import * as rules from "../../../shared/rules";
import { describeScope } from "../../../shared/scope";
import { DiagnosticError } from "../../framework/diagnostics";
import { CallContext } from "../../framework/resource";
import { ObjectValue } from "../../protocol/types";
import { kmsDiagnostics } from "../../kms-diagnostics";
import { nameRule } from "./schema";
import { IMPORTED, stateFromConnection } from "./state";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds the connection an import id names; throws a diagnostic when the id is malformed or nothing matches. */
export async function importConnection(ctx: CallContext, importId: string): Promise<ObjectValue> {
  const id = importId.trim();
  const found = await lookUp(ctx, id);
  return stateFromConnection(found, IMPORTED);
}

async function lookUp(ctx: CallContext, id: string): Promise<Connection> {
  const what = `Importing Octopus Deploy connection ${JSON.stringify(id)}`;
  try {
    if (UUID.test(id)) {
      // A UUID is also a valid slug: a connection named like one is found by name when no id matches.
      const byId = (await ctx.kms().getById(id)) ?? (await ctx.kms().getByName(id));
      if (byId) return byId;
      throw notFound(what, `no connection has the id ${id} (nor the name, in the organization)`);
    }
    const slash = id.indexOf("/");
    const projectId = slash >= 0 ? id.slice(0, slash) : undefined;
    const name = slash >= 0 ? id.slice(slash + 1) : id;
    const badProject = projectId !== undefined ? rules.projectId(projectId) : undefined;
    if (badProject) throw bad(what, `the part before "/" is the project id, which ${badProject}`);
    const badName = nameRule(name);
    if (badName) throw bad(what, `the name ${badName}`);
    const byName = await ctx.kms().getByName(name, projectId);
    if (byName) return byName;
    throw notFound(what, `no connection named "${name}" exists in ${describeScope(projectId)}`);
  } catch (err) {
    throw new DiagnosticError(kmsDiagnostics(err, what));
  }
}

function bad(what: string, why: string): DiagnosticError {
  return DiagnosticError.at(undefined, "Invalid import id", `${what}: ${why}. Use the connection's KMS id (a UUID), its name, or <project_id>/<name> for a project-level connection.`);
}

function notFound(what: string, why: string): DiagnosticError {
  return DiagnosticError.at(undefined, "Cannot import: connection not found", `${what}: ${why}. Check the id or name (npx cdktf-kms-octopus get <name> lists what the KMS holds).`);
}
