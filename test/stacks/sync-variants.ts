/**
 * The `import` variants with secret syncs that import-code.test.ts compiles and import-syncs.test.ts
 * synthesizes: a project with a connection and syncs (on it, on an organization connection, with
 * every option set, and some the construct refuses), syncs only, engine "terraform_data", --org.
 */
import { liveConnection, liveSync, P1 } from "./sync-fixtures";
import { generateImportCode } from "../../lib/stacks/import-code";

const KMS = "https://kms.example.com";

/** Builds the variants (fresh ids each call). */
export function syncVariants() {
  const connection = liveConnection("octo");
  const orgConnectionId = liveConnection("org", { projectId: null }).id;
  const syncs = [
    liveSync("app", connection.id, {
      description: 'quote " ${x} \u00e9',
      environment: "staging",
      secretPath: "/app/db",
      spaceId: "Spaces-2",
      octopusProjectId: "Projects-7",
      scopeValues: { environments: ["Environments-1", "Environments-2"], roles: ["web"], machines: [] },
      keySchema: "APP_{{secretKey}}",
      disableSecretDeletion: true,
      autoSyncEnabled: false,
      syncStatus: "failed",
      lastSyncMessage: "Octopus said no",
    }),
    liveSync("plain", connection.id, { description: "" }),
    liveSync("octo", connection.id),
    liveSync("on-org-connection", orgConnectionId),
    liveSync("Bad_Name", connection.id),
    liveSync("bad-key-schema", connection.id, { keySchema: "NO_PLACEHOLDER" }),
    liveSync("no-folder", connection.id, { secretPath: null }),
  ];
  const project = (engine?: "terraform_data") =>
    generateImportCode([connection], { kmsUrl: KMS, projectId: P1, command: `npx cdktf-kms-octopus import --project ${P1}`, syncs, ...(engine ? { engine } : {}) });
  return {
    connection,
    orgConnectionId,
    syncs,
    withSyncs: project(),
    syncsOnly: generateImportCode([], { kmsUrl: KMS, projectId: P1, command: "x", syncs: [liveSync("alone", orgConnectionId)] }),
    hooks: project("terraform_data"),
    org: generateImportCode([liveConnection("o", { projectId: null })], { kmsUrl: KMS, projectId: null, command: "x", syncs }),
  };
}
