/**
 * What a resource kind and a data source kind implement (terraform-plugin-framework's interfaces,
 * reduced to what this provider needs). The provider dispatches each RPC by type name; the generic
 * parts (schema, validation by attribute rules, the generic plan) come from the attribute definitions.
 * Every method may throw a DiagnosticError; other exceptions become an error diagnostic.
 */
import { Attributes } from "./attributes";
import { ClientCapabilities, Diagnostic, ObjectValue } from "../protocol/types";
import type { KmsClient } from "../../kms/client";

/** What every call gets: the KMS client (built on first use; throws a provider-configuration diagnostic without credentials). */
export interface CallContext {
  readonly kms: () => KmsClient;
  /** The provider's environment (api_key_env is read from it). */
  readonly env: NodeJS.ProcessEnv;
  /** The configured KMS URL (for messages and move checks). */
  readonly kmsUrl: string;
  /** Fires on StopProvider: waits end early (the KMS client stops on its own). */
  readonly signal?: AbortSignal;
}

/**
 * A create or update result that carries diagnostics: Terraform records `state` (the object exists
 * in the KMS) and shows `diagnostics`; with an error, a created object is marked tainted.
 */
export class AppliedWithDiagnostics {
  constructor(
    readonly state: ObjectValue,
    readonly diagnostics: readonly Diagnostic[],
  ) {}
}

/** A refined plan. */
export interface PlanResult {
  readonly planned: ObjectValue | null;
  readonly diagnostics?: readonly Diagnostic[];
}

/** One resource kind. */
export interface Resource {
  /** The type name, e.g. hanzokms_octopus_deploy_connection. */
  readonly typeName: string;
  /** Schema version of the state (UpgradeResourceState brings older states to it). */
  readonly version: number;
  readonly description: string;
  readonly attributes: Attributes;
  /** Checks beyond the attribute rules (combinations, capabilities). */
  validate(config: ObjectValue, capabilities: ClientCapabilities | undefined): Diagnostic[];
  /** Refines the generic plan (resource-specific computed values). `prior` null = create. */
  modifyPlan(ctx: CallContext, args: { readonly prior: ObjectValue | null; readonly planned: ObjectValue; readonly config: ObjectValue; readonly capabilities?: ClientCapabilities }): PlanResult;
  create(ctx: CallContext, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue | AppliedWithDiagnostics>;
  /** Null = gone. */
  read(ctx: CallContext, state: ObjectValue): Promise<ObjectValue | null>;
  update(ctx: CallContext, prior: ObjectValue, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue | AppliedWithDiagnostics>;
  delete(ctx: CallContext, prior: ObjectValue): Promise<void>;
  importState(ctx: CallContext, id: string): Promise<ObjectValue>;
  /** `rawStateJson` written by schema `version`; answers a state of the current version. */
  upgradeState(version: number, rawStateJson: string): ObjectValue;
  /** A state of another resource type (a `moved` block); null when this kind takes no state from it. */
  moveState?(ctx: CallContext, source: { readonly typeName: string; readonly providerAddress: string; readonly stateJson: string }): Promise<ObjectValue | null>;
}

/** One data source kind. */
export interface DataSource {
  readonly typeName: string;
  readonly description: string;
  readonly attributes: Attributes;
  validate(config: ObjectValue): Diagnostic[];
  read(ctx: CallContext, config: ObjectValue): Promise<ObjectValue>;
}
