/**
 * Each tfplugin6.Provider RPC as a translation: the decoded request (protobuf plain object, snake
 * case) into the ProviderService call with cty values decoded, and the answer back into the response
 * message, values as msgpack. The only place that knows both shapes.
 */
import { decodeDynamic, dynamic } from "./cty";
import { ProviderRpc } from "./messages";
import type { AttributePath, ClientCapabilities, CtyType, Diagnostic, ProviderService, Schema } from "./types";

type Req = Record<string, unknown>;
type Res = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.alloc(0));
const dyn = (v: unknown, type?: CtyType) => decodeDynamic(v as { msgpack?: Uint8Array; json?: Uint8Array } | undefined, type);
const obj = (v: unknown, type?: CtyType) => dyn(v, type) ?? {};

/** The cty object type of a schema's block (every attribute with its type). */
export function objectType(s: Schema): CtyType {
  return ["object", Object.fromEntries(s.block.attributes.map((a) => [a.name, a.type]))];
}

/** Object types of the provider's schemas, so values are decoded and encoded faithfully. */
interface SchemaTypes {
  readonly provider: CtyType;
  readonly resources: ReadonlyMap<string, CtyType>;
  readonly dataSources: ReadonlyMap<string, CtyType>;
}
const typeCache = new WeakMap<ProviderService, SchemaTypes>();
/** The schemas' object types (computed once per service; the schema is fixed for a process). */
function schemaTypes(service: ProviderService): SchemaTypes {
  let t = typeCache.get(service);
  if (!t) {
    const s = service.getProviderSchema();
    const types = (m: Readonly<Record<string, Schema>>) => new Map(Object.entries(m).map(([k, v]) => [k, objectType(v)]));
    t = { provider: objectType(s.provider), resources: types(s.resourceSchemas), dataSources: types(s.dataSourceSchemas) };
    typeCache.set(service, t);
  }
  return t;
}
function capabilities(v: unknown): ClientCapabilities | undefined {
  if (!v || typeof v !== "object") return undefined;
  const c = v as { deferral_allowed?: boolean; write_only_attributes_allowed?: boolean };
  return { deferralAllowed: c.deferral_allowed ?? false, writeOnlyAttributesAllowed: c.write_only_attributes_allowed ?? false };
}
const rawJson = (v: unknown): string => {
  const raw = v as { json?: Buffer } | undefined;
  return raw?.json && raw.json.length ? raw.json.toString("utf8") : "{}";
};

/** tfplugin6.AttributePath of a path. */
export function attributePath(path: AttributePath): Res {
  return {
    steps: path.map((step) =>
      typeof step === "string" ? { attribute_name: step } : typeof step === "number" ? { element_key_int: step } : { element_key_string: step.key },
    ),
  };
}

/** tfplugin6.Diagnostic of a diagnostic. */
export function diagnostic(d: Diagnostic): Res {
  return {
    severity: d.severity === "error" ? 1 : 2,
    summary: d.summary,
    ...(d.detail ? { detail: d.detail } : {}),
    ...(d.attribute && d.attribute.length ? { attribute: attributePath(d.attribute) } : {}),
  };
}

const diagnostics = (list: readonly Diagnostic[] | undefined) => (list ?? []).map(diagnostic);

function schema(s: Schema): Res {
  return {
    version: s.version,
    block: {
      version: s.version,
      description: s.block.description ?? "",
      deprecated: s.block.deprecated ?? false,
      attributes: s.block.attributes.map((a) => ({
        name: a.name,
        type: Buffer.from(JSON.stringify(a.type satisfies CtyType)),
        description: a.description ?? "",
        required: a.required ?? false,
        optional: a.optional ?? false,
        computed: a.computed ?? false,
        sensitive: a.sensitive ?? false,
        deprecated: a.deprecated ?? false,
        write_only: a.writeOnly ?? false,
      })),
    },
  };
}

function capabilitiesOut(c: ReturnType<ProviderService["getProviderSchema"]>["serverCapabilities"]): Res {
  return { plan_destroy: c?.planDestroy ?? false, get_provider_schema_optional: c?.getProviderSchemaOptional ?? false, move_resource_state: c?.moveResourceState ?? false };
}

/** Calls `service` for one RPC; errors are the caller's to turn into diagnostics. */
export async function dispatch(service: ProviderService, rpc: ProviderRpc, req: Req): Promise<Res> {
  // A type the provider does not know is its own error to report; its values decode untyped.
  const resource = (name = str(req.type_name)) => schemaTypes(service).resources.get(name);
  const dataSource = (name = str(req.type_name)) => schemaTypes(service).dataSources.get(name);
  switch (rpc) {
    case "GetMetadata": {
      const s = service.getProviderSchema();
      return {
        server_capabilities: capabilitiesOut(s.serverCapabilities),
        diagnostics: diagnostics(s.diagnostics),
        resources: Object.keys(s.resourceSchemas).map((type_name) => ({ type_name })),
        data_sources: Object.keys(s.dataSourceSchemas).map((type_name) => ({ type_name })),
      };
    }
    case "GetProviderSchema": {
      const s = service.getProviderSchema();
      const each = (m: Readonly<Record<string, Schema>>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, schema(v)]));
      return {
        provider: schema(s.provider),
        resource_schemas: each(s.resourceSchemas),
        data_source_schemas: each(s.dataSourceSchemas),
        diagnostics: diagnostics(s.diagnostics),
        server_capabilities: capabilitiesOut(s.serverCapabilities),
      };
    }
    case "ValidateProviderConfig":
      return { diagnostics: diagnostics((await service.validateProviderConfig({ config: obj(req.config, schemaTypes(service).provider) })).diagnostics) };
    case "ValidateResourceConfig": {
      const r = await service.validateResourceConfig({ typeName: str(req.type_name), config: obj(req.config, resource()), clientCapabilities: capabilities(req.client_capabilities) });
      return { diagnostics: diagnostics(r.diagnostics) };
    }
    case "ValidateDataResourceConfig":
      return { diagnostics: diagnostics((await service.validateDataResourceConfig({ typeName: str(req.type_name), config: obj(req.config, dataSource()) })).diagnostics) };
    case "UpgradeResourceState": {
      const r = await service.upgradeResourceState({ typeName: str(req.type_name), version: num(req.version), rawStateJson: rawJson(req.raw_state) });
      return { upgraded_state: dynamic(r.upgradedState, resource()), diagnostics: diagnostics(r.diagnostics) };
    }
    case "ConfigureProvider": {
      const r = await service.configureProvider({ terraformVersion: str(req.terraform_version), config: obj(req.config, schemaTypes(service).provider), clientCapabilities: capabilities(req.client_capabilities) });
      return { diagnostics: diagnostics(r.diagnostics) };
    }
    case "ReadResource": {
      const r = await service.readResource({ typeName: str(req.type_name), currentState: obj(req.current_state, resource()), private: bytes(req.private), clientCapabilities: capabilities(req.client_capabilities) });
      return { new_state: dynamic(r.newState, resource()), private: r.private ?? Buffer.alloc(0), diagnostics: diagnostics(r.diagnostics) };
    }
    case "PlanResourceChange": {
      const r = await service.planResourceChange({
        typeName: str(req.type_name),
        priorState: dyn(req.prior_state, resource()),
        proposedNewState: dyn(req.proposed_new_state, resource()),
        config: dyn(req.config, resource()),
        priorPrivate: bytes(req.prior_private),
        clientCapabilities: capabilities(req.client_capabilities),
      });
      return {
        planned_state: dynamic(r.plannedState, resource()),
        requires_replace: (r.requiresReplace ?? []).map(attributePath),
        planned_private: r.plannedPrivate ?? Buffer.alloc(0),
        diagnostics: diagnostics(r.diagnostics),
      };
    }
    case "ApplyResourceChange": {
      const r = await service.applyResourceChange({
        typeName: str(req.type_name),
        priorState: dyn(req.prior_state, resource()),
        plannedState: dyn(req.planned_state, resource()),
        config: dyn(req.config, resource()),
        plannedPrivate: bytes(req.planned_private),
      });
      return { new_state: dynamic(r.newState, resource()), private: r.private ?? Buffer.alloc(0), diagnostics: diagnostics(r.diagnostics) };
    }
    case "ImportResourceState": {
      const r = await service.importResourceState({ typeName: str(req.type_name), id: str(req.id), clientCapabilities: capabilities(req.client_capabilities) });
      return {
        imported_resources: r.importedResources.map((i) => ({ type_name: i.typeName, state: dynamic(i.state, resource(i.typeName)), private: i.private ?? Buffer.alloc(0) })),
        diagnostics: diagnostics(r.diagnostics),
      };
    }
    case "MoveResourceState": {
      const r = await service.moveResourceState({
        sourceProviderAddress: str(req.source_provider_address),
        sourceTypeName: str(req.source_type_name),
        sourceSchemaVersion: num(req.source_schema_version),
        sourceStateJson: rawJson(req.source_state),
        targetTypeName: str(req.target_type_name),
        sourcePrivate: bytes(req.source_private),
      });
      return { target_state: dynamic(r.targetState, resource(str(req.target_type_name))), target_private: r.targetPrivate ?? Buffer.alloc(0), diagnostics: diagnostics(r.diagnostics) };
    }
    case "ReadDataSource": {
      const r = await service.readDataSource({ typeName: str(req.type_name), config: obj(req.config, dataSource()), clientCapabilities: capabilities(req.client_capabilities) });
      return { state: dynamic(r.state, dataSource()), diagnostics: diagnostics(r.diagnostics) };
    }
    case "GetFunctions":
      return {};
    case "StopProvider":
      await service.stop();
      return {};
  }
}

/**
 * The answer of an RPC whose call threw: an error diagnostic whose summary is the message's first line
 * (the rest, if any, its detail); StopProvider's Error field. Only the message: never a stack or value.
 */
export function errorResponse(rpc: ProviderRpc, message: string): Res {
  if (rpc === "StopProvider") return { Error: message };
  const [first, ...rest] = (message.trim() || "The provider failed without a message").split("\n");
  const detail = rest.join("\n").trim();
  return { diagnostics: [diagnostic({ severity: "error", summary: first!, ...(detail ? { detail } : {}) })] };
}
