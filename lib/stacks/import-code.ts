/**
 * `import`: TypeScript that declares existing connections, so a team can bring what it has under code
 * in one pull request. Each connection becomes `new OctopusDeployConnection(stack, ...)` with its API
 * key as a sensitive TerraformVariable (the KMS never returns keys). With the provider engine (the
 * default) the code calls `conn.importFrom("<id>")`: the first deploy imports each connection by id (a
 * Terraform import block), and the plan shows only what the code changes. With engine
 * "terraform_data" it writes `adoptExisting: true` instead: the first deploy adopts each connection by
 * name, same id, and no change in the KMS when the code matches it. With `--project` the project's
 * Octopus Deploy secret syncs follow (import-syncs.ts: provider engine only). Every string is written
 * with JSON.stringify; nothing from the KMS reaches a comment unless it passed the construct's own
 * rules (names are slugs, ids are checked).
 */
import { CDK_LIBRARY, CdkLibraryName } from "../cdk";
import { Connection } from "../kms/schemas";
import type { SecretSync } from "../kms/sync-schemas";
import * as rules from "../shared/rules";
import { describeScope } from "../shared/scope";
import { ImportedSync, SkippedSync, planSyncs, renderSyncFunction, syncHeader } from "./import-syncs";
import { commentSafe, kmsIdVerdict, plural, str, unique } from "./import-text";

export type { ImportedSync, SkippedSync } from "./import-syncs";

/** Format version of {@link ImportResult} as printed by `import --json`. */
export const IMPORT_RESULT_VERSION = 1;

/** One connection the generated code declares. */
export interface ImportedConnection {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly instanceUrl: string;
  readonly projectId: string | null;
  /** Construct id in the generated code. */
  readonly constructId: string;
  /** Terraform variable that holds its API key. */
  readonly variable: string;
  /** The environment variable that sets it at deploy time (TF_VAR_...). */
  readonly env: string;
}

/** A connection the construct cannot declare as it is (it would fail the construct's validation). */
export interface SkippedConnection {
  readonly kind: "connection";
  readonly id: string;
  readonly name: string;
  /** The rule it breaks. */
  readonly reason: string;
}

/** What `import` produces. */
export interface ImportResult {
  readonly version: typeof IMPORT_RESULT_VERSION;
  readonly kmsUrl: string;
  /** The imported scope: a project id, or null for the organization. */
  readonly projectId: string | null;
  readonly connections: readonly ImportedConnection[];
  /** The project's secret syncs the code declares (none for the organization). */
  readonly syncs: readonly ImportedSync[];
  /** What the code does not declare: connections and syncs (`kind`), each with the rule it breaks. */
  readonly skipped: readonly (SkippedConnection | SkippedSync)[];
  /** The TypeScript source. */
  readonly code: string;
}

/** Options of {@link generateImportCode}. */
export interface ImportCodeOptions {
  /** KMS base URL the connections were listed from (written as each connection's kmsUrl). */
  readonly kmsUrl: string;
  /** The scope listed: a project id, or null for organization-level connections. */
  readonly projectId: string | null;
  /** The command line, for the header comment (must not contain a secret). */
  readonly command: string;
  /** Module the generated code imports OctopusDeployConnection from. @default "cdktf-kms-octopus" */
  readonly moduleName?: string;
  /** CDK library the generated code imports TerraformStack from. @default the one this package loaded (see lib/cdk.ts) */
  readonly cdkLibrary?: CdkLibraryName;
  /** Engine of the generated connections: "provider" imports each by id (`importFrom`); "terraform_data" adopts each by name (`adoptExisting: true`). @default "provider" */
  readonly engine?: ImportEngine;
  /** The project's Octopus Deploy secret syncs, as listed (only those of `projectId` are used). @default none */
  readonly syncs?: readonly SecretSync[];
}

/** Engines `import` writes code for. */
export const IMPORT_ENGINES = ["provider", "terraform_data"] as const;
/** An engine of {@link IMPORT_ENGINES}. */
export type ImportEngine = (typeof IMPORT_ENGINES)[number];

/** Generates the TypeScript for `connections` and `options.syncs` (those of the scope; others are ignored). */
export function generateImportCode(connections: readonly Connection[], options: ImportCodeOptions): ImportResult {
  const inScope = connections.filter((c) => (c.projectId ?? null) === options.projectId).sort((a, b) => a.name.localeCompare(b.name));
  const imported: ImportedConnection[] = [];
  const skipped: SkippedConnection[] = [];
  const usedIds = new Set<string>();
  const usedVariables = new Set<string>();
  for (const c of inScope) {
    const reason = whyNotDeclarable(c, options.engine ?? "provider");
    if (reason) {
      skipped.push({ kind: "connection", id: c.id, name: c.name, reason });
      continue;
    }
    const constructId = unique(/^[a-z]/.test(c.name) ? c.name : `connection-${c.name}`, usedIds, "-");
    const variable = unique(`octopus_api_key_${c.name.replace(/-/g, "_")}`, usedVariables, "_");
    imported.push({
      id: c.id,
      name: c.name,
      description: c.description ? c.description : null,
      instanceUrl: c.credentials.instanceUrl,
      projectId: c.projectId ?? null,
      constructId,
      variable,
      env: `TF_VAR_${variable}`,
    });
  }
  const syncs = planSyncs(options.syncs ?? [], {
    projectId: options.projectId,
    engine: options.engine ?? "provider",
    kmsUrl: options.kmsUrl,
    importedConnections: new Map(imported.map((c) => [c.id, c.name])),
    usedIds,
  });
  const allSkipped = [...skipped, ...syncs.skipped];
  return {
    version: IMPORT_RESULT_VERSION,
    kmsUrl: options.kmsUrl,
    projectId: options.projectId,
    connections: imported,
    syncs: syncs.imported,
    skipped: allSkipped,
    code: render(imported, syncs.imported, allSkipped, options),
  };
}

/** Why the construct would refuse this connection as it is (with that engine), or undefined when it can declare it. */
function whyNotDeclarable(c: Connection, engine: ImportEngine): string | undefined {
  const checks: [string, rules.Verdict][] = [
    ["name", rules.connectionName(c.name, engine === "provider" ? rules.NAME_MAX_CURRENT : rules.NAME_MAX)],
    ["description", c.description ? rules.description(c.description) : undefined],
    ["instance URL", rules.serviceUrl(c.credentials.instanceUrl)],
    ["id", kmsIdVerdict(c.id)],
  ];
  const broken = checks.filter(([, verdict]) => verdict);
  return broken.length ? broken.map(([field, verdict]) => `its ${field} ${verdict}`).join("; ") : undefined;
}

function render(imported: readonly ImportedConnection[], syncs: readonly ImportedSync[], skipped: readonly (SkippedConnection | SkippedSync)[], options: ImportCodeOptions): string {
  const scope = describeScope(options.projectId);
  const count = `${plural(imported.length, "Octopus Deploy connection")}${options.projectId !== null ? ` and ${plural(syncs.length, "secret sync")}` : ""}`;
  const provider = (options.engine ?? "provider") === "provider";
  const lines: string[] = [
    `// Generated by \`${commentSafe(options.command)}\``,
    `// from the KMS at ${commentSafe(options.kmsUrl)}: ${count} of ${scope}.`,
    "//",
    ...(provider
      ? [
          "// Each connection is imported by id with conn.importFrom(...) (a Terraform import block): the first",
          "// deploy adopts the existing connection (same id) and the plan shows only what the code changes.",
          "// After that deploy the importFrom calls can stay or go.",
        ]
      : [
          '// Each connection is declared with engine "terraform_data" and adoptExisting: true: the first deploy',
          "// takes the existing connection over by name (same id) and changes nothing in the KMS while the code",
          "// matches it.",
        ]),
    "//",
  ];
  if (imported.length) {
    lines.push(
      "// The KMS never returns API keys. Give each connection's current key as a sensitive Terraform",
      "// variable when you deploy (the KMS checks it with Octopus Deploy when it is sent; rotate keys",
      "// in a later deploy):",
      ...imported.map((c) => `//   export ${c.env}='API-...'  # ${c.name}`),
      "//",
    );
  }
  lines.push(...syncHeader(syncs));
  for (const s of skipped) lines.push(`// Not declared: ${s.kind === "sync" ? "secret sync " : ""}${commentSafe(s.name)} (id ${commentSafe(s.id)}): ${commentSafe(s.reason)}.`);
  if (skipped.length) lines.push("//");
  lines.push(
    syncs.length
      ? '// Use: addImportedSyncs(this, addImportedConnections(this)) in a TerraformStack constructor, or new ImportedConnectionsStack(app, "octopus-connections").'
      : '// Use: addImportedConnections(this) in a TerraformStack constructor, or new ImportedConnectionsStack(app, "octopus-connections").',
    `import { ${imported.length ? "TerraformStack, TerraformVariable" : "TerraformStack"} } from "${options.cdkLibrary ?? CDK_LIBRARY}";`,
    'import { Construct } from "constructs";',
    `import { ${syncs.length ? "OctopusDeployConnection, OctopusDeploySecretSync" : "OctopusDeployConnection"} } from ${str(options.moduleName ?? "cdktf-kms-octopus")};`,
  );
  if (imported.length || syncs.length) {
    // (Only when used: projects compiled with noUnusedLocals refuse unused constants.)
    // Every connection uses it; without connections every sync names its connection by id and uses it.
    lines.push("", `/** The KMS the ${imported.length ? "connections" : "syncs"} were imported from. */`, `const KMS_URL = ${str(options.kmsUrl)};`);
    if (options.projectId) lines.push("/** The KMS project that holds them. */", `const PROJECT_ID = ${str(options.projectId)};`);
  }
  lines.push(
    "",
    "/** Declares the imported connections in `stack`; returns them by connection name. */",
    `export function addImportedConnections(${imported.length ? "stack" : "_stack"}: TerraformStack): Record<string, OctopusDeployConnection> {`,
  );
  if (provider && imported.length) {
    lines.push("  const connections: Record<string, OctopusDeployConnection> = {};");
    for (const c of imported) {
      lines.push(
        `  // id ${c.id}`,
        "  {",
        `    const conn = new OctopusDeployConnection(stack, ${str(c.constructId)}, {`,
        ...props(c, options, "      "),
        "    });",
        `    conn.importFrom(${str(c.id)});`,
        `    connections[${str(c.name)}] = conn;`,
        "  }",
      );
    }
    lines.push("  return connections;");
  } else {
    lines.push("  return {");
    for (const c of imported) {
      lines.push(
        `    // id ${c.id}`,
        `    ${str(c.name)}: new OctopusDeployConnection(stack, ${str(c.constructId)}, {`,
        ...props(c, options, "      "),
        '      engine: "terraform_data",',
        "      adoptExisting: true,",
        "    }),",
      );
    }
    lines.push("  };");
  }
  lines.push("}");
  if (syncs.length) lines.push(...renderSyncFunction(syncs));
  lines.push(
    "",
    `/** A stack that holds only the imported connections${syncs.length ? " and secret syncs" : ""}. */`,
    "export class ImportedConnectionsStack extends TerraformStack {",
    "  constructor(scope: Construct, id: string) {",
    "    super(scope, id);",
    syncs.length ? "    addImportedSyncs(this, addImportedConnections(this));" : "    addImportedConnections(this);",
    "  }",
    "}",
    "",
  );
  return lines.join("\n");
}

/** The props lines every engine shares: the live values, the key as a sensitive variable, the KMS. */
function props(c: ImportedConnection, options: ImportCodeOptions, indent: string): string[] {
  return [
    `name: ${str(c.name)},`,
    ...(c.description !== null ? [`description: ${str(c.description)},`] : []),
    ...(options.projectId ? ["projectId: PROJECT_ID,"] : []),
    `instanceUrl: ${str(c.instanceUrl)},`,
    `apiKey: new TerraformVariable(stack, ${str(c.variable)}, {`,
    '  type: "string",',
    "  sensitive: true,",
    `  description: ${str(`Octopus Deploy API key of the connection ${c.name} (set ${c.env})`)},`,
    "}).value,",
    "kmsUrl: KMS_URL,",
  ].map((line) => `${indent}${line}`);
}
