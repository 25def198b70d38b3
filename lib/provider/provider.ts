/**
 * OctopusProvider: the provider's meaning behind the wire layer (protocol/). It implements
 * ProviderService by dispatching each RPC to a resource or data source kind by type name, with the
 * generic validation and plan of framework/ around the kind's own code. Provider configuration:
 * `kms_url` only; KMS credentials come from the environment (kms-session.ts), never from an attribute.
 */
import { ConfigError } from "../kms/errors";
import { DEFAULT_KMS_URL } from "../shared/kms-url";
import * as rules from "../shared/rules";
import { Attributes, toSchema } from "./framework/attributes";
import { DiagnosticError, PROVIDER_CONFIG_SUMMARY, errorAt, hasErrors } from "./framework/diagnostics";
import { planChange } from "./framework/plan";
import { AppliedWithDiagnostics, CallContext, DataSource, Resource } from "./framework/resource";
import { validateAttributes } from "./framework/validate";
import { kmsDiagnostics } from "./kms-diagnostics";
import { KmsSession, KmsSessionOptions } from "./kms-session";
import { octopusDeployConnectionData } from "./data-sources/octopus-deploy-connection";
import { octopusDeployConnection } from "./resources/octopus-deploy-connection/resource";
import { octopusDeploySecretSync } from "./resources/octopus-deploy-secret-sync/resource";
import type { ApplyResponse, Diagnostic, ImportResponse, MoveResponse, ObjectValue, PlanResponse, ProviderService, ReadDataResponse, ReadResponse, UpgradeResponse } from "./protocol/types";
import { UNKNOWN } from "./protocol/types";

/** The provider block's attributes. */
export const PROVIDER_ATTRIBUTES: Attributes = {
  kms_url: {
    type: "string",
    optional: true,
    validators: [rules.serviceUrl],
    description: `Base URL of the KMS (https; http only to loopback). Default: ${DEFAULT_KMS_URL}. Credentials are read from the environment (KMS_TOKEN, or KMS_CLIENT_ID and KMS_CLIENT_SECRET), never from configuration.`,
  },
};

/** Options of {@link OctopusProvider} (tests: a scripted environment, transport, request counter). */
export type OctopusProviderOptions = Partial<Omit<KmsSessionOptions, "kmsUrl">>;

/** The hanzokms provider. */
export class OctopusProvider implements ProviderService {
  private readonly resources: ReadonlyMap<string, Resource> = new Map([
    [octopusDeployConnection.typeName, octopusDeployConnection],
    [octopusDeploySecretSync.typeName, octopusDeploySecretSync],
  ]);
  private readonly dataSources: ReadonlyMap<string, DataSource> = new Map([[octopusDeployConnectionData.typeName, octopusDeployConnectionData]]);
  private session?: KmsSession;
  private kmsUrl = DEFAULT_KMS_URL;
  private stopped = false;

  constructor(private readonly options: OctopusProviderOptions = {}) {}

  getProviderSchema(): ReturnType<ProviderService["getProviderSchema"]> {
    return {
      provider: toSchema(0, "Hanzo KMS (Infisical-compatible) app connections to Octopus Deploy.", PROVIDER_ATTRIBUTES),
      resourceSchemas: Object.fromEntries([...this.resources.values()].map((r) => [r.typeName, toSchema(r.version, r.description, r.attributes)])),
      dataSourceSchemas: Object.fromEntries([...this.dataSources.values()].map((d) => [d.typeName, toSchema(0, d.description, d.attributes)])),
      serverCapabilities: { getProviderSchemaOptional: true, moveResourceState: true },
    };
  }

  validateProviderConfig(req: { readonly config: ObjectValue }): { diagnostics: Diagnostic[] } {
    return { diagnostics: validateAttributes(PROVIDER_ATTRIBUTES, req.config) };
  }

  configureProvider(req: Parameters<ProviderService["configureProvider"]>[0]): { diagnostics: Diagnostic[] } {
    const url = req.config.kms_url;
    if (url === UNKNOWN) return { diagnostics: [errorAt(["kms_url"], PROVIDER_CONFIG_SUMMARY, "kms_url must be known when the provider is configured (not a value computed during apply).")] };
    const diagnostics = validateAttributes(PROVIDER_ATTRIBUTES, req.config);
    if (hasErrors(diagnostics)) return { diagnostics };
    this.kmsUrl = (typeof url === "string" ? url : DEFAULT_KMS_URL).replace(/\/+$/, "");
    this.session = new KmsSession({ ...this.options, env: this.options.env ?? process.env, kmsUrl: this.kmsUrl });
    if (this.stopped) this.session.stop();
    return { diagnostics };
  }

  validateResourceConfig(req: Parameters<ProviderService["validateResourceConfig"]>[0]): { diagnostics: Diagnostic[] } {
    const r = this.resources.get(req.typeName);
    if (!r) return { diagnostics: [unknownType("resource", req.typeName)] };
    return { diagnostics: [...validateAttributes(r.attributes, req.config), ...r.validate(req.config, req.clientCapabilities)] };
  }

  validateDataResourceConfig(req: Parameters<ProviderService["validateDataResourceConfig"]>[0]): { diagnostics: Diagnostic[] } {
    const d = this.dataSources.get(req.typeName);
    if (!d) return { diagnostics: [unknownType("data source", req.typeName)] };
    return { diagnostics: [...validateAttributes(d.attributes, req.config), ...d.validate(req.config)] };
  }

  async upgradeResourceState(req: Parameters<ProviderService["upgradeResourceState"]>[0]): Promise<UpgradeResponse> {
    const r = this.resources.get(req.typeName);
    if (!r) return { upgradedState: null, diagnostics: [unknownType("resource", req.typeName)] };
    return guard<UpgradeResponse>(`Upgrading the state of ${req.typeName}`, { upgradedState: null }, async () => ({ upgradedState: r.upgradeState(req.version, req.rawStateJson) }));
  }

  async readResource(req: Parameters<ProviderService["readResource"]>[0]): Promise<ReadResponse> {
    const r = this.resources.get(req.typeName);
    if (!r) return { newState: req.currentState, diagnostics: [unknownType("resource", req.typeName)] };
    return guard<ReadResponse>(`Reading ${req.typeName}`, { newState: req.currentState }, async () => ({ newState: await r.read(this.context(), req.currentState) }));
  }

  async planResourceChange(req: Parameters<ProviderService["planResourceChange"]>[0]): Promise<PlanResponse> {
    const r = this.resources.get(req.typeName);
    if (!r) return { plannedState: req.proposedNewState, diagnostics: [unknownType("resource", req.typeName)] };
    if (!req.proposedNewState || !req.config) return { plannedState: null };
    const config = req.config;
    return guard<PlanResponse>(`Planning ${req.typeName}`, { plannedState: req.proposedNewState }, async () => {
      // Everything knowable before a request is refused here, with nothing sent.
      const diagnostics = [...validateAttributes(r.attributes, config), ...r.validate(config, req.clientCapabilities)];
      if (hasErrors(diagnostics)) return { plannedState: req.proposedNewState, diagnostics };
      const generic = planChange(r.attributes, req.priorState, req.proposedNewState, config);
      const refined = r.modifyPlan(this.context(), { prior: req.priorState, planned: generic.planned!, config, capabilities: req.clientCapabilities });
      return { plannedState: refined.planned, requiresReplace: generic.requiresReplace, diagnostics: [...diagnostics, ...(refined.diagnostics ?? [])] };
    });
  }

  async applyResourceChange(req: Parameters<ProviderService["applyResourceChange"]>[0]): Promise<ApplyResponse> {
    const r = this.resources.get(req.typeName);
    if (!r) return { newState: req.priorState, diagnostics: [unknownType("resource", req.typeName)] };
    const { priorState: prior, plannedState: planned, config } = req;
    return guard<ApplyResponse>(`Applying ${req.typeName}`, { newState: prior }, async () => {
      const ctx = this.context();
      if (!planned) {
        if (prior) await r.delete(ctx, prior);
        return { newState: null };
      }
      if (!config) throw DiagnosticError.at(undefined, "Missing configuration", "Terraform sent no configuration for a create or update.");
      // Values unknown at plan are known now: check them before anything is sent.
      const diagnostics = validateAttributes(r.attributes, config);
      if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);
      const result = prior ? await r.update(ctx, prior, planned, config) : await r.create(ctx, planned, config);
      return result instanceof AppliedWithDiagnostics ? { newState: result.state, diagnostics: result.diagnostics } : { newState: result };
    });
  }

  async importResourceState(req: Parameters<ProviderService["importResourceState"]>[0]): Promise<ImportResponse> {
    const r = this.resources.get(req.typeName);
    if (!r) return { importedResources: [], diagnostics: [unknownType("resource", req.typeName)] };
    return guard<ImportResponse>(`Importing ${req.typeName}`, { importedResources: [] }, async () => ({
      importedResources: [{ typeName: req.typeName, state: await r.importState(this.context(), req.id) }],
    }));
  }

  async moveResourceState(req: Parameters<ProviderService["moveResourceState"]>[0]): Promise<MoveResponse> {
    const r = this.resources.get(req.targetTypeName);
    if (!r) return { targetState: null, diagnostics: [unknownType("resource", req.targetTypeName)] };
    return guard<MoveResponse>(`Moving ${req.sourceTypeName} to ${req.targetTypeName}`, { targetState: null }, async () => {
      const state = await r.moveState?.(this.context(), { typeName: req.sourceTypeName, providerAddress: req.sourceProviderAddress, stateJson: req.sourceStateJson });
      if (!state) {
        throw DiagnosticError.at(undefined, "Unsupported move", `${req.targetTypeName} cannot take over the state of a ${req.sourceTypeName} (${req.sourceProviderAddress}); it takes the connection resource of the terraform_data and null_resource engines.`);
      }
      return { targetState: state };
    });
  }

  async readDataSource(req: Parameters<ProviderService["readDataSource"]>[0]): Promise<ReadDataResponse> {
    const d = this.dataSources.get(req.typeName);
    if (!d) return { state: null, diagnostics: [unknownType("data source", req.typeName)] };
    return guard<ReadDataResponse>(`Reading data source ${req.typeName}`, { state: null }, async () => {
      const diagnostics = validateAttributes(d.attributes, req.config);
      if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);
      return { state: await d.read(this.context(), req.config) };
    });
  }

  /** StopProvider: the request in flight is abandoned, none starts afterwards. */
  stop(): void {
    this.stopped = true;
    this.session?.stop();
  }

  private context(): CallContext {
    const session = this.session;
    return {
      env: this.options.env ?? process.env,
      kmsUrl: this.kmsUrl,
      signal: session?.signal,
      kms: () => {
        if (!session) throw new DiagnosticError([errorAt(undefined, PROVIDER_CONFIG_SUMMARY, "The provider was not configured before it was used (ConfigureProvider was not called).")]);
        return session.kms();
      },
    };
  }
}

/** Runs `fn`; a DiagnosticError or any other failure becomes the answer `fallback` with diagnostics (never an exception). */
async function guard<T extends { diagnostics?: readonly Diagnostic[] }>(what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const diagnostics = err instanceof ConfigError ? [errorAt(undefined, PROVIDER_CONFIG_SUMMARY, err.message)] : kmsDiagnostics(err, what);
    return { ...fallback, diagnostics };
  }
}

function unknownType(kind: string, typeName: string): Diagnostic {
  return errorAt(undefined, `Unknown ${kind} type`, `This provider has no ${kind} type ${typeName}.`);
}
