/**
 * The project's own protobuf descriptors of the messages it uses: tfplugin6 (Terraform's plugin
 * protocol 6, field numbers as in docs/plugin-protocol/tfplugin6.8+ of hashicorp/terraform),
 * go-plugin's GRPCController, and gRPC health. Written in protobufjs's JSON descriptor format (no .proto
 * file, no code generation), read by ./protobuf: only the fields this provider reads or writes; protobuf skips unknown
 * fields, so a newer Terraform that adds fields still talks to it.
 */
import { Descriptor, FieldDescriptor, MessageDescriptor, MessageType, NamespaceDescriptor, Protobuf } from "./protobuf";

type Fields = Record<string, FieldDescriptor>;
const f = (id: number, type: string): FieldDescriptor => ({ type, id });
const rep = (id: number, type: string) => ({ type, id, rule: "repeated" as const });
const map = (id: number, type: string) => ({ keyType: "string", type, id });
const msg = (fields: Fields, nested?: Record<string, Descriptor>, extra?: Record<string, unknown>): MessageDescriptor => ({ fields, ...(nested ? { nested } : {}), ...extra });
const rr = (request: Fields, response: Fields) => ({ nested: { Request: msg(request), Response: msg(response) } });

const diags = (id: number) => ({ diagnostics: rep(id, "Diagnostic") });
const caps = (id: number) => ({ client_capabilities: f(id, "ClientCapabilities") });

const tfplugin6: Record<string, Descriptor> = {
  DynamicValue: msg({ msgpack: f(1, "bytes"), json: f(2, "bytes") }),
  Diagnostic: msg(
    { severity: f(1, "Severity"), summary: f(2, "string"), detail: f(3, "string"), attribute: f(4, "AttributePath") },
    { Severity: { values: { INVALID: 0, ERROR: 1, WARNING: 2 } } },
  ),
  AttributePath: msg(
    { steps: rep(1, "Step") },
    {
      Step: msg(
        { attribute_name: f(1, "string"), element_key_string: f(2, "string"), element_key_int: f(3, "int64") },
        undefined,
        { oneofs: { selector: { oneof: ["attribute_name", "element_key_string", "element_key_int"] } } },
      ),
    },
  ),
  RawState: msg({ json: f(1, "bytes"), flatmap: map(2, "string") }),
  Schema: msg(
    { version: f(1, "int64"), block: f(2, "Block") },
    {
      Block: msg({ version: f(1, "int64"), attributes: rep(2, "Attribute"), description: f(4, "string"), description_kind: f(5, "int32"), deprecated: f(6, "bool") }),
      Attribute: msg({
        name: f(1, "string"),
        type: f(2, "bytes"),
        description: f(3, "string"),
        required: f(4, "bool"),
        optional: f(5, "bool"),
        computed: f(6, "bool"),
        sensitive: f(7, "bool"),
        description_kind: f(8, "int32"),
        deprecated: f(9, "bool"),
        write_only: f(11, "bool"),
      }),
    },
  ),
  ServerCapabilities: msg({ plan_destroy: f(1, "bool"), get_provider_schema_optional: f(2, "bool"), move_resource_state: f(3, "bool") }),
  ClientCapabilities: msg({ deferral_allowed: f(1, "bool"), write_only_attributes_allowed: f(2, "bool") }),
  GetMetadata: {
    nested: {
      Request: msg({}),
      Response: msg({ server_capabilities: f(1, "ServerCapabilities"), ...diags(2), data_sources: rep(3, "TypeName"), resources: rep(4, "TypeName") }),
      TypeName: msg({ type_name: f(1, "string") }),
    },
  },
  GetProviderSchema: rr(
    {},
    {
      provider: f(1, "Schema"),
      resource_schemas: map(2, "Schema"),
      data_source_schemas: map(3, "Schema"),
      ...diags(4),
      server_capabilities: f(6, "ServerCapabilities"),
    },
  ),
  ValidateProviderConfig: rr({ config: f(1, "DynamicValue") }, diags(2)),
  UpgradeResourceState: rr({ type_name: f(1, "string"), version: f(2, "int64"), raw_state: f(3, "RawState") }, { upgraded_state: f(1, "DynamicValue"), ...diags(2) }),
  // client_capabilities on ValidateResourceConfig arrived with write-only attributes (protocol 6.8+ in
  // terraform-plugin-go); an older Terraform leaves it out.
  ValidateResourceConfig: rr({ type_name: f(1, "string"), config: f(2, "DynamicValue"), ...caps(3) }, diags(1)),
  ValidateDataResourceConfig: rr({ type_name: f(1, "string"), config: f(2, "DynamicValue") }, diags(1)),
  ConfigureProvider: rr({ terraform_version: f(1, "string"), config: f(2, "DynamicValue"), ...caps(3) }, diags(1)),
  ReadResource: rr(
    { type_name: f(1, "string"), current_state: f(2, "DynamicValue"), private: f(3, "bytes"), ...caps(5) },
    { new_state: f(1, "DynamicValue"), ...diags(2), private: f(3, "bytes") },
  ),
  PlanResourceChange: rr(
    { type_name: f(1, "string"), prior_state: f(2, "DynamicValue"), proposed_new_state: f(3, "DynamicValue"), config: f(4, "DynamicValue"), prior_private: f(5, "bytes"), ...caps(7) },
    { planned_state: f(1, "DynamicValue"), requires_replace: rep(2, "AttributePath"), planned_private: f(3, "bytes"), ...diags(4) },
  ),
  ApplyResourceChange: rr(
    { type_name: f(1, "string"), prior_state: f(2, "DynamicValue"), planned_state: f(3, "DynamicValue"), config: f(4, "DynamicValue"), planned_private: f(5, "bytes") },
    { new_state: f(1, "DynamicValue"), private: f(2, "bytes"), ...diags(3) },
  ),
  ImportResourceState: {
    nested: {
      Request: msg({ type_name: f(1, "string"), id: f(2, "string"), ...caps(3) }),
      ImportedResource: msg({ type_name: f(1, "string"), state: f(2, "DynamicValue"), private: f(3, "bytes") }),
      Response: msg({ imported_resources: rep(1, "ImportedResource"), ...diags(2) }),
    },
  },
  MoveResourceState: rr(
    {
      source_provider_address: f(1, "string"),
      source_type_name: f(2, "string"),
      source_schema_version: f(3, "int64"),
      source_state: f(4, "RawState"),
      target_type_name: f(5, "string"),
      source_private: f(6, "bytes"),
    },
    { target_state: f(1, "DynamicValue"), ...diags(2), target_private: f(3, "bytes") },
  ),
  ReadDataSource: rr({ type_name: f(1, "string"), config: f(2, "DynamicValue"), ...caps(4) }, { state: f(1, "DynamicValue"), ...diags(2) }),
  GetFunctions: rr({}, { ...diags(2) }),
  StopProvider: rr({}, { Error: f(1, "string") }),
};

/** Every message type this provider reads or writes, by package. */
export const DESCRIPTORS: NamespaceDescriptor = {
  nested: {
    tfplugin6: { nested: tfplugin6 },
    plugin: { nested: { Empty: msg({}) } },
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: msg({ service: f(1, "string") }),
                HealthCheckResponse: msg({ status: f(1, "ServingStatus") }, { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2 } } }),
              },
            },
          },
        },
      },
    },
  },
};

const root = new Protobuf(DESCRIPTORS);

/** A message type by its full name (e.g. "tfplugin6.ReadResource.Request"). */
export function messageType(name: string): MessageType {
  return root.lookupType(name);
}

/** Decodes bytes into a plain object (int64 as number, bytes as Buffer, enums as numbers, fields not on the wire left out). */
export function decode(type: MessageType, bytes: Buffer): Record<string, unknown> {
  return type.decode(bytes);
}

/** Encodes a plain object (snake_case field names as above). */
export function encode(type: MessageType, value: Record<string, unknown>): Buffer {
  return type.encode(value);
}

/** The tfplugin6.Provider RPCs this provider answers: method name → message namespace. */
export const PROVIDER_RPCS = [
  "GetMetadata",
  "GetProviderSchema",
  "ValidateProviderConfig",
  "ValidateResourceConfig",
  "ValidateDataResourceConfig",
  "UpgradeResourceState",
  "ConfigureProvider",
  "ReadResource",
  "PlanResourceChange",
  "ApplyResourceChange",
  "ImportResourceState",
  "MoveResourceState",
  "ReadDataSource",
  "GetFunctions",
  "StopProvider",
] as const;
/** One of {@link PROVIDER_RPCS}. */
export type ProviderRpc = (typeof PROVIDER_RPCS)[number];
