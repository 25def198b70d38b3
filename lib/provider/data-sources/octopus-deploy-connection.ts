/**
 * Data source `hanzokms_octopus_deploy_connection`: looks a connection up by name (and project), so
 * a stack can reference one it does not manage. One GET per read; a missing connection is an error
 * on `name`.
 */
import * as rules from "../../shared/rules";
import { describeScope } from "../../shared/scope";
import { Attributes, objectOf } from "../framework/attributes";
import { DiagnosticError } from "../framework/diagnostics";
import { DataSource } from "../framework/resource";
import { knownString } from "../framework/values";
import { TYPE_NAMES } from "../address";
import { kmsDiagnostics } from "../kms-diagnostics";
import { nameRule } from "../resources/octopus-deploy-connection/schema";

const ATTRIBUTES: Attributes = {
  name: { type: "string", required: true, validators: [nameRule], description: "Name of the connection to look up." },
  project_id: { type: "string", optional: true, validators: [rules.projectId], description: "KMS project id of a project-level connection; unset: an organization-level one." },
  id: { type: "string", computed: true, description: "The connection's KMS id." },
  description: { type: "string", computed: true, description: "Description, as the KMS returns it." },
  instance_url: { type: "string", computed: true, description: "Octopus Deploy instance URL." },
  credentials_hash: { type: "string", computed: true, description: "The KMS's credentialsHash." },
  created_at: { type: "string", computed: true, description: "Creation time, as the KMS returns it." },
  updated_at: { type: "string", computed: true, description: "Time of the last change, as the KMS returns it." },
};

/** The data source kind. */
export const octopusDeployConnectionData: DataSource = {
  typeName: TYPE_NAMES.connection,
  description: "Looks up an Octopus Deploy app connection in Hanzo KMS by name (and project).",
  attributes: ATTRIBUTES,
  validate: () => [],
  async read(ctx, config) {
    const name = knownString(config, "name")!;
    const projectId = knownString(config, "project_id");
    const what = `Looking up Octopus Deploy connection "${name}" in ${describeScope(projectId)}`;
    let found;
    try {
      found = await ctx.kms().getByName(name, projectId);
    } catch (err) {
      throw new DiagnosticError(kmsDiagnostics(err, what));
    }
    if (!found) throw DiagnosticError.at(["name"], "Connection not found", `${what}: no connection of that name exists there.`);
    return objectOf(ATTRIBUTES, {
      name: found.name,
      project_id: found.projectId ?? null,
      id: found.id,
      description: found.description ?? null,
      instance_url: found.credentials.instanceUrl,
      credentials_hash: found.credentialsHash ?? null,
      created_at: found.createdAt ?? null,
      updated_at: found.updatedAt ?? null,
    });
  },
};
