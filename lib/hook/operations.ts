/**
 * What each lifecycle hook does against the KMS. Request counts (kms-api.md routes):
 * apply of a connection new in this apply: 1 POST (+1 GET on a name conflict, +1 PATCH when adopting
 * a differing connection); apply of a changed connection: 1 GET (+1 GET by `renamedFrom`) and 1 PATCH,
 * or, when it is missing, 1 list + 1 POST; delete: 1 GET + 1 DELETE. A deploy that changes nothing
 * runs no hook.
 */
import { Declaration } from "./event";
import { ConfigError, KmsApiError } from "../kms/errors";
import { Connection, OCTOPUS_METHOD, UpdateConnectionBody } from "../kms/schemas";
import type { KmsClient } from "../kms/client";
import { describeScope } from "../shared/scope";

/** The part of the KMS client the operations use (tests pass fakes of it). */
export type ConnectionApi = Pick<KmsClient, "getByName" | "list" | "create" | "update" | "delete">;

/** What an operation did. */
export interface Outcome {
  /** The action, as printed. */
  readonly action: "created" | "re-created" | "adopted" | "updated" | "renamed" | "deleted" | "already gone" | "retained";
  /** The connection as the KMS last returned it, when there is one. */
  readonly connection?: Connection;
  /** Which fields were sent, for updates. */
  readonly fields?: readonly string[];
}

/** Inputs every operation gets. */
export interface OperationInput {
  /** KMS access. */
  readonly api: ConnectionApi;
  /** The declared connection. */
  readonly decl: Declaration;
  /** The Octopus API key; read lazily, only when credentials are sent. */
  readonly apiKey: () => string;
}

/** Create: POST; on a name conflict, adopt the existing connection if it matches (or `adoptExisting`). */
export async function createConnection({ api, decl, apiKey }: OperationInput): Promise<Outcome> {
  try {
    const connection = await api.create({
      name: decl.name,
      ...(decl.description !== null ? { description: decl.description } : {}),
      ...(decl.projectId ? { projectId: decl.projectId } : {}),
      method: OCTOPUS_METHOD,
      credentials: { instanceUrl: decl.instanceUrl, apiKey: apiKey() },
    });
    return { action: "created", connection };
  } catch (err) {
    if (!(err instanceof KmsApiError && err.isNameConflict)) throw err;
  }
  // The name is taken: a retried create whose first response was lost, or someone else's connection.
  const existing = await api.getByName(decl.name, decl.projectId);
  if (!existing) throw new Error(`the KMS reported that "${decl.name}" exists in ${scopeOf(decl)}, but it cannot be read back; run the deploy again.`);
  const differences = differencesFrom(existing, decl);
  if (differences.length === 0) return { action: "adopted", connection: existing };
  if (!decl.adoptExisting) {
    throw new ConfigError(
      `a connection named "${decl.name}" already exists in ${scopeOf(decl)} (id ${existing.id}) and differs from the declaration ` +
        `(${differences.map(describeDifference).join("; ")}). Nothing was changed. Set adoptExisting: true on ${decl.path} ` +
        `to take it over and apply the declaration (its API key is replaced too), or choose another name.`,
    );
  }
  const connection = await api.update(existing.id, {
    description: decl.description,
    credentials: { instanceUrl: decl.instanceUrl, apiKey: apiKey() },
  });
  return { action: "adopted", connection, fields: [...differences.map((d) => d.field), "apiKey"] };
}

/** What the apply hook knows beyond the declaration. */
export interface ApplyFlags {
  /** The connection resource was created by this same apply: the connection is new, so POST first. */
  readonly newInThisApply: boolean;
  /** Names of every connection the stack declares (a missing connection's look-alike is not one of them). */
  readonly declaredNames: ReadonlySet<string>;
}

/**
 * The sync resource's create hook, run when the connection is new or any of its fields (name,
 * description, instance URL, API key) changed: a new connection is created with one POST; a changed
 * one is looked up and updated (see {@link updateConnection}). Either way round is correct: a POST
 * whose name is taken falls back to adopting, an update that finds nothing creates.
 */
export async function applyConnection(input: OperationInput, flags: ApplyFlags): Promise<Outcome> {
  return flags.newInThisApply ? createConnection(input) : updateConnection(input, flags.declaredNames);
}

/**
 * Update: find the connection (by name, else by `renamedFrom`) and PATCH name and description where
 * they differ, and the credentials always (the KMS re-validates them with Octopus): the hook cannot
 * tell whether the API key changed, since the KMS never returns it, and re-sending is what keeps a
 * rotated key and the KMS in step.
 */
async function updateConnection(input: OperationInput, declaredNames: ReadonlySet<string>): Promise<Outcome> {
  const { api, decl, apiKey } = input;
  let live = await api.getByName(decl.name, decl.projectId);
  let renamed = false;
  if (!live && decl.renamedFrom) {
    live = await api.getByName(decl.renamedFrom, decl.projectId);
    renamed = live !== undefined;
  }
  if (!live) return recreateMissing(input, declaredNames);

  const changed = new Set(differencesFrom(live, decl).map((d) => d.field));
  const patch: UpdateConnectionBody = {
    ...(changed.has("name") ? { name: decl.name } : {}),
    ...(changed.has("description") ? { description: decl.description } : {}),
    credentials: { instanceUrl: decl.instanceUrl, apiKey: apiKey() },
  };
  const fields = [...(["name", "description"] as const).filter((f) => changed.has(f)), changed.has("instanceUrl") ? "instanceUrl" : "credentials"];
  const connection = await api.update(live.id, patch);
  return { action: renamed ? "renamed" : "updated", connection, fields };
}

/**
 * The connection is not in the KMS under its name (nor under `renamedFrom`). Either `name` was changed
 * in code without `renamedFrom`: then the old connection is still in the scope, with the same instance
 * URL and description and a name the stack no longer declares; refuse, change nothing, and name it.
 * Or it does not exist: deleted outside Terraform, or a deploy was killed after Terraform recorded the
 * connection resource but before the POST. Then it is created again, so that the next deploy after an
 * interrupted one converges. Connections the stack declares are never taken for the old name: after
 * an interrupted deploy several siblings of one Octopus instance look alike.
 */
async function recreateMissing(input: OperationInput, declaredNames: ReadonlySet<string>): Promise<Outcome> {
  const { api, decl } = input;
  const lookalike = (await api.list(decl.projectId)).find(
    (c) => (c.projectId ?? undefined) === decl.projectId && !declaredNames.has(c.name) && differencesFrom(c, decl).every((d) => d.field === "name"),
  );
  if (lookalike) throw new ConfigError(notFoundMessage(decl, lookalike.name));
  const created = await createConnection(input);
  return { ...created, action: "re-created" };
}

/** Delete: find by name (or `renamedFrom`, if a rename never applied) and DELETE; gone already is fine. */
export async function deleteConnection({ api, decl }: OperationInput): Promise<Outcome> {
  if (decl.removalPolicy === "retain") return { action: "retained" };
  let live = await api.getByName(decl.name, decl.projectId);
  if (!live && decl.renamedFrom) live = await api.getByName(decl.renamedFrom, decl.projectId);
  if (!live) return { action: "already gone" };
  const deleted = await api.delete(live.id);
  return deleted ? { action: "deleted", connection: deleted } : { action: "already gone", connection: live };
}

/** Human description of the scope of a declaration. */
export function scopeOf(decl: Pick<Declaration, "projectId">): string {
  return describeScope(decl.projectId);
}

/** A field where a live connection differs from the declaration (credentials are never readable). */
export interface Difference {
  /** Field name. */
  readonly field: "name" | "description" | "instanceUrl";
  /** Declared value. */
  readonly declared: string | null;
  /** Live value. */
  readonly live: string | null;
}

/** Fields in which `live` differs from `decl` (the API key cannot be compared: the KMS never returns it). */
export function differencesFrom(live: Connection, decl: Pick<Declaration, "name" | "description" | "instanceUrl">): Difference[] {
  const out: Difference[] = [];
  if (live.name !== decl.name) out.push({ field: "name", declared: decl.name, live: live.name });
  if (normalizeDescription(live.description) !== normalizeDescription(decl.description)) {
    out.push({ field: "description", declared: decl.description, live: live.description ?? null });
  }
  if (live.credentials.instanceUrl !== decl.instanceUrl) out.push({ field: "instanceUrl", declared: decl.instanceUrl, live: live.credentials.instanceUrl });
  return out;
}

/** One difference as text. */
export function describeDifference(d: Difference): string {
  return `${d.field}: declared ${JSON.stringify(d.declared)}, live ${JSON.stringify(d.live)}`;
}

/** The KMS stores "" and null alike for "no description". */
function normalizeDescription(value: string | null | undefined): string {
  return value ?? "";
}

function notFoundMessage(decl: Declaration, lookalike: string): string {
  return (
    `no connection named "${decl.name}" exists in ${scopeOf(decl)}, although ${decl.path} created one in an earlier deploy, and "${lookalike}" there has the same instance URL and description. Nothing was changed. ` +
    `If you renamed it in code, set renamedFrom: "${lookalike}" (its previous name): the connection is then renamed in place and keeps its id. ` +
    `If it was deleted outside Terraform (check with: npx cdktf-kms-octopus get ${decl.name}${decl.projectId ? ` --project ${decl.projectId}` : ""} --kms-url ${decl.kmsUrl}), ` +
    `create it again by replacing its resource: terraform apply -replace='${decl.address}' in the stack's directory under cdktf.out/stacks.`
  );
}
