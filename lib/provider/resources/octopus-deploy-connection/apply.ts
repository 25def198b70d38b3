/**
 * Create, update and delete against the KMS. Requests: create 1 POST (on a taken name +1 GET by name
 * and +1 PATCH when adopting); update 1 PATCH with only what changed, or none when only local
 * attributes changed; delete 1 DELETE, or none with removal_policy "retain".
 *
 * Adopting sends the credentials: the KMS never returns a key, so an adopted connection holds the
 * declared key (the state's fingerprint is true) only once it was sent; that costs one PATCH, on the
 * name-conflict path only (typically a rerun after a create whose answer was lost or interrupted).
 */
import { UpdateConnectionBody, OCTOPUS_METHOD } from "../../../kms/schemas";
import { KmsApiError } from "../../../kms/errors";
import { fingerprint } from "../../../shared/fingerprint";
import { describeScope } from "../../../shared/scope";
import { differencesFrom } from "../../../hook/operations";
import { DiagnosticError } from "../../framework/diagnostics";
import { CallContext } from "../../framework/resource";
import { fillUnknowns, knownString, sameValue } from "../../framework/values";
import { ObjectValue, UNKNOWN, Value } from "../../protocol/types";
import { kmsDiagnostics } from "../../kms-diagnostics";
import { keyPath, requireKey } from "./key";
import { updateSendsCredentials } from "./plan";
import { kmsFields } from "./state";

/** Attribute names of the fields differencesFrom compares. */
const ATTRIBUTE_OF = { name: "name", description: "description", instanceUrl: "instance_url" } as const;

/** Runs a KMS call; a failure becomes diagnostics on the right attribute. */
async function kmsCall<T>(what: string, config: ObjectValue | null, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new DiagnosticError(kmsDiagnostics(err, what, { key: keyPath(config) }));
  }
}

/** The applied state: planned values, unknowns filled from the KMS's answer (known planned values are kept, as Terraform requires). */
function appliedState(planned: ObjectValue, fromKms: Record<string, Value>, key: string | undefined): ObjectValue {
  const fp = key === undefined ? null : fingerprint(key);
  return { ...fillUnknowns(planned, { ...fromKms, api_key_fingerprint: fp }), api_key: null };
}

/** POST; on a taken name, adopt an identical connection, or a differing one with adopt_existing. */
export async function createConnection(ctx: CallContext, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue> {
  const name = knownString(planned, "name")!;
  const description = knownString(planned, "description");
  const projectId = knownString(planned, "project_id");
  const instanceUrl = knownString(planned, "instance_url")!;
  const apiKey = requireKey(config, ctx.env);
  const credentials = { instanceUrl, apiKey };
  const what = `Creating Octopus Deploy connection "${name}" in ${describeScope(projectId)}`;
  try {
    const created = await ctx
      .kms()
      .create({ name, ...(description !== undefined ? { description } : {}), ...(projectId ? { projectId } : {}), method: OCTOPUS_METHOD, credentials });
    return appliedState(planned, kmsFields(created), apiKey);
  } catch (err) {
    if (!(err instanceof KmsApiError && err.isNameConflict)) throw new DiagnosticError(kmsDiagnostics(err, what, { key: keyPath(config) }));
  }
  const existing = await kmsCall(`${what}: reading the existing connection of that name`, config, () => ctx.kms().getByName(name, projectId));
  if (!existing) throw DiagnosticError.at(["name"], "Connection name taken", `${what}: the KMS reported that the name is taken, but no such connection can be read back; run again.`);
  const differences = differencesFrom(existing, { name, description: description ?? null, instanceUrl });
  if (differences.length && planned.adopt_existing !== true) {
    const fields = differences.map((d) => `${ATTRIBUTE_OF[d.field]}: declared ${JSON.stringify(d.declared)}, in the KMS ${JSON.stringify(d.live)}`);
    throw DiagnosticError.at(
      ["name"],
      "Connection exists and differs",
      `${what}: a connection of that name already exists (id ${existing.id}) and differs (${fields.join("; ")}). Nothing was changed. ` +
        `Import it (an import block, or terraform import with its id), set adopt_existing = true to take it over, or choose another name.`,
    );
  }
  const patch: UpdateConnectionBody = { ...(differences.some((d) => d.field === "description") ? { description: description ?? null } : {}), credentials };
  const adopted = await kmsCall(`${what}: adopting the existing connection ${existing.id}`, config, () => ctx.kms().update(existing.id, patch));
  return appliedState(planned, kmsFields(adopted), apiKey);
}

/** PATCH only what changed; no request when only local attributes (policies, key source) changed. */
export async function updateConnection(ctx: CallContext, prior: ObjectValue, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue> {
  const id = knownString(prior, "id")!;
  const name = knownString(planned, "name")!;
  const sendsCredentials = updateSendsCredentials(prior, planned);
  const patch: { -readonly [K in keyof UpdateConnectionBody]: UpdateConnectionBody[K] } = {};
  if (!sameValue(planned.name, prior.name)) patch.name = name;
  if (!sameValue(planned.description, prior.description)) patch.description = knownString(planned, "description") ?? null;
  let apiKey: string | undefined;
  if (sendsCredentials) {
    apiKey = requireKey(config, ctx.env);
    patch.credentials = { instanceUrl: knownString(planned, "instance_url")!, apiKey };
  }
  if (Object.keys(patch).length === 0) {
    return { ...fillUnknowns(planned, prior), api_key: null };
  }
  const what = `Updating Octopus Deploy connection "${name}" (id ${id}: ${Object.keys(patch).join(", ")})`;
  const updated = await kmsCall(what, config, () => ctx.kms().update(id, patch));
  const state = appliedState(planned, kmsFields(updated), apiKey);
  return apiKey === undefined ? { ...state, api_key_fingerprint: planned.api_key_fingerprint === UNKNOWN ? prior.api_key_fingerprint : planned.api_key_fingerprint } : state;
}

/** DELETE, unless removal_policy is "retain"; a connection already gone is fine. */
export async function deleteConnection(ctx: CallContext, prior: ObjectValue): Promise<void> {
  if (prior.removal_policy === "retain") return;
  const id = typeof prior.id === "string" ? prior.id : undefined;
  if (!id) return; // moved from terraform_data while missing from the KMS: nothing to delete
  await kmsCall(`Deleting Octopus Deploy connection "${String(prior.name)}" (id ${id})`, null, () => ctx.kms().delete(id));
}
