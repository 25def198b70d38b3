/**
 * Drift: what the synthesized stacks declare, compared with what the KMS has, for every engine.
 * With the hook engines Terraform cannot see a change made in the KMS UI (no provider reads the
 * connection); with the provider engine Terraform's own plan shows it, and this command still gives
 * the same report for all engines (a provider-engine connection is matched by the id in the state,
 * else by name). It reads both sides itself. KMS reads are one list request per (KMS, scope), plus one
 * organization-wide list per KMS when a connection is missing; never one per connection: the KMS
 * allows 60 reads a minute. Secret syncs (drift-syncs.ts) are entries of kind "sync" in the same
 * report: one list request per (KMS, project) they are declared in.
 */
import { SynthesizedStack, declaredConnections } from "./declarations";
import { Resolved, resolveDeclaration, whyMissing } from "./drift-resolve";
import { SyncField, SyncListApi, SyncValue, checkSyncs } from "./drift-syncs";
import { declaredEntry, joinDetails, unmanagedEntry } from "./drift-entry";
import { StateResult, readStackState } from "./state";
import { differencesFrom } from "../hook/operations";
import { KmsApiError, KmsResponseError, KmsUnavailableError } from "../kms/errors";
import { Connection } from "../kms/schemas";
import { describeScope } from "../shared/scope";

/** Drift report format version (bump on an incompatible change of {@link DriftReport}). */
export const DRIFT_REPORT_VERSION = 1;

/** What was found for one connection. */
export type DriftStatus = "in-sync" | "drifted" | "missing" | "unmanaged" | "unknown" | "error";
/** Every status, in report order. */
export const DRIFT_STATUSES: readonly DriftStatus[] = ["in-sync", "drifted", "missing", "unmanaged", "unknown", "error"];

/** A field where the KMS differs from the declaration. */
export interface DriftDifference {
  /**
   * Connections: "name", "description", "instanceUrl", or "scope" (the connection lives in another
   * scope; values are project ids, null meaning the organization). Syncs: the prop's name
   * ({@link SyncField}, such as "secretPath" or "syncOptions.keySchema").
   */
  readonly field: "name" | "description" | "instanceUrl" | "scope" | SyncField;
  /** Strings for connections; syncs also have booleans and lists (scope values). */
  readonly declared: SyncValue;
  readonly live: SyncValue;
}

/** What an entry is about. */
export type DriftKind = "connection" | "sync";

/** One line of the report. Declared connections and syncs have stack, address and path; unmanaged ones do not. */
export interface DriftEntry {
  /** An OctopusDeployConnection, or an OctopusDeploySecretSync. */
  readonly kind: DriftKind;
  readonly status: DriftStatus;
  /** Declared name (live name for unmanaged connections). */
  readonly name: string | null;
  /** KMS base URL (null when it could not be resolved). */
  readonly kmsUrl: string | null;
  /** Declared project id; null for the organization (for status "unknown": or not resolved, see detail). */
  readonly projectId: string | null;
  readonly stack: string | null;
  readonly stackDir: string | null;
  /** Terraform address of the connection resource. */
  readonly address: string | null;
  /** Construct path. */
  readonly path: string | null;
  /** Id of the live connection, when there is one. */
  readonly id: string | null;
  readonly differences: readonly DriftDifference[];
  /** One sentence: why unknown, the error, where a missing connection went, what to do (for a sync, also a failed last sync). */
  readonly detail: string | null;
  /** Syncs only: the KMS's status of the live sync's last job ("succeeded", "failed", ...; null before the first). */
  readonly syncStatus?: string | null;
}

/** The result of a drift check; `--json` prints exactly this. */
export interface DriftReport {
  readonly version: typeof DRIFT_REPORT_VERSION;
  /** 0 in sync, 2 drift (drifted, missing, or unmanaged when asked for), 1 when some connection could not be checked. */
  readonly exitCode: 0 | 1 | 2;
  /** Count of entries per status. */
  readonly summary: Readonly<Record<DriftStatus, number>>;
  /** KMS list requests sent. */
  readonly requests: number;
  /** Every entry: connections and secret syncs (see `kind`). */
  readonly connections: readonly DriftEntry[];
}

/** The part of the KMS client drift uses. */
export interface ListApi {
  list(projectId?: string): Promise<Connection[]>;
}

/** Options of {@link detectDrift}. */
export interface DriftOptions {
  /** The stacks to check. */
  readonly stacks: readonly SynthesizedStack[];
  /** A client for a KMS URL (errors thrown here, such as missing credentials, abort the check). */
  readonly clientFor: (kmsUrl: string) => ListApi;
  /** A secret-sync client for a KMS URL; needed when a stack declares a sync. @default - none: a declared sync throws */
  readonly syncClientFor?: (kmsUrl: string) => SyncListApi;
  /** Also report connections in the same scopes that no stack declares (they count as drift). @default false */
  readonly unmanaged?: boolean;
  /** Progress after each KMS request. @default - none */
  readonly onProgress?: (done: number, total: number, what: string) => void;
  /** Reads a stack's state. @default readStackState */
  readonly readState?: (stack: SynthesizedStack) => Promise<StateResult>;
}

/** A scope's live connections, or why they could not be read. */
type ScopeResult = { readonly live: readonly Connection[] } | { readonly projectMissing: true } | { readonly error: string };

/** Checks the stacks against the KMS. */
export async function detectDrift(options: DriftOptions): Promise<DriftReport> {
  const readState = options.readState ?? ((stack: SynthesizedStack) => readStackState(stack));
  const states = new Map<SynthesizedStack, Promise<StateResult>>();
  const stateOf = (stack: SynthesizedStack) => {
    let s = states.get(stack);
    if (!s) states.set(stack, (s = readState(stack)));
    return s;
  };

  const entries: DriftEntry[] = [];
  const resolved: Resolved[] = [];
  for (const stack of options.stacks) {
    for (const decl of declaredConnections(stack)) {
      const r = await resolveDeclaration(decl, stateOf);
      if ("unresolved" in r) entries.push(declaredEntry("connection", decl, "unknown", r.partial, null, [], r.unresolved));
      else resolved.push(r);
    }
  }

  // One list request per (KMS, scope).
  const scopes = groupBy(resolved, (r) => scopeKey(r.kmsUrl, r.projectId));
  const orgWide = new Map<string, readonly Connection[] | null>(); // per KMS: every connection, all scopes
  const clients = new Map<string, ListApi>();
  const clientOf = (kmsUrl: string) => clients.get(kmsUrl) ?? clients.set(kmsUrl, options.clientFor(kmsUrl)).get(kmsUrl)!;
  let requests = 0;
  let done = 0;
  let total = scopes.size;
  const track = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    requests++;
    try {
      return await request();
    } finally {
      options.onProgress?.(++done, total, what);
    }
  };
  const list = (kmsUrl: string, projectId: string | null): Promise<Connection[]> => track(`${kmsUrl} ${describeScope(projectId)}`, () => clientOf(kmsUrl).list(projectId ?? undefined));
  const results = new Map<string, ScopeResult>();
  for (const [key, members] of scopes) {
    const { kmsUrl, projectId } = members[0]!;
    try {
      const all = await list(kmsUrl, projectId);
      // Without a projectId the KMS lists every connection of the organization, project ones included.
      if (projectId === null) orgWide.set(kmsUrl, all);
      results.set(key, { live: projectId === null ? all.filter((c) => !c.projectId) : all });
    } catch (err) {
      if (err instanceof KmsApiError && err.status === 404 && projectId !== null) results.set(key, { projectMissing: true });
      else if (err instanceof KmsApiError || err instanceof KmsUnavailableError || err instanceof KmsResponseError) results.set(key, { error: err.message });
      else throw err;
    }
  }

  // Match by the id in the state (provider engine), then by name, then by renamedFrom among the
  // connections no declaration claims.
  const claimed = new Set<string>();
  const matches = new Map<Resolved, Connection>();
  for (const r of resolved) {
    const result = results.get(scopeKey(r.kmsUrl, r.projectId))!;
    if (!("live" in result) || !r.stateId) continue;
    const live = result.live.find((c) => c.id === r.stateId);
    if (live) {
      matches.set(r, live);
      claimed.add(live.id);
    }
  }
  for (const r of resolved) {
    const result = results.get(scopeKey(r.kmsUrl, r.projectId))!;
    if (matches.has(r) || !("live" in result)) continue;
    const live = result.live.find((c) => c.name === r.name && !claimed.has(c.id));
    if (live) {
      matches.set(r, live);
      claimed.add(live.id);
    }
  }
  for (const r of resolved) {
    const result = results.get(scopeKey(r.kmsUrl, r.projectId))!;
    if (matches.has(r) || !("live" in result) || !r.renamedFrom) continue;
    const live = result.live.find((c) => c.name === r.renamedFrom && !claimed.has(c.id));
    if (live) {
      matches.set(r, live);
      claimed.add(live.id);
    }
  }

  // A connection missing from its scope may exist in another one (deleted and re-created by hand at
  // another level): one org-wide list per KMS, only when something is missing; best effort.
  const missing = resolved.filter((r) => !matches.has(r) && "live" in results.get(scopeKey(r.kmsUrl, r.projectId))!);
  for (const kmsUrl of new Set(missing.map((r) => r.kmsUrl))) {
    if (orgWide.has(kmsUrl)) continue;
    total++;
    try {
      orgWide.set(kmsUrl, await list(kmsUrl, null));
    } catch {
      orgWide.set(kmsUrl, null); // e.g. an identity that may only read its project: report "missing"
    }
  }

  for (const r of resolved) {
    const result = results.get(scopeKey(r.kmsUrl, r.projectId))!;
    const fromState = r.fromState.length ? `${r.fromState.join(", ")} read from the state` : null;
    if ("error" in result) {
      entries.push(resolvedEntry(r, "error", null, [], result.error));
      continue;
    }
    if ("projectMissing" in result) {
      entries.push(resolvedEntry(r, "missing", null, [], joinDetails(`project ${r.projectId} does not exist in the KMS at ${r.kmsUrl}`, fromState)));
      continue;
    }
    const live = matches.get(r);
    if (live) {
      const differences = differencesFrom(live, r).map(({ field, declared, live: l }) => ({ field, declared, live: l }));
      const renamePending =
        live.name === r.name
          ? null
          : r.decl.engine !== "provider"
            ? `the live connection still has the previous name "${live.name}" (renamedFrom): the next apply renames it`
            : r.stateName === live.name
              ? `the live connection (id ${live.id}) still has the previous name "${live.name}": the next apply renames it (same id)`
              : `the live connection (id ${live.id}) was renamed outside Terraform: the next apply renames it back`;
      entries.push(resolvedEntry(r, differences.length ? "drifted" : "in-sync", live.id, differences, joinDetails(renamePending, fromState)));
      continue;
    }
    const elsewhere = (orgWide.get(r.kmsUrl) ?? []).filter(
      (c) => (c.projectId ?? null) !== r.projectId && !claimed.has(c.id) && (c.id === r.stateId || c.name === r.name || c.name === r.renamedFrom),
    );
    if (elsewhere.length === 1) {
      const live = elsewhere[0]!;
      claimed.add(live.id);
      const differences: DriftDifference[] = [{ field: "scope", declared: r.projectId, live: live.projectId ?? null }, ...differencesFrom(live, r)];
      entries.push(
        resolvedEntry(r, "drifted", live.id, differences, joinDetails(`no connection "${r.name}" in ${describeScope(r.projectId)}; one of that ${live.id === r.stateId ? "id" : "name"} is in ${describeScope(live.projectId ?? null)}`, fromState)),
      );
      continue;
    }
    entries.push(resolvedEntry(r, "missing", null, [], joinDetails(await whyMissing(r, stateOf), fromState)));
  }

  if (options.unmanaged) {
    for (const [, members] of scopes) {
      const { kmsUrl, projectId } = members[0]!;
      const result = results.get(scopeKey(kmsUrl, projectId))!;
      if (!("live" in result)) continue;
      for (const c of result.live) {
        if (claimed.has(c.id)) continue;
        entries.push(unmanagedEntry("connection", c, kmsUrl, projectId, "no stack declares it: adopt it with `npx cdktf-kms-octopus import`, or delete it"));
      }
    }
  }

  // Syncs: a `${hanzokms_octopus_deploy_connection.X.id}` reference is the id of the live connection matched above.
  const liveConnection = new Map(entries.filter((e) => e.id !== null && e.stackDir !== null).map((e) => [`${e.stackDir}\n${e.address}`, e.id!]));
  entries.push(
    ...(await checkSyncs({
      stacks: options.stacks,
      clientFor: (kmsUrl) => {
        if (!options.syncClientFor) throw new Error("detectDrift: a stack declares a secret sync but no syncClientFor was given");
        return options.syncClientFor(kmsUrl);
      },
      stateOf,
      connectionIdOf: (stack, address) => liveConnection.get(`${stack.dir}\n${address}`),
      unmanaged: options.unmanaged ?? false,
      track,
      announce: (n) => (total += n),
    })),
  );

  return report(entries, requests);
}

function resolvedEntry(r: Resolved, status: DriftStatus, id: string | null, differences: readonly DriftDifference[], detail: string | null): DriftEntry {
  return declaredEntry("connection", r.decl, status, r, id, differences, detail);
}

function report(entries: DriftEntry[], requests: number): DriftReport {
  const summary = Object.fromEntries(DRIFT_STATUSES.map((s) => [s, entries.filter((e) => e.status === s).length])) as Record<DriftStatus, number>;
  const drift = summary.drifted + summary.missing + summary.unmanaged > 0;
  const incomplete = summary.unknown + summary.error > 0;
  const rank = (e: DriftEntry) => (e.status === "unmanaged" ? 1 : 0);
  const connections = [...entries].sort(
    (a, b) => rank(a) - rank(b) || (a.stack ?? "").localeCompare(b.stack ?? "") || (a.path ?? a.name ?? "").localeCompare(b.path ?? b.name ?? "") || (a.name ?? "").localeCompare(b.name ?? ""),
  );
  return { version: DRIFT_REPORT_VERSION, exitCode: drift ? 2 : incomplete ? 1 : 0, summary, requests, connections };
}

function scopeKey(kmsUrl: string, projectId: string | null): string {
  return `${kmsUrl}\n${projectId ?? ""}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    out.set(k, [...(out.get(k) ?? []), item]);
  }
  return out;
}
