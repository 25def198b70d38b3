/**
 * The boundary between the wire (protocol/: go-plugin handshake, gRPC, tfplugin6 messages, msgpack
 * cty values) and the provider's meaning (framework/ and resources/). The protocol layer decodes
 * every DynamicValue into a {@link Value} and encodes the answers back; the provider never sees
 * protobuf or msgpack. Names follow tfplugin6 (docs/plugin-protocol/tfplugin6.proto in Terraform).
 */

/** A value Terraform does not know yet (cty unknown; msgpack extension type 0). */
export const UNKNOWN: unique symbol = Symbol.for("cdktf-kms-octopus/unknown");
/** The type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/** A decoded cty value: objects and maps are plain objects, lists and sets arrays, null is null. */
export type Value = null | string | number | boolean | Unknown | readonly Value[] | { readonly [key: string]: Value };

/** An object value (a resource's state, plan or config: every schema attribute present, null when unset). */
export type ObjectValue = { readonly [key: string]: Value };

/** cty type in its JSON form, as the schema's `type` bytes carry it: "string", ["list","string"], ["object",{...}]. */
export type CtyType =
  | "string"
  | "number"
  | "bool"
  | "dynamic"
  | readonly ["list" | "set" | "map", CtyType]
  | readonly ["object", { readonly [name: string]: CtyType }];

/** One attribute of a schema block (tfplugin6 Schema.Attribute). */
export interface SchemaAttribute {
  readonly name: string;
  readonly type: CtyType;
  readonly description?: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  /** Terraform 1.11+: the value reaches the provider in config but is never stored in plan or state. */
  readonly writeOnly?: boolean;
  readonly deprecated?: boolean;
}

/** tfplugin6 Schema: a version and one block of attributes (this provider uses no nested blocks). */
export interface Schema {
  readonly version: number;
  readonly block: { readonly attributes: readonly SchemaAttribute[]; readonly description?: string; readonly deprecated?: boolean };
}

/** A step of an attribute path: a name is an attribute, a number a list index, `{ key }` a map key. */
export type PathStep = string | number | { readonly key: string };
/** Where a diagnostic points (tfplugin6 AttributePath). */
export type AttributePath = readonly PathStep[];

/** tfplugin6 Diagnostic. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  readonly attribute?: AttributePath;
}

/** tfplugin6 ServerCapabilities. */
export interface ServerCapabilities {
  readonly planDestroy?: boolean;
  readonly getProviderSchemaOptional?: boolean;
  readonly moveResourceState?: boolean;
}

/** tfplugin6 ClientCapabilities. */
export interface ClientCapabilities {
  readonly deferralAllowed?: boolean;
  readonly writeOnlyAttributesAllowed?: boolean;
}

/** Answers that carry only diagnostics. */
export interface DiagnosticsResponse {
  readonly diagnostics?: readonly Diagnostic[];
}

/**
 * What the provider implements. The protocol layer calls one method per RPC, with values decoded,
 * and turns an exception into an error diagnostic (never a crash, never a secret: messages only).
 * Each method may be async. Private data is opaque bytes the provider gets back on the next call.
 */
export interface ProviderService {
  getProviderSchema(): {
    readonly provider: Schema;
    readonly resourceSchemas: Readonly<Record<string, Schema>>;
    readonly dataSourceSchemas: Readonly<Record<string, Schema>>;
    readonly serverCapabilities?: ServerCapabilities;
    readonly diagnostics?: readonly Diagnostic[];
  };
  validateProviderConfig(req: { readonly config: ObjectValue }): Promise<DiagnosticsResponse> | DiagnosticsResponse;
  validateResourceConfig(req: { readonly typeName: string; readonly config: ObjectValue; readonly clientCapabilities?: ClientCapabilities }): Promise<DiagnosticsResponse> | DiagnosticsResponse;
  validateDataResourceConfig(req: { readonly typeName: string; readonly config: ObjectValue }): Promise<DiagnosticsResponse> | DiagnosticsResponse;
  /** `rawStateJson` is the stored state as JSON text (RawState.json), written by `version` of the schema. */
  upgradeResourceState(req: { readonly typeName: string; readonly version: number; readonly rawStateJson: string }): Promise<UpgradeResponse> | UpgradeResponse;
  configureProvider(req: { readonly terraformVersion: string; readonly config: ObjectValue; readonly clientCapabilities?: ClientCapabilities }): Promise<DiagnosticsResponse> | DiagnosticsResponse;
  /** `newState` null = the object is gone (Terraform plans to create it again). */
  readResource(req: { readonly typeName: string; readonly currentState: ObjectValue; readonly private: Buffer; readonly clientCapabilities?: ClientCapabilities }): Promise<ReadResponse> | ReadResponse;
  /** `priorState` null = create; `proposedNewState` null = destroy (with planDestroy). */
  planResourceChange(req: {
    readonly typeName: string;
    readonly priorState: ObjectValue | null;
    readonly proposedNewState: ObjectValue | null;
    readonly config: ObjectValue | null;
    readonly priorPrivate: Buffer;
    readonly clientCapabilities?: ClientCapabilities;
  }): Promise<PlanResponse> | PlanResponse;
  /** `plannedState` null = delete. Answer `newState` null after a delete. */
  applyResourceChange(req: {
    readonly typeName: string;
    readonly priorState: ObjectValue | null;
    readonly plannedState: ObjectValue | null;
    readonly config: ObjectValue | null;
    readonly plannedPrivate: Buffer;
  }): Promise<ApplyResponse> | ApplyResponse;
  importResourceState(req: { readonly typeName: string; readonly id: string; readonly clientCapabilities?: ClientCapabilities }): Promise<ImportResponse> | ImportResponse;
  /** A `moved` block from another resource type (e.g. terraform_data) to one of this provider's. */
  moveResourceState(req: {
    readonly sourceProviderAddress: string;
    readonly sourceTypeName: string;
    readonly sourceSchemaVersion: number;
    readonly sourceStateJson: string;
    readonly targetTypeName: string;
    readonly sourcePrivate: Buffer;
  }): Promise<MoveResponse> | MoveResponse;
  readDataSource(req: { readonly typeName: string; readonly config: ObjectValue; readonly clientCapabilities?: ClientCapabilities }): Promise<ReadDataResponse> | ReadDataResponse;
  /** StopProvider: finish or abandon in-flight work promptly; no new request is started afterwards. */
  stop(): Promise<void> | void;
}

export interface UpgradeResponse extends DiagnosticsResponse {
  readonly upgradedState: ObjectValue | null;
}
export interface ReadResponse extends DiagnosticsResponse {
  readonly newState: ObjectValue | null;
  readonly private?: Buffer;
}
export interface PlanResponse extends DiagnosticsResponse {
  readonly plannedState: ObjectValue | null;
  readonly requiresReplace?: readonly AttributePath[];
  readonly plannedPrivate?: Buffer;
}
export interface ApplyResponse extends DiagnosticsResponse {
  readonly newState: ObjectValue | null;
  readonly private?: Buffer;
}
export interface ImportResponse extends DiagnosticsResponse {
  readonly importedResources: readonly { readonly typeName: string; readonly state: ObjectValue; readonly private?: Buffer }[];
}
export interface MoveResponse extends DiagnosticsResponse {
  readonly targetState: ObjectValue | null;
  readonly targetPrivate?: Buffer;
}
export interface ReadDataResponse extends DiagnosticsResponse {
  readonly state: ObjectValue | null;
}
