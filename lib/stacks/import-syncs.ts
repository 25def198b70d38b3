/**
 * The secret-sync part of `import --project`: each Octopus Deploy secret sync of the project becomes
 * `new OctopusDeploySecretSync(stack, ...)` with the values the KMS returns, followed by
 * `sync.importFrom("<id>")` (a Terraform import block by id: the first deploy adopts it). A sync whose
 * connection is imported in the same code references that connection's construct; otherwise it names
 * the connection by KMS id. Syncs exist only on the provider engine: with another engine they are
 * skipped. A sync the construct would refuse (its own validation, validateSyncProps) is skipped with
 * the rule it breaks. Every string is written with {@link str}.
 */
import type { SecretSync } from "../kms/sync-schemas";
import { OctopusDeploySecretSyncPropsError, validateSyncProps } from "../construct/secret-sync-props";
import { INITIAL_SYNC_BEHAVIORS } from "../provider/resources/octopus-deploy-secret-sync/schema";
import * as syncRules from "../shared/sync-rules";
import { kmsIdVerdict, str, unique } from "./import-text";

/** Octopus scope values of the synced variables, as the generated code declares them (only non-empty lists). */
export type ImportedScopeValues = Readonly<Partial<Record<(typeof syncRules.SCOPE_VALUE_KEYS)[number], readonly string[]>>>;

/** One secret sync the generated code declares (the construct's props, as the KMS returned them). */
export interface ImportedSync {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  /** KMS id of the connection the sync uses. */
  readonly connectionId: string;
  /** Name of that connection when it is imported in the same code (the sync references its construct); null: the code names it by id. */
  readonly connection: string | null;
  readonly projectId: string;
  /** Environment slug. */
  readonly environment: string;
  readonly secretPath: string;
  readonly destination: { readonly spaceId: string; readonly projectId: string; readonly scopeValues: ImportedScopeValues | null };
  readonly syncOptions: { readonly keySchema: string | null; readonly disableSecretDeletion: boolean; readonly initialSyncBehavior: string };
  readonly autoSyncEnabled: boolean;
  /** The KMS's status of the last sync job (null before the first one). */
  readonly syncStatus: string | null;
  /** Construct id in the generated code. */
  readonly constructId: string;
}

/** A sync the generated code does not declare, and why. */
export interface SkippedSync {
  readonly kind: "sync";
  readonly id: string;
  readonly name: string;
  readonly reason: string;
}

/** What {@link planSyncs} needs to know. */
export interface SyncPlanOptions {
  /** The imported project (syncs of other projects are ignored; null, the organization, has none). */
  readonly projectId: string | null;
  /** Syncs are declared only with "provider". */
  readonly engine: string;
  /** KMS base URL (validated as the construct's kmsUrl). */
  readonly kmsUrl: string;
  /** Connections the same code declares, by KMS id: their names. */
  readonly importedConnections: ReadonlyMap<string, string>;
  /** Construct ids already taken in the stack (the connections'); the syncs' are added. */
  readonly usedIds: Set<string>;
}

/** Sorts the project's syncs into declared and skipped. */
export function planSyncs(syncs: readonly SecretSync[], options: SyncPlanOptions): { imported: ImportedSync[]; skipped: SkippedSync[] } {
  const inScope = options.projectId === null ? [] : syncs.filter((s) => s.projectId === options.projectId).sort((a, b) => a.name.localeCompare(b.name));
  const imported: ImportedSync[] = [];
  const skipped: SkippedSync[] = [];
  for (const s of inScope) {
    const candidate = importedSync(s, options.importedConnections.get(s.connectionId) ?? null);
    const reason = options.engine !== "provider" ? NEEDS_PROVIDER : whyNotDeclarable(s, candidate, options.kmsUrl);
    if (reason || !candidate) {
      skipped.push({ kind: "sync", id: s.id, name: s.name, reason: reason ?? "it cannot be declared" });
      continue;
    }
    const base = /^[a-z]/.test(s.name) ? s.name : `sync-${s.name}`;
    imported.push({ ...candidate, constructId: unique(options.usedIds.has(base) ? `${base}-sync` : base, options.usedIds, "-") });
  }
  return { imported, skipped };
}

/** The reason a sync is skipped with an engine other than the provider. */
export const NEEDS_PROVIDER = 'secret syncs need the provider engine (engine "terraform_data" cannot declare them): import without --engine to declare it';

/** The sync as the construct would declare it (without its construct id); undefined when the KMS left out its environment or folder. */
function importedSync(s: SecretSync, connection: string | null): Omit<ImportedSync, "constructId"> | undefined {
  if (!s.environment || !s.folder) return undefined;
  const scope = Object.fromEntries(syncRules.SCOPE_VALUE_KEYS.flatMap((k) => (s.destinationConfig.scopeValues?.[k]?.length ? [[k, s.destinationConfig.scopeValues[k]!]] : [])));
  return {
    id: s.id,
    name: s.name,
    description: s.description ? s.description : null,
    connectionId: s.connectionId,
    connection,
    projectId: s.projectId,
    environment: s.environment.slug,
    secretPath: s.folder.path,
    destination: { spaceId: s.destinationConfig.spaceId, projectId: s.destinationConfig.projectId, scopeValues: Object.keys(scope).length ? scope : null },
    syncOptions: {
      keySchema: s.syncOptions.keySchema ? s.syncOptions.keySchema : null,
      disableSecretDeletion: s.syncOptions.disableSecretDeletion ?? false,
      initialSyncBehavior: s.syncOptions.initialSyncBehavior ?? INITIAL_SYNC_BEHAVIORS[0],
    },
    autoSyncEnabled: s.isAutoSyncEnabled,
    syncStatus: s.syncStatus ?? null,
  };
}

/** Why the construct would refuse this sync as it is, or undefined when it can declare it. */
function whyNotDeclarable(s: SecretSync, candidate: Omit<ImportedSync, "constructId"> | undefined, kmsUrl: string): string | undefined {
  const problems: string[] = [];
  const idVerdict = kmsIdVerdict(s.id);
  if (idVerdict) problems.push(`its id ${idVerdict}`);
  if (!s.environment) problems.push("its environment is not known (the KMS returned none)");
  if (!s.folder) problems.push("its secret path is not known (the KMS returned none)");
  if (candidate && candidate.connection === null) {
    const verdict = syncRules.connectionId(s.connectionId);
    if (verdict) problems.push(`its connection id ${verdict}`);
  }
  if (candidate) {
    try {
      validateSyncProps(s.name, { ...constructProps(candidate), connection: s.connectionId, kmsUrl });
    } catch (err) {
      if (!(err instanceof OctopusDeploySecretSyncPropsError)) throw err;
      problems.push(...err.problems.map((p) => `its ${p.field} ${p.rule}`));
    }
  }
  return problems.length ? problems.join("; ") : undefined;
}

/** The construct's props (all but connection and kmsUrl), leaving out what is at its default. */
function constructProps(s: Omit<ImportedSync, "constructId">) {
  const syncOptions = {
    ...(s.syncOptions.keySchema !== null ? { keySchema: s.syncOptions.keySchema } : {}),
    ...(s.syncOptions.disableSecretDeletion ? { disableSecretDeletion: true } : {}),
    ...(s.syncOptions.initialSyncBehavior !== INITIAL_SYNC_BEHAVIORS[0] ? { initialSyncBehavior: s.syncOptions.initialSyncBehavior } : {}),
  };
  return {
    name: s.name,
    ...(s.description !== null ? { description: s.description } : {}),
    projectId: s.projectId,
    environment: s.environment,
    secretPath: s.secretPath,
    destination: { spaceId: s.destination.spaceId, projectId: s.destination.projectId, ...(s.destination.scopeValues ? { scopeValues: s.destination.scopeValues } : {}) },
    ...(Object.keys(syncOptions).length ? { syncOptions } : {}),
    ...(s.autoSyncEnabled ? {} : { autoSyncEnabled: false }),
  };
}

/** Header lines of the generated file about the syncs (none when there are none). */
export function syncHeader(imported: readonly ImportedSync[]): string[] {
  if (!imported.length) return [];
  return [
    "// Each secret sync is imported by id with sync.importFrom(...) (the provider engine): the first deploy",
    "// adopts it (same id). A sync uses the connection's construct when that connection is imported here,",
    "// else the connection's KMS id. removeSecretsOnDestroy is not kept in the KMS: it is left at its default",
    "// (false, the variables stay in Octopus when the sync is destroyed).",
    "//",
  ];
}

/** The `addImportedSyncs` function (only called with at least one sync). */
export function renderSyncFunction(imported: readonly ImportedSync[]): string[] {
  const usesConnections = imported.some((s) => s.connection !== null);
  const lines = [
    "",
    "/** Declares the imported secret syncs in `stack` (`connections`: what addImportedConnections returned); returns them by sync name. */",
    `export function addImportedSyncs(stack: TerraformStack, ${usesConnections ? "connections" : "_connections"}: Readonly<Record<string, OctopusDeployConnection>>): Record<string, OctopusDeploySecretSync> {`,
    "  const syncs: Record<string, OctopusDeploySecretSync> = {};",
  ];
  for (const s of imported) {
    lines.push(
      `  // id ${s.id}${s.syncStatus === "failed" ? " (its last sync failed)" : ""}`,
      "  {",
      `    const sync = new OctopusDeploySecretSync(stack, ${str(s.constructId)}, {`,
      ...syncPropLines(s).map((l) => `      ${l}`),
      "    });",
      `    sync.importFrom(${str(s.id)});`,
      `    syncs[${str(s.name)}] = sync;`,
      "  }",
    );
  }
  lines.push("  return syncs;", "}");
  if (usesConnections) {
    lines.push(
      "",
      "/** The connection of that name among addImportedConnections' result. */",
      "function importedConnection(connections: Readonly<Record<string, OctopusDeployConnection>>, name: string): OctopusDeployConnection {",
      "  const connection = connections[name];",
      '  if (!connection) throw new Error(`addImportedSyncs: no connection "${name}" in the connections given (pass what addImportedConnections returned)`);',
      "  return connection;",
      "}",
    );
  }
  return lines;
}

/** The props lines of one sync. */
function syncPropLines(s: ImportedSync): string[] {
  const p = constructProps(s);
  const list = (items: readonly string[]) => `[${items.map(str).join(", ")}]`;
  const lines = [
    `name: ${str(p.name)},`,
    ...(p.description !== undefined ? [`description: ${str(p.description)},`] : []),
    s.connection !== null ? `connection: importedConnection(connections, ${str(s.connection)}),` : `connection: ${str(s.connectionId)},`,
    "projectId: PROJECT_ID,",
    `environment: ${str(p.environment)},`,
    `secretPath: ${str(p.secretPath)},`,
    "destination: {",
    `  spaceId: ${str(p.destination.spaceId)},`,
    `  projectId: ${str(p.destination.projectId)},`,
  ];
  if (s.destination.scopeValues) {
    const entries = Object.entries(s.destination.scopeValues).map(([k, v]) => `${k}: ${list(v ?? [])}`);
    lines.push(`  scopeValues: { ${entries.join(", ")} },`);
  }
  lines.push("},");
  if (p.syncOptions) {
    const o = p.syncOptions as { keySchema?: string; disableSecretDeletion?: boolean; initialSyncBehavior?: string };
    lines.push(
      "syncOptions: {",
      ...(o.keySchema !== undefined ? [`  keySchema: ${str(o.keySchema)},`] : []),
      ...(o.disableSecretDeletion ? ["  disableSecretDeletion: true,"] : []),
      ...(o.initialSyncBehavior !== undefined ? [`  initialSyncBehavior: ${str(o.initialSyncBehavior)},`] : []),
      "},",
    );
  }
  if (p.autoSyncEnabled === false) lines.push("autoSyncEnabled: false,");
  // A sync on an imported connection uses that connection's KMS; one named by id needs its KMS.
  if (s.connection === null) lines.push("kmsUrl: KMS_URL,");
  return lines;
}
