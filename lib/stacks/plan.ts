/**
 * `describePlan`: one line per connection from Terraform's JSON plan (`terraform show -json tfplan`),
 * for every engine: the provider engine's one resource per connection in plan-provider.ts, the hook
 * engines here.
 *
 * With the hook engines each connection is two resources (connection and sync; see the construct), so the raw plan shows
 * e.g. a description change as an in-place update plus a "replacement" of another resource,
 * a key rotation as the replacement of a resource whose only visible change is a fingerprint, and a
 * project change as `replace_because_cannot_update` without saying which key forced it. Some cases the
 * raw plan cannot show at all: a rename without `renamedFrom` (the apply fails when the old connection
 * is still there), a removal whose
 * recorded removalPolicy is "retain" (planned as a destroy, but the hook keeps the connection), and a
 * construct deleted from code without `OctopusDeployConnection.removed()` (no hook runs; the connection
 * stays in the KMS, unmanaged). This module says all of that in words.
 *
 * Pure: reads only its arguments, and never reads the plan's `variables` (which hold sensitive values
 * in clear) nor prints an API key fingerprint.
 */
import { CONNECTION_MARKER } from "../construct/octopus-deploy-connection";
import type { RemovedBlock } from "./declarations";
import { describeScope } from "../shared/scope";
import { PROVIDER_CONNECTION_TYPE, ProviderResourceChange, explainProviderChange } from "./plan-provider";

/** Format version of {@link PlanExplanation} (bump on an incompatible change). */
export const PLAN_EXPLANATION_VERSION = 1;

/** What happens to a connection in the KMS. */
export type PlannedAction = "create" | "update" | "replace" | "delete" | "forget" | "no-op";
/** Every action, in report order. */
export const PLANNED_ACTIONS: readonly PlannedAction[] = ["create", "update", "replace", "delete", "forget", "no-op"];

/** A declared field that changes. */
export interface PlannedChange {
  readonly field: "name" | "description" | "instanceUrl" | "apiKey" | "projectId" | "kmsUrl" | "removalPolicy" | "adoptExisting" | "apiKeyEnv" | "renamedFrom";
  /** Value before (always null for apiKey: the key is never shown, nor its fingerprint). */
  readonly before: string | null;
  /** Value after; null with `afterUnknown` when Terraform knows it only after apply. */
  readonly after: string | null;
  readonly afterUnknown?: boolean;
}

/** One connection of the plan. */
export interface PlannedConnection {
  /** Address of its connection resource. */
  readonly address: string;
  /** Construct path. */
  readonly path: string | null;
  /** Connection name (the new one when renamed). */
  readonly name: string | null;
  readonly action: PlannedAction;
  readonly changes: readonly PlannedChange[];
  /** Things the reviewer must know: the apply will fail, a connection will be orphaned, ... */
  readonly warnings: readonly string[];
  /** What happens, in words (the line without path and name). */
  readonly summary: string;
}

/** `explain-plan --json` prints exactly this. */
export interface PlanExplanation {
  readonly version: typeof PLAN_EXPLANATION_VERSION;
  readonly counts: Readonly<Record<PlannedAction, number>>;
  readonly connections: readonly PlannedConnection[];
}

/** Options of {@link describePlan}. */
export interface DescribePlanOptions {
  /** The stack's `removed` blocks (`removedBlocks`), to tell `removed()` from a deleted construct. @default - unknown: a removal gets a caution */
  readonly removed?: ReadonlyMap<string, RemovedBlock>;
  /** Construct paths by resource address (the stack's declarations), for provider-engine connections, whose plan does not carry them. @default - the address stands in */
  readonly paths?: ReadonlyMap<string, string>;
}

type Json = Record<string, unknown>;
interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: string;
  readonly action_reason?: string;
  readonly change: { readonly actions: readonly string[]; readonly before: unknown; readonly after: unknown; readonly after_unknown?: unknown };
}
/** The declaration record, normalized (null_resource strings converted). */
type Decl = Readonly<Record<string, string | null>>;

const HOOK_TYPES = new Set(["terraform_data", "null_resource"]);
const NULLABLE = new Set(["project_id", "description", "renamed_from", "api_key_env"]);
const UNKNOWN = "(known after apply)";

/** Thrown when the input is not a Terraform JSON plan. */
export class NotAPlanError extends Error {
  public override readonly name = "NotAPlanError";
}

/** Explains the connections of a JSON plan, one entry per connection, sorted by construct path. */
export function describePlan(plan: unknown, options: DescribePlanOptions = {}): PlanExplanation {
  if (!isRecord(plan) || (!("resource_changes" in plan) && !("planned_values" in plan))) {
    throw new NotAPlanError("this is not a Terraform JSON plan (no resource_changes): pass the output of `terraform show -json tfplan`, where tfplan was written by `terraform plan -out=tfplan`.");
  }
  const changes = (Array.isArray(plan.resource_changes) ? plan.resource_changes : []).filter(
    (rc): rc is ResourceChange => isRecord(rc) && typeof rc.address === "string" && typeof rc.type === "string" && isRecord(rc.change) && (rc.mode ?? "managed") === "managed",
  );
  const connections = changes.filter((rc) => HOOK_TYPES.has(rc.type) && (declOf(rc, "before")?.marker === CONNECTION_MARKER || declOf(rc, "after")?.marker === CONNECTION_MARKER));
  const references = configReferences(plan);

  // The sync resource of each connection: linked by the configuration's references (create, update)
  // or by the connection id in its previous triggers (removal, destroy).
  const syncs = new Map<string, ResourceChange>();
  for (const rc of changes) {
    if (!HOOK_TYPES.has(rc.type) || connections.includes(rc)) continue;
    const t = { ...triggersOf(rc, "before"), ...triggersOf(rc, "after") };
    if (!("connection" in t) || !("name" in t || "api_key_fingerprint" in t)) continue;
    const beforeId = triggersOf(rc, "before")?.connection;
    const owner = connections.find((c) => references.get(rc.address)?.includes(c.address) || (beforeId !== undefined && beforeId === idOf(c.change.before)));
    if (owner) syncs.set(owner.address, rc);
  }

  const explained = connections.map((c) => explainOne(c, syncs.get(c.address), options));
  for (const rc of changes) {
    if (rc.type === PROVIDER_CONNECTION_TYPE) explained.push(explainProviderChange(rc as ResourceChange & ProviderResourceChange, plan, options.paths?.get(rc.address) ?? null));
  }
  explained.sort((a, b) => (a.path ?? a.address).localeCompare(b.path ?? b.address));
  const counts = Object.fromEntries(PLANNED_ACTIONS.map((a) => [a, explained.filter((e) => e.action === a).length])) as Record<PlannedAction, number>;
  return { version: PLAN_EXPLANATION_VERSION, counts, connections: explained };
}

/** The explanation as text lines: one per connection (warnings indented below), then the counts. */
export function renderPlanExplanation(explanation: PlanExplanation): string[] {
  if (explanation.connections.length === 0) return ["No Octopus Deploy connection in this plan."];
  const width = Math.max(...explanation.connections.map((c) => c.action.length));
  const lines: string[] = [];
  for (const c of explanation.connections) {
    lines.push(`${c.action.padEnd(width)}  ${c.path ?? c.address} (${c.name ?? "?"}): ${c.summary}`);
    for (const w of c.warnings) lines.push(`${" ".repeat(width)}  ! ${w}`);
  }
  const n = explanation.counts;
  lines.push(
    `Connections: ${n.create} to create, ${n.update} to update, ${n.replace} to replace, ${n.delete} to delete, ${n.forget} to stop managing, ${n["no-op"]} unchanged.`,
  );
  return lines;
}

function explainOne(conn: ResourceChange, sync: ResourceChange | undefined, options: DescribePlanOptions): PlannedConnection {
  const before = declOf(conn, "before");
  const after = declOf(conn, "after");
  const unknownAfter = unknownKeysOf(conn);
  const actions = conn.change.actions;
  const decl = after ?? before!;
  const base = { address: conn.address, path: decl.path ?? null, name: decl.name ?? null };
  const warnings: string[] = [];

  if (actions.length === 1 && actions[0] === "create") {
    const scope = unknownAfter.has("project_id") ? `a project known after apply` : describeScope(decl.project_id);
    const adopt = decl.adopt_existing === "true" ? ", or adopt and update the existing connection of that name (adoptExisting)" : "";
    return { ...base, action: "create", changes: [], warnings, summary: `create in ${scope} on ${decl.kms_url}${adopt}` };
  }

  if (actions.includes("delete") && !actions.includes("create")) {
    const where = `${describeScope(before?.project_id ?? null)} on ${before?.kms_url}`;
    if (conn.action_reason === "delete_because_no_resource_config") {
      const block = options.removed?.get(conn.address);
      const retained = before?.removal_policy === "retain" && !block?.overridesRetain;
      if (options.removed && (!block || !block.destroyHook)) {
        warnings.push(
          `its construct was deleted from the code without OctopusDeployConnection.removed(): Terraform runs no hook, so the connection stays in the KMS, unmanaged. Use OctopusDeployConnection.removed(scope, "<id>") for one deploy instead.`,
        );
        return { ...base, action: "forget", changes: [], warnings, summary: `removed from the code without a hook: stays in the KMS (${where}), unmanaged` };
      }
      if (!options.removed) {
        warnings.push("removed from the code: the connection is deleted only if the code uses OctopusDeployConnection.removed() (pass --stack to check)");
      }
      return retained
        ? { ...base, action: "forget", changes: [], warnings, summary: `removed from the code; stays in the KMS (${where}): its removalPolicy is "retain"` }
        : { ...base, action: "delete", changes: [], warnings, summary: `removed from the code: delete from the KMS (${where})` };
    }
    return before?.removal_policy === "retain"
      ? { ...base, action: "forget", changes: [], warnings, summary: `destroy: stays in the KMS (${where}): its removalPolicy is "retain"` }
      : { ...base, action: "delete", changes: [], warnings, summary: `destroy: delete from the KMS (${where})` };
  }

  if (actions.length === 1 && actions[0] === "forget") {
    return { ...base, action: "forget", changes: [], warnings, summary: `stop managing it; stays in the KMS (${describeScope(before?.project_id ?? null)} on ${before?.kms_url})` };
  }

  // Field changes: the connection's declaration, then its sync resource's triggers (the
  // null_resource engine records its declaration only at creation).
  const fieldChanges = new Map<PlannedChange["field"], PlannedChange>();
  const note = (field: PlannedChange["field"], b: string | null | undefined, a: string | null | undefined, unknown = false) => {
    if (!fieldChanges.has(field) && (unknown || (b ?? null) !== (a ?? null))) fieldChanges.set(field, { field, before: b ?? null, after: unknown ? null : (a ?? null), ...(unknown ? { afterUnknown: true } : {}) });
  };
  const DECL_FIELDS = [
    ["kmsUrl", "kms_url"],
    ["projectId", "project_id"],
    ["name", "name"],
    ["description", "description"],
    ["instanceUrl", "instance_url"],
    ["renamedFrom", "renamed_from"],
    ["removalPolicy", "removal_policy"],
    ["adoptExisting", "adopt_existing"],
    ["apiKeyEnv", "api_key_env"],
  ] as const;
  if (before && after) for (const [field, key] of DECL_FIELDS) note(field, before[key], after[key], unknownAfter.has(key));
  let keyChange: "rotated" | "source" | undefined;
  if (sync && isReplace(sync.change.actions)) {
    const [tb, ta] = [triggersOf(sync, "before"), triggersOf(sync, "after")];
    note("name", tb?.name, ta?.name);
    note("description", tb?.description, ta?.description);
    note("instanceUrl", tb?.instance_url, ta?.instance_url);
    const fb = tb?.api_key_fingerprint;
    const fa = ta?.api_key_fingerprint;
    if (fb !== undefined && fa !== undefined && fb !== fa) {
      keyChange = fb?.startsWith("env:") || fa?.startsWith("env:") ? "source" : "rotated";
      fieldChanges.set("apiKey", { field: "apiKey", before: null, after: null });
    }
  }
  const changes = [...fieldChanges.values()];
  const changed = (f: PlannedChange["field"]) => fieldChanges.get(f);

  if (isReplace(actions)) {
    const reasons: string[] = [];
    for (const [field, label] of [["kmsUrl", "KMS"], ["projectId", "project"], ["name", "name"]] as const) {
      const c = changed(field);
      if (!c) continue;
      const show = (v: string | null, unknown?: boolean) => (unknown ? UNKNOWN : field === "projectId" ? describeScope(v) : JSON.stringify(v));
      reasons.push(`the ${label} changes (${show(c.before)} -> ${show(c.after, c.afterUnknown)})`);
    }
    if (conn.action_reason === "replace_because_tainted") reasons.push("a previous apply of it failed (tainted)");
    if (conn.action_reason === "replace_by_request") reasons.push("requested with -replace");
    if (reasons.length === 0) reasons.push("its identity changes");
    const next = unknownAfter.has("project_id") ? "a project known after apply" : describeScope(after?.project_id ?? null);
    const where = `${next} on ${unknownAfter.has("kms_url") ? UNKNOWN : after?.kms_url}`;
    const effect =
      before?.removal_policy === "retain"
        ? `a new connection is created in ${where}; the old one stays in the KMS (removalPolicy "retain")`
        : `the connection is deleted, then created again in ${where} with a new id`;
    const extras = describeFieldChanges(changes.filter((c) => c.field === "description" || c.field === "instanceUrl"), keyChange, after);
    return { ...base, action: "replace", changes, warnings, summary: `replace because ${reasons.join(" and ")}: ${effect}${extras.length ? `; ${extras.join("; ")}` : ""}` };
  }

  const renamed = changed("name");
  if (renamed && !renamed.afterUnknown) {
    const from = after?.renamed_from ?? null;
    if (from !== renamed.before) {
      warnings.push(
        `the name changes from ${JSON.stringify(renamed.before)} to ${JSON.stringify(renamed.after)} without renamedFrom: ${JSON.stringify(renamed.before)}: ` +
          `the hook looks for ${JSON.stringify(renamed.after)}${from ? ` and ${JSON.stringify(from)}` : ""}, finds nothing, and the apply fails while ${JSON.stringify(renamed.before)} is still in the KMS. Set renamedFrom: ${JSON.stringify(renamed.before)} to rename in place.`,
      );
    }
  }
  const parts = describeFieldChanges(changes, keyChange, after);
  if (sync?.action_reason === "replace_because_tainted") parts.push("re-apply the declaration (a previous apply of it failed)");
  if (parts.length === 0) return { ...base, action: "no-op", changes, warnings, summary: "no change" };
  const kmsRequest = changes.some((c) => c.field === "name" || c.field === "description" || c.field === "instanceUrl" || c.field === "apiKey") || parts.some((p) => p.startsWith("re-"));
  return { ...base, action: "update", changes, warnings, summary: `${parts.join("; ")}${kmsRequest ? "" : " (recorded only; no KMS request)"}` };
}

/** The changes of an in-place update, in words. */
function describeFieldChanges(changes: readonly PlannedChange[], keyChange: "rotated" | "source" | undefined, after: Decl | undefined): string[] {
  const parts: string[] = [];
  const q = (v: string | null) => (v === null ? "(none)" : JSON.stringify(v));
  for (const c of changes) {
    switch (c.field) {
      case "name":
        parts.push(
          c.before !== null && c.after !== null && after?.renamed_from === c.before
            ? `rename ${q(c.before)} -> ${q(c.after)} (same id)`
            : `name ${q(c.before)} -> ${c.afterUnknown ? UNKNOWN : q(c.after)}`,
        );
        break;
      case "description":
        parts.push(`description ${q(c.before)} -> ${c.afterUnknown ? UNKNOWN : q(c.after)}`);
        break;
      case "instanceUrl":
        parts.push(`instance URL ${q(c.before)} -> ${c.afterUnknown ? UNKNOWN : q(c.after)} (credentials re-validated by the KMS)`);
        break;
      case "apiKey":
        parts.push(keyChange === "source" ? "API key source changes (apiKey / apiKeyEnv): the key is sent again" : "rotate the API key (the new key is sent and validated)");
        break;
      case "removalPolicy":
        parts.push(`removalPolicy ${q(c.before)} -> ${q(c.after)}`);
        break;
      case "adoptExisting":
        parts.push(`adoptExisting ${c.before} -> ${c.after}`);
        break;
      case "apiKeyEnv":
        parts.push(`apiKeyEnv ${q(c.before)} -> ${q(c.after)}`);
        break;
      default:
        break; // kmsUrl and projectId only change with a replacement; renamedFrom alone changes nothing
    }
  }
  return parts;
}

function isReplace(actions: readonly string[]): boolean {
  return actions.includes("delete") && actions.includes("create");
}

/** The connection resource's declaration on one side of the change, normalized to strings and nulls. */
function declOf(rc: ResourceChange, side: "before" | "after"): Decl | undefined {
  const value = rc.change[side];
  if (!isRecord(value)) return undefined;
  const raw = rc.type === "null_resource" ? value.triggers : value.input;
  if (!isRecord(raw)) return undefined;
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, v === null || v === undefined || (rc.type === "null_resource" && NULLABLE.has(k) && v === "") ? null : String(v)]),
  );
}

/** Keys of the connection's declaration that Terraform knows only after apply. */
function unknownKeysOf(rc: ResourceChange): Set<string> {
  const au = rc.change.after_unknown;
  const key = rc.type === "null_resource" ? "triggers" : "input";
  const inner = isRecord(au) ? au[key] : undefined;
  if (inner === true) return new Set(["project_id", "kms_url", "name", "description", "instance_url"]);
  return new Set(isRecord(inner) ? Object.entries(inner).filter(([, v]) => v === true).map(([k]) => k) : []);
}

/** The triggers of a hook resource on one side of the change. */
function triggersOf(rc: ResourceChange | undefined, side: "before" | "after"): Readonly<Record<string, string | null>> | undefined {
  const value = rc?.change[side];
  if (!isRecord(value)) return undefined;
  const raw = value[rc!.type === "null_resource" ? "triggers" : "triggers_replace"];
  if (!isRecord(raw)) return undefined;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]));
}

function idOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.id === "string" ? value.id : undefined;
}

/** Resource address -> addresses its configuration refers to (root module). */
function configReferences(plan: Json): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const resources = (plan.configuration as { root_module?: { resources?: unknown } } | undefined)?.root_module?.resources;
  if (!Array.isArray(resources)) return out;
  for (const r of resources) {
    if (!isRecord(r) || typeof r.address !== "string" || !isRecord(r.expressions)) continue;
    const refs: string[] = [];
    for (const attr of ["triggers_replace", "triggers"]) {
      const e = r.expressions[attr];
      if (isRecord(e) && Array.isArray(e.references)) refs.push(...e.references.filter((x): x is string => typeof x === "string"));
    }
    out.set(r.address, refs);
  }
  return out;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
