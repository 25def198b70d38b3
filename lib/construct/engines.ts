/**
 * The resource type that carries the hooks. `terraform_data` (default) is built into Terraform 1.4+,
 * needs no provider download, and can update its `input` in place, which is what lets a rename or a
 * removalPolicy change apply without replacing the connection. `null_resource` (hashicorp/null) is
 * offered for organizations that standardize on it; it has only replace-on-change `triggers`, so the
 * non-identity fields of the connection resource are recorded at creation (ignore_changes) and the
 * name is part of its identity. Consequence: with null_resource, a rename replaces the connection and
 * removalPolicy is the one in force when the connection was created (the construct warns).
 * Both engines build the same three resources.
 */
import { Fn, LocalExecProvisioner, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { TerraformData } from "./terraform-data";

/** The declaration record stored on the connection resource (what the hooks read back). */
export type DeclarationRecord = Readonly<Record<string, string | number | boolean | null>>;

/** Builds the resources of one connection. */
export interface HookEngine {
  /** Terraform resource type, for addresses. */
  readonly resourceType: string;
  /** The connection resource: stores `declaration`, replaced when an `identity` key changes; hooks get `selfEvent`. */
  connection(scope: Construct, declaration: DeclarationRecord, identity: readonly string[], hooks: (selfEvent: string) => LocalExecProvisioner[]): TerraformResource;
  /** A resource replaced when `triggers` change, whose create hook reads the current `declaration` from `event`. */
  hookResource(
    scope: Construct,
    id: string,
    connection: TerraformResource,
    declaration: DeclarationRecord,
    triggers: Readonly<Record<string, string | null>>,
    hooks: (event: string) => LocalExecProvisioner[],
    dependsOn: TerraformResource[],
  ): TerraformResource;
}

const pick = (record: DeclarationRecord, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, record[k]]));

/** terraform_data: `input` holds the declaration and updates in place; `output` mirrors it. */
export const terraformDataEngine: HookEngine = {
  resourceType: "terraform_data",
  connection(scope, declaration, identity, hooks) {
    return new TerraformData(scope, "connection", {
      triggersReplace: pick(declaration, identity),
      input: declaration,
      provisioners: hooks("${jsonencode(self.input)}"),
    });
  },
  hookResource(scope, id, connection, _declaration, triggers, hooks, dependsOn) {
    // The connection's `output` mirrors its `input`, which is updated in place before this runs.
    return new TerraformData(scope, id, { triggersReplace: triggers, provisioners: hooks(Fn.jsonencode((connection as TerraformData).output)), dependsOn });
  },
};

/** null_resource: everything lives in `triggers` (strings); non-identity keys are ignore_changes. */
export const nullResourceEngine: HookEngine = {
  resourceType: "null_resource",
  connection(scope, declaration, identity, hooks) {
    const { resource } = loadNullProvider();
    return new resource.Resource(scope, "connection", {
      triggers: asStrings(declaration),
      lifecycle: { ignoreChanges: Object.keys(declaration).filter((k) => !identity.includes(k)).map((k) => `triggers["${k}"]`) },
      provisioners: hooks("${jsonencode(self.triggers)}"),
    });
  },
  hookResource(scope, id, _connection, declaration, triggers, hooks, dependsOn) {
    const { resource } = loadNullProvider();
    // The connection's triggers keep creation-time values for their non-identity keys, so the hook
    // gets the declaration as synthesized now.
    const current = Fn.jsonencode(asStrings(declaration));
    return new resource.Resource(scope, id, { triggers: asStrings(triggers), provisioners: hooks(current), dependsOn });
  },
};

/** null_resource triggers are strings: null becomes "", numbers and booleans their text. */
function asStrings(record: Readonly<Record<string, string | number | boolean | null>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === null ? "" : String(v)]));
}

/** The optional peer dependency, loaded only when the null_resource engine is chosen. */
function loadNullProvider(): typeof import("@cdktf/provider-null") {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@cdktf/provider-null") as typeof import("@cdktf/provider-null");
  } catch {
    throw new Error('engine "null_resource" needs the optional peer dependency @cdktf/provider-null: npm install @cdktf/provider-null@^11');
  }
}
