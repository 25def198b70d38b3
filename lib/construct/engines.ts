/**
 * The resource type that carries the hooks. `terraform_data` (default) is built into Terraform,
 * needs no provider download, and can update its `input` in place, which is what lets a rename or a
 * removalPolicy change apply without replacing the connection. `null_resource` (hashicorp/null) is
 * offered for organizations that standardize on it; it has only replace-on-change `triggers`, so the
 * non-identity fields of the connection resource are recorded at creation (ignore_changes) and the
 * name is part of its identity. Consequence: with null_resource, a rename replaces the connection and
 * removalPolicy is the one in force when the connection was created (the construct warns).
 * Both engines build the same two resources.
 */
import { Fn, LocalExecProvisioner, TerraformResource } from "../cdk";
import { Construct } from "constructs";
import { TerraformData } from "./terraform-data";

/** The declaration record stored on the connection resource (what the hooks read back). */
export type DeclarationRecord = Readonly<Record<string, string | number | boolean | null>>;

/** Builds the resources of one connection. */
export interface HookEngine {
  /** Terraform resource type, for addresses. */
  readonly resourceType: string;
  /**
   * The connection resource: stores `declaration`, replaced when an `identity` key changes, records
   * the `plantimestamp()` of the plan that creates it (`born`, kept afterwards); hooks get `selfEvent`.
   */
  connection(scope: Construct, declaration: DeclarationRecord, identity: readonly string[], hooks: (selfEvent: string) => LocalExecProvisioner[]): TerraformResource;
  /** Reference to the connection resource's `born` timestamp. */
  bornAt(connection: TerraformResource): string;
  /** The sync resource: replaced when `triggers` change; its create hook reads the current `declaration` from `event`. */
  syncResource(
    scope: Construct,
    connection: TerraformResource,
    declaration: DeclarationRecord,
    triggers: Readonly<Record<string, string | null>>,
    hooks: (event: string) => LocalExecProvisioner[],
  ): TerraformResource;
}

/** Id of the sync resource of a connection. */
export const SYNC_ID = "sync";
/** The plan's timestamp, as Terraform spells it. */
export const PLAN_TIMESTAMP = "${plantimestamp()}";

const pick = (record: DeclarationRecord, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, record[k]]));

/** terraform_data: `input` holds the declaration and updates in place; `output` mirrors it. */
export const terraformDataEngine: HookEngine = {
  resourceType: "terraform_data",
  connection(scope, declaration, identity, hooks) {
    const resource = new TerraformData(scope, "connection", {
      triggersReplace: { ...pick(declaration, identity), born: PLAN_TIMESTAMP },
      input: declaration,
      provisioners: hooks("${jsonencode(self.input)}"),
    });
    // `born` is written when the resource is created and never again. (Terraform 1.11: the attribute
    // form `triggers_replace.born` ignores that key only; the index form ignored the whole object.)
    resource.addOverride("lifecycle.ignore_changes", ["triggers_replace.born"]);
    return resource;
  },
  bornAt(connection) {
    return connection.getStringAttribute("triggers_replace.born");
  },
  syncResource(scope, connection, _declaration, triggers, hooks) {
    // The connection's `output` mirrors its `input`, which is updated in place before this runs.
    return new TerraformData(scope, SYNC_ID, { triggersReplace: triggers, provisioners: hooks(Fn.jsonencode((connection as TerraformData).output)) });
  },
};

/** null_resource: everything lives in `triggers` (strings); non-identity keys are ignore_changes. */
export const nullResourceEngine: HookEngine = {
  resourceType: "null_resource",
  connection(scope, declaration, identity, hooks) {
    const { resource } = loadNullProvider();
    const triggers = { ...asStrings(declaration), born: PLAN_TIMESTAMP };
    return new resource.Resource(scope, "connection", {
      triggers,
      lifecycle: { ignoreChanges: Object.keys(triggers).filter((k) => !identity.includes(k)).map((k) => `triggers["${k}"]`) },
      provisioners: hooks("${jsonencode(self.triggers)}"),
    });
  },
  bornAt(connection) {
    return connection.getStringAttribute("triggers.born");
  },
  syncResource(scope, _connection, declaration, triggers, hooks) {
    const { resource } = loadNullProvider();
    // The connection's triggers keep creation-time values for their non-identity keys, so the hook
    // gets the declaration as synthesized now.
    const current = Fn.jsonencode(asStrings(declaration));
    return new resource.Resource(scope, SYNC_ID, { triggers: asStrings(triggers), provisioners: hooks(current) });
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
