/**
 * `describePlan` for the provider engine: one `hanzokms_octopus_deploy_connection` per connection,
 * read from Terraform's JSON plan (`terraform show -json tfplan`, format 1.2 as Terraform 1.11 writes
 * it). Terraform already shows attribute diffs; this says what they do in the KMS: create (or create
 * again after a deletion by hand), update in place with the fields, rename in place (same id),
 * replace and why (a project change), delete, or forget (removalPolicy "retain", or a `removed`
 * block), import (`change.importing`), the move from the terraform_data engine (`previous_address`),
 * and key rotation, seen only through `api_key_fingerprint`: the key itself is write-only and never
 * in a plan. Pure, and never prints a fingerprint or reads the plan's `variables`.
 */
import type { PlannedAction, PlannedChange, PlannedConnection } from "./plan";
import { TYPE_NAMES } from "../provider/address";
import { describeScope } from "../shared/scope";

type Json = Record<string, unknown>;

/** A resource change of the provider's connection type, as far as it is read here. */
export interface ProviderResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action_reason?: string;
  readonly previous_address?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: unknown;
    readonly after: unknown;
    readonly after_unknown?: unknown;
    readonly replace_paths?: unknown;
    readonly importing?: unknown;
  };
}

/** The provider's connection resource type. */
export const PROVIDER_CONNECTION_TYPE = TYPE_NAMES.connection;

/** Attribute of the resource for each declared field (api_key is write-only: its fingerprint stands for it). */
const FIELDS = [
  ["projectId", "project_id"],
  ["name", "name"],
  ["description", "description"],
  ["instanceUrl", "instance_url"],
  ["apiKey", "api_key_fingerprint"],
  ["apiKeyEnv", "api_key_env"],
  ["removalPolicy", "removal_policy"],
  ["adoptExisting", "adopt_existing"],
] as const;
const UNKNOWN = "(known after apply)";

/** Explains one provider-engine connection of a plan; `path` comes from the stack when known. */
export function explainProviderChange(rc: ProviderResourceChange, plan: Json, path: string | null): PlannedConnection {
  const before = attrs(rc.change.before);
  const after = attrs(rc.change.after);
  const unknown = unknownKeys(rc.change.after_unknown);
  const actions = rc.change.actions;
  const base = { address: rc.address, path, name: str(after?.name) ?? str(before?.name) ?? null };
  const kmsUrl = kmsUrlOf(plan, rc.address);
  const on = (attributes: Json | undefined, unknownProject = false) =>
    `${unknownProject ? "a project known after apply" : describeScope(str(attributes?.project_id) ?? null)}${kmsUrl ? ` on ${kmsUrl}` : ""}`;
  const result = (action: PlannedAction, summary: string, changes: readonly PlannedChange[] = [], warnings: readonly string[] = []): PlannedConnection => ({
    ...base,
    action,
    changes,
    warnings,
    summary,
  });
  const drift = driftOf(plan, rc.address);

  if (actions.length === 1 && actions[0] === "create") {
    const again = drift?.includes("delete") ? "create again (it was deleted outside Terraform) in " : "create in ";
    const adopt = after?.adopt_existing === true ? ", or adopt and update the existing connection of that name (adoptExisting)" : "";
    return result("create", `${again}${on(after, unknown.has("project_id"))}${adopt}`);
  }
  if (actions.includes("delete") && !actions.includes("create")) {
    const gone = rc.action_reason === "delete_because_no_resource_config" ? "removed from the code" : "destroy";
    return before?.removal_policy === "retain"
      ? result("forget", `${gone}: stays in the KMS (${on(before)}): its removalPolicy is "retain"`)
      : result("delete", `${gone}: delete from the KMS (${on(before)})`);
  }
  if (actions.length === 1 && actions[0] === "forget") {
    return result("forget", `stop managing it; stays in the KMS (${on(before)})`);
  }

  const changes: PlannedChange[] = [];
  if (before && after) {
    for (const [field, key] of FIELDS) {
      const isUnknown = unknown.has(key);
      const [b, a] = [str(before[key]) ?? null, str(after[key]) ?? null];
      if (!isUnknown && b === a) continue;
      if (field === "apiKey" && b === null) continue; // no fingerprint recorded yet: nothing to compare
      changes.push(field === "apiKey" ? { field, before: null, after: null, ...(isUnknown ? { afterUnknown: true } : {}) } : { field, before: b, after: isUnknown ? null : a, ...(isUnknown ? { afterUnknown: true } : {}) });
    }
  }
  const changed = (f: PlannedChange["field"]) => changes.find((c) => c.field === f);

  if (actions.includes("delete") && actions.includes("create")) {
    const reasons: string[] = [];
    const paths = Array.isArray(rc.change.replace_paths) ? rc.change.replace_paths.map((p) => (Array.isArray(p) ? String(p[0]) : "")) : [];
    const project = changed("projectId");
    if (project && (paths.includes("project_id") || paths.length === 0)) {
      reasons.push(`the project changes (${describeScope(project.before)} -> ${project.afterUnknown ? UNKNOWN : describeScope(project.after)})`);
    }
    for (const p of paths.filter((p) => p !== "project_id" && p)) reasons.push(`${p} changes`);
    if (rc.action_reason === "replace_because_tainted") reasons.push("a previous apply of it failed (tainted)");
    if (rc.action_reason === "replace_by_request") reasons.push("requested with -replace");
    if (reasons.length === 0) reasons.push("its identity changes");
    const where = on(after, unknown.has("project_id"));
    const effect =
      before?.removal_policy === "retain"
        ? `a new connection is created in ${where}; the old one stays in the KMS (removalPolicy "retain")`
        : `the connection is deleted, then created again in ${where} with a new id`;
    const extras = describeChanges(changes.filter((c) => c.field === "description" || c.field === "instanceUrl" || (c.field === "apiKey" && !c.afterUnknown))); // a new resource's fingerprint is always unknown
    return result("replace", `replace because ${reasons.join(" and ")}: ${effect}${extras.length ? `; ${extras.join("; ")}` : ""}`, changes);
  }

  // Update in place, no-op, import, or the move from terraform_data.
  const parts: string[] = [];
  const importing = isRecord(rc.change.importing) ? rc.change.importing : undefined;
  if (importing) {
    const id = typeof importing.id === "string" ? importing.id : null;
    parts.push(`import the existing connection${id ? ` ${JSON.stringify(id)}` : ""} (same id; nothing created)`);
  }
  if (rc.previous_address) parts.push(`moved from ${rc.previous_address} (the terraform_data engine): the same connection, same id`);
  if (drift?.includes("update")) parts.push("changed outside Terraform: set back to the code");
  const described = describeChanges(changes);
  const rotated = changes.some((c) => c.field === "apiKey" || c.field === "instanceUrl" || c.field === "apiKeyEnv");
  const resent = !rotated && before && after && (unknown.has("credentials_hash") || (str(after.credentials_hash) !== undefined && after.credentials_hash !== before.credentials_hash));
  if (resent) described.push("re-send the API key: the KMS's credentials differ from the state (changed outside Terraform)");
  parts.push(...described);
  if (described.length === 0) {
    if (parts.length === 0) return result("no-op", "no change", changes);
    return result("no-op", `${parts.join("; ")}; no change in the KMS`, changes);
  }
  const kmsRequest = changes.some((c) => c.field === "name" || c.field === "description" || c.field === "instanceUrl" || c.field === "apiKey") || !!resent;
  return result("update", `${parts.join("; ")}${kmsRequest ? "" : " (recorded only; no KMS request)"}`, changes);
}

/** The changes of an in-place update, in words. */
function describeChanges(changes: readonly PlannedChange[]): string[] {
  const q = (v: string | null) => (v === null ? "(none)" : JSON.stringify(v));
  const next = (c: PlannedChange) => (c.afterUnknown ? UNKNOWN : q(c.after));
  const keySourceChanges = changes.some((c) => c.field === "apiKeyEnv");
  const out: string[] = [];
  for (const c of changes) {
    if (c.field === "name") out.push(c.afterUnknown ? `name ${q(c.before)} -> ${UNKNOWN}` : `rename ${q(c.before)} -> ${q(c.after)} (same id)`);
    else if (c.field === "description") out.push(`description ${q(c.before)} -> ${next(c)}`);
    else if (c.field === "instanceUrl") out.push(`instance URL ${q(c.before)} -> ${next(c)} (credentials re-validated by the KMS)`);
    else if (c.field === "apiKey" && !keySourceChanges) {
      out.push(c.afterUnknown ? "the API key is known only at apply: sent again if it changed" : "rotate the API key (the new key is sent and validated)");
    } else if (c.field === "apiKeyEnv") out.push(`API key source changes (apiKeyEnv ${q(c.before)} -> ${q(c.after)}): the key is sent again`);
    else if (c.field === "removalPolicy") out.push(`removalPolicy ${q(c.before)} -> ${q(c.after)}`);
    else if (c.field === "adoptExisting") out.push(`adoptExisting ${c.before} -> ${c.after}`);
  }
  return out;
}

/** The kms_url of the provider configuration the resource uses (configuration.provider_config), if the plan says. */
function kmsUrlOf(plan: Json, address: string): string | null {
  const configuration = isRecord(plan.configuration) ? plan.configuration : {};
  const providers = isRecord(configuration.provider_config) ? configuration.provider_config : {};
  const resources = isRecord(configuration.root_module) && Array.isArray(configuration.root_module.resources) ? configuration.root_module.resources : [];
  const resource = resources.find((r): r is Json => isRecord(r) && r.address === address);
  // A resource gone from the code has no configuration: use the only hanzokms configuration, if there is one.
  const keys = Object.keys(providers).filter((k) => k === "hanzokms" || k.startsWith("hanzokms."));
  const key = typeof resource?.provider_config_key === "string" ? resource.provider_config_key : keys.length === 1 ? keys[0] : undefined;
  const config = key !== undefined && isRecord(providers[key]) ? (providers[key] as Json) : undefined;
  const kms = isRecord(config?.expressions) && isRecord(config.expressions.kms_url) ? config.expressions.kms_url.constant_value : undefined;
  return typeof kms === "string" ? kms : null;
}

/** The actions of the plan's `resource_drift` entry for the address (changes made outside Terraform), if any. */
function driftOf(plan: Json, address: string): readonly string[] | undefined {
  const entry = (Array.isArray(plan.resource_drift) ? plan.resource_drift : []).find((d): d is Json => isRecord(d) && d.address === address);
  const actions = isRecord(entry?.change) ? entry.change.actions : undefined;
  return Array.isArray(actions) ? actions.map(String) : undefined;
}

function unknownKeys(afterUnknown: unknown): Set<string> {
  return new Set(isRecord(afterUnknown) ? Object.entries(afterUnknown).filter(([, v]) => v === true).map(([k]) => k) : []);
}

function attrs(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

/** A scalar attribute as a string (booleans as "true"/"false"); undefined when absent or null. */
function str(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : typeof value === "object" ? JSON.stringify(value) : String(value);
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
