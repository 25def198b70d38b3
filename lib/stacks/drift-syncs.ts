/**
 * Drift of the Octopus Deploy secret syncs the stacks declare (`hanzokms_octopus_deploy_secret_sync`):
 * each declaration is matched with the live sync by the id in the state (as Terraform would), else by
 * name in its project, and the fields a user declares are compared with what the KMS holds (the
 * provider's own mapping of a live sync to attributes, kmsFields, so drift and the provider's plan
 * agree). The connection is compared when its id is known: a literal, the id of the live connection
 * the connection drift matched for a `${hanzokms_octopus_deploy_connection.X.id}` reference, or the
 * state. One list request per (KMS, project); a failed last sync is reported as a detail.
 */
import type { DeclaredSync, SynthesizedStack } from "./declarations";
import { PROVIDER_CONNECTION_TYPE, declaredSyncs } from "./declarations";
import type { DriftEntry, DriftStatus } from "./drift";
import type { StateOf } from "./drift-resolve";
import { declaredEntry, joinDetails, unmanagedEntry } from "./drift-entry";
import { decodeConfigString } from "./terraform-values";
import { KmsApiError, KmsResponseError, KmsUnavailableError } from "../kms/errors";
import type { SecretSync } from "../kms/sync-schemas";
import { SYNC_ATTRIBUTES } from "../provider/resources/octopus-deploy-secret-sync/schema";
import { kmsFields } from "../provider/resources/octopus-deploy-secret-sync/state";
import { SCOPE_VALUE_KEYS } from "../shared/sync-rules";
import { terraformIn } from "./terraform-command";

/** The part of the KMS sync client drift uses. */
export interface SyncListApi {
  listSyncs(projectId: string): Promise<SecretSync[]>;
}

/** A compared sync field, named as the construct's props name it. */
export type SyncField =
  | "name"
  | "description"
  | "connection"
  | "environment"
  | "secretPath"
  | "destination.spaceId"
  | "destination.projectId"
  | `destination.scopeValues.${(typeof SCOPE_VALUE_KEYS)[number]}`
  | "syncOptions.keySchema"
  | "syncOptions.disableSecretDeletion"
  | "syncOptions.initialSyncBehavior"
  | "autoSyncEnabled";

/** A value of a sync field (lists are Octopus scope values). */
export type SyncValue = string | boolean | readonly string[] | null;

/** A field where the live sync differs from the declaration. */
export interface SyncDifference {
  readonly field: SyncField;
  readonly declared: SyncValue;
  readonly live: SyncValue;
}

/** The compared attributes (provider schema names) and the prop each one is. */
export const SYNC_FIELDS: readonly (readonly [attribute: string, field: SyncField])[] = [
  ["name", "name"],
  ["description", "description"],
  ["connection_id", "connection"],
  ["environment", "environment"],
  ["secret_path", "secretPath"],
  ["destination_space_id", "destination.spaceId"],
  ["destination_project_id", "destination.projectId"],
  ...SCOPE_VALUE_KEYS.map((k) => [`scope_${k}`, `destination.scopeValues.${k}`] as const),
  ["key_schema", "syncOptions.keySchema"],
  ["disable_secret_deletion", "syncOptions.disableSecretDeletion"],
  ["initial_sync_behavior", "syncOptions.initialSyncBehavior"],
  ["auto_sync_enabled", "autoSyncEnabled"],
];

/** A declared sync with its values resolved. */
export interface ResolvedSync {
  readonly decl: DeclaredSync;
  readonly kmsUrl: string;
  readonly projectId: string;
  readonly name: string;
  /** Declared value of each compared attribute; connection_id is absent when its id is not known. */
  readonly values: ReadonlyMap<string, SyncValue>;
  /** Attributes that came from the state. */
  readonly fromState: readonly string[];
  /** The KMS id the state records (null: no state, or not deployed). */
  readonly stateId: string | null;
}

type Decoded = { readonly known: true; readonly value: SyncValue } | { readonly known: false; readonly expression: string };

const CONNECTION_REFERENCE = new RegExp(`^\\$\\{(${PROVIDER_CONNECTION_TYPE}\\.[^.}]+)\\.id\\}$`);

/** Decodes one synthesized attribute by its schema type; an unset one is its schema default (else null). */
function decode(attribute: string, raw: unknown): Decoded {
  const type = SYNC_ATTRIBUTES[attribute]?.type;
  if (raw === undefined || raw === null) return { known: true, value: (SYNC_ATTRIBUTES[attribute]?.default as SyncValue | undefined) ?? null };
  if (type === "bool") return typeof raw === "boolean" ? { known: true, value: raw } : { known: false, expression: String(raw) };
  if (Array.isArray(type)) {
    if (!Array.isArray(raw)) return { known: false, expression: String(raw) };
    const items = raw.map((item) => (typeof item === "string" ? decodeConfigString(item) : { known: false as const, expression: JSON.stringify(item) }));
    return items.every((i) => i.known) ? { known: true, value: items.map((i) => (i as { value: string }).value) } : { known: false, expression: JSON.stringify(raw) };
  }
  return typeof raw === "string" ? decodeConfigString(raw) : { known: true, value: String(raw) };
}

/** A state attribute of the attribute's type (null for an unset optional one), or undefined. */
function fromStateValue(attribute: string, value: unknown): SyncValue | undefined {
  const type = SYNC_ATTRIBUTES[attribute]?.type;
  if (value === null) return SYNC_ATTRIBUTES[attribute]?.required ? undefined : null;
  if (type === "bool") return typeof value === "boolean" ? value : undefined;
  if (Array.isArray(type)) return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
  return typeof value === "string" ? value : undefined;
}

/**
 * Resolves a declared sync: literals as synthesized, references from the state (the provider
 * resource's attributes), the connection id as described above. Unresolved fields (but the
 * connection) make it unresolved.
 */
export async function resolveSync(
  decl: DeclaredSync,
  stateOf: StateOf,
  connectionIdOf: (address: string) => string | undefined,
): Promise<ResolvedSync | { readonly unresolved: string; readonly partial: Partial<Pick<ResolvedSync, "name" | "kmsUrl" | "projectId">> }> {
  const stateResult = await stateOf(decl.stack);
  const recorded = stateResult.state?.resources.get(decl.address);
  const values = new Map<string, SyncValue>();
  const fromState: string[] = [];
  const unresolved: string[] = [];
  for (const attribute of ["project_id", ...SYNC_FIELDS.map(([a]) => a)]) {
    const raw = decl.attributes[attribute];
    const decoded = decode(attribute, raw);
    if (decoded.known) {
      values.set(attribute, decoded.value);
      continue;
    }
    const reference = attribute === "connection_id" && typeof raw === "string" ? CONNECTION_REFERENCE.exec(raw) : null;
    if (reference) {
      const id = connectionIdOf(reference[1]!); // its live connection, as the connection drift matched it
      if (id !== undefined) values.set(attribute, id);
      continue;
    }
    const applied = recorded ? fromStateValue(attribute, recorded[attribute]) : undefined;
    if (applied !== undefined) {
      values.set(attribute, applied);
      fromState.push(attribute);
    } else if (attribute !== "connection_id") {
      unresolved.push(`${decoded.expression} (${attribute})`);
    }
  }
  const kmsUrl = decl.kmsUrl?.known ? decl.kmsUrl.value : undefined;
  const text = (attribute: string) => {
    const v = values.get(attribute);
    return typeof v === "string" ? v : undefined;
  };
  const partial = { name: text("name"), kmsUrl, projectId: text("project_id") };
  if (unresolved.length || partial.name === undefined || partial.projectId === undefined || kmsUrl === undefined) {
    const missing = kmsUrl === undefined ? [decl.kmsUrl ? `${(decl.kmsUrl as { expression: string }).expression} (the provider's kms_url)` : "the provider's kms_url (no hanzokms provider block)"] : [];
    const why = stateResult.state ? `the state (${stateResult.state.source}) has no applied value for it: deploy first` : stateResult.reason;
    return { unresolved: `unresolved reference: ${[...unresolved, ...missing].join(", ") || "a required field is missing"}; ${why}`, partial };
  }
  return {
    decl,
    kmsUrl,
    projectId: partial.projectId,
    name: partial.name,
    values,
    fromState,
    stateId: typeof recorded?.id === "string" && recorded.id ? recorded.id : null,
  };
}

/** An empty description, list or key schema is the same as none (the KMS stores either). */
function normal(value: SyncValue): SyncValue {
  return value === "" || (Array.isArray(value) && value.length === 0) ? null : value;
}

/** The declared fields (those in `values`) where `live` differs, in {@link SYNC_FIELDS} order. */
export function syncDifferences(values: ReadonlyMap<string, SyncValue>, live: SecretSync): SyncDifference[] {
  const actual = kmsFields(live);
  const out: SyncDifference[] = [];
  for (const [attribute, field] of SYNC_FIELDS) {
    if (!values.has(attribute)) continue;
    const declared = normal(values.get(attribute)!);
    const current = normal((actual[attribute] ?? null) as SyncValue);
    if (JSON.stringify(declared) !== JSON.stringify(current)) out.push({ field, declared, live: current });
  }
  return out;
}

/** A failed last sync, as one sentence (null when the last sync did not fail). */
export function failedSyncDetail(live: SecretSync): string | null {
  if (live.syncStatus !== "failed") return null;
  const message = (live.lastSyncMessage ?? "(no message)").replace(/\s+/g, " ").trim();
  return `its last sync failed: ${message.length > 300 ? `${message.slice(0, 297)}...` : message}; fix the cause, then run \`npx cdktf-kms-octopus sync ${live.name} --project-id ${live.projectId}\` (or apply)`;
}

/** What {@link checkSyncs} needs. */
export interface SyncCheckOptions {
  readonly stacks: readonly SynthesizedStack[];
  /** A sync client for a KMS URL. */
  readonly clientFor: (kmsUrl: string) => SyncListApi;
  readonly stateOf: StateOf;
  /** The live id of a connection a stack declares (by its address), when the connection drift matched one. */
  readonly connectionIdOf: (stack: SynthesizedStack, address: string) => string | undefined;
  /** Also report syncs in the same projects that no stack declares. */
  readonly unmanaged: boolean;
  /** Sends one KMS request (counted, with progress); `total` grows by the requests announced first. */
  readonly track: <T>(what: string, request: () => Promise<T>) => Promise<T>;
  /** Announces requests to come (for progress). */
  readonly announce: (requests: number) => void;
}

type ProjectResult = { readonly live: readonly SecretSync[] } | { readonly projectMissing: true } | { readonly error: string };

/** The drift entries of every declared sync (and, when asked, the unmanaged ones). */
export async function checkSyncs(options: SyncCheckOptions): Promise<DriftEntry[]> {
  const entries: DriftEntry[] = [];
  const resolved: ResolvedSync[] = [];
  for (const stack of options.stacks) {
    for (const decl of declaredSyncs(stack)) {
      const r = await resolveSync(decl, options.stateOf, (address) => options.connectionIdOf(stack, address));
      if ("unresolved" in r) entries.push(syncEntry(decl, "unknown", r.partial, null, [], r.unresolved, null));
      else resolved.push(r);
    }
  }
  if (!resolved.length) return entries;

  // One list request per (KMS, project).
  const scopes = new Map<string, ResolvedSync[]>();
  for (const r of resolved) scopes.set(key(r), [...(scopes.get(key(r)) ?? []), r]);
  options.announce(scopes.size);
  const clients = new Map<string, SyncListApi>();
  const results = new Map<string, ProjectResult>();
  for (const [k, members] of scopes) {
    const { kmsUrl, projectId } = members[0]!;
    const client = clients.get(kmsUrl) ?? clients.set(kmsUrl, options.clientFor(kmsUrl)).get(kmsUrl)!;
    try {
      results.set(k, { live: await options.track(`${kmsUrl} secret syncs of project ${projectId}`, () => client.listSyncs(projectId)) });
    } catch (err) {
      if (err instanceof KmsApiError && err.status === 404) results.set(k, { projectMissing: true });
      else if (err instanceof KmsApiError || err instanceof KmsUnavailableError || err instanceof KmsResponseError) results.set(k, { error: err.message });
      else throw err;
    }
  }

  // Match by the id in the state, then by name among the syncs no declaration claims.
  const claimed = new Set<string>();
  const matches = new Map<ResolvedSync, SecretSync>();
  const match = (r: ResolvedSync, found: (s: SecretSync) => boolean) => {
    const result = results.get(key(r))!;
    if (matches.has(r) || !("live" in result)) return;
    const live = result.live.find((s) => !claimed.has(s.id) && found(s));
    if (live) {
      matches.set(r, live);
      claimed.add(live.id);
    }
  };
  for (const r of resolved) if (r.stateId) match(r, (s) => s.id === r.stateId);
  for (const r of resolved) match(r, (s) => s.name === r.name);

  for (const r of resolved) {
    const result = results.get(key(r))!;
    const fromState = r.fromState.length ? `${r.fromState.join(", ")} read from the state` : null;
    if ("error" in result) {
      entries.push(syncEntry(r.decl, "error", r, null, [], result.error, null));
      continue;
    }
    if ("projectMissing" in result) {
      entries.push(syncEntry(r.decl, "missing", r, null, [], joinDetails(`project ${r.projectId} does not exist in the KMS at ${r.kmsUrl}`, fromState), null));
      continue;
    }
    const live = matches.get(r);
    if (live) {
      const differences = syncDifferences(r.values, live);
      const renamed = live.name === r.name ? null : `the live sync (id ${live.id}) has another name: the next apply renames it (same id)`;
      entries.push(syncEntry(r.decl, differences.length ? "drifted" : "in-sync", r, live.id, differences, joinDetails(renamed, failedSyncDetail(live), fromState), live.syncStatus ?? null));
      continue;
    }
    entries.push(syncEntry(r.decl, "missing", r, null, [], joinDetails(await whySyncMissing(r, options.stateOf), fromState), null));
  }

  if (options.unmanaged) {
    for (const [k, members] of scopes) {
      const { kmsUrl, projectId } = members[0]!;
      const result = results.get(k)!;
      if (!("live" in result)) continue;
      for (const s of result.live) {
        if (claimed.has(s.id)) continue;
        entries.push(unmanagedEntry("sync", s, kmsUrl, projectId, `no stack declares it: adopt it with \`npx cdktf-kms-octopus import --project ${projectId}\`, or delete it`, { syncStatus: s.syncStatus ?? null }));
      }
    }
  }
  return entries;
}

/** Why a declared sync is not in the KMS, and what to do. */
async function whySyncMissing(r: ResolvedSync, stateOf: StateOf): Promise<string> {
  const where = `no secret sync "${r.name}"${r.stateId ? ` (nor id ${r.stateId})` : ""} in project ${r.projectId}`;
  const { state, reason } = await stateOf(r.decl.stack);
  if (state?.resources.has(r.decl.address)) {
    return `${where}, although the state says it was deployed: it was deleted outside Terraform. The provider sees it at the next refresh: ${terraformIn(r.decl.stack.dir, "apply")} creates it again`;
  }
  if (state) return `${where}: not deployed yet (the state has no ${r.decl.address}); the next apply creates it`;
  return `${where} (${reason})`;
}

function key(r: Pick<ResolvedSync, "kmsUrl" | "projectId">): string {
  return `${r.kmsUrl}\n${r.projectId}`;
}

/** A line for a declared sync, with the live sync's last status. */
function syncEntry(
  decl: DeclaredSync,
  status: DriftStatus,
  values: Partial<Pick<ResolvedSync, "name" | "kmsUrl" | "projectId">>,
  id: string | null,
  differences: readonly SyncDifference[],
  detail: string | null,
  syncStatus: string | null,
): DriftEntry {
  return declaredEntry("sync", decl, status, values, id, differences, detail, { syncStatus });
}
