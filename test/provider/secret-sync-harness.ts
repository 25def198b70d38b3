/**
 * Drives OctopusProvider's ProviderService methods for `hanzokms_octopus_deploy_secret_sync` the way
 * Terraform does (validate, plan with a proposed new state, apply, refresh, import), against the real
 * local KMS, like harness.ts does for connections; plus the KMS-side setup a sync needs (a connection,
 * secrets through the v4 routes) and the request log of the sync routes.
 */
import { KmsClient } from "../../lib/kms/client";
import { OCTOPUS_METHOD } from "../../lib/kms/schemas";
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import { TYPE_NAMES } from "../../lib/provider/address";
import { OctopusProvider } from "../../lib/provider/provider";
import { SYNC_ATTRIBUTES } from "../../lib/provider/resources/octopus-deploy-secret-sync/schema";
import { ApplyResponse, Diagnostic, ObjectValue, PlanResponse, Value } from "../../lib/provider/protocol/types";
import { LocalKms, RequestLogEntry } from "../../lib/testing";
import { call } from "../testing/helpers";
import { WRITE_ONLY, noErrors } from "./harness";

export const SYNC_TYPE = TYPE_NAMES.secretSync;
const SYNC_ROUTE = "/api/v1/secret-syncs/octopus-deploy";

/** A full config object: every attribute, null unless given. */
export function syncConfig(values: Readonly<Record<string, Value>>): ObjectValue {
  return Object.fromEntries(Object.keys(SYNC_ATTRIBUTES).map((k) => [k, values[k] ?? null]));
}

/** Terraform's proposed new state: config where set, else the prior value of computed attributes. */
export function proposedSync(prior: ObjectValue | null, cfg: ObjectValue): ObjectValue {
  return Object.fromEntries(Object.entries(SYNC_ATTRIBUTES).map(([k, def]) => [k, cfg[k] !== null ? cfg[k] : def.computed ? (prior?.[k] ?? null) : null]));
}

/** Requests to the sync routes since `since`, as "METHOD path?query". */
export function syncRequests(kms: LocalKms, since = 0): string[] {
  return kms.requests
    .slice(since)
    .filter((r: RequestLogEntry) => r.path.startsWith(SYNC_ROUTE))
    .map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query as Record<string, string>)}` : ""}`);
}

/** Splits the sync requests of a create, update or delete into its own and the status polls (GETs of the sync by id). */
export function splitPolls(requests: readonly string[], id: string): { own: string[]; polls: number } {
  const poll = `GET ${SYNC_ROUTE}/${id}`;
  return { own: requests.filter((r) => r !== poll), polls: requests.filter((r) => r === poll).length };
}

/** A configured provider and Terraform-like steps for secret syncs; every answer is checked for secrets. */
export class SyncDriver {
  readonly provider: OctopusProvider;
  constructor(
    readonly kms: LocalKms,
    readonly env: NodeJS.ProcessEnv = { KMS_TOKEN: kms.token },
    /** Values that must never appear in an answer (secret values set in the KMS). */
    readonly secrets: string[] = [],
  ) {
    this.provider = new OctopusProvider({ env });
  }

  async configure(): Promise<readonly Diagnostic[]> {
    return (await this.provider.configureProvider({ terraformVersion: "1.11.4", config: { kms_url: this.kms.kmsUrl }, clientCapabilities: WRITE_ONLY })).diagnostics ?? [];
  }

  async validate(cfg: ObjectValue): Promise<readonly Diagnostic[]> {
    return (await this.provider.validateResourceConfig({ typeName: SYNC_TYPE, config: cfg, clientCapabilities: WRITE_ONLY })).diagnostics ?? [];
  }

  async plan(prior: ObjectValue | null, cfg: ObjectValue): Promise<PlanResponse> {
    const plan = await this.provider.planResourceChange({ typeName: SYNC_TYPE, priorState: prior, proposedNewState: proposedSync(prior, cfg), config: cfg, priorPrivate: Buffer.alloc(0), clientCapabilities: WRITE_ONLY });
    this.noSecret(plan);
    return plan;
  }

  /** Plan then apply, the whole answer (the plan must have no error). */
  async applyResponse(prior: ObjectValue | null, cfg: ObjectValue): Promise<ApplyResponse> {
    const plan = await this.plan(prior, cfg);
    noErrors(plan.diagnostics);
    const applied = await this.provider.applyResourceChange({ typeName: SYNC_TYPE, priorState: prior, plannedState: plan.plannedState, config: cfg, plannedPrivate: Buffer.alloc(0) });
    this.noSecret(applied);
    return applied;
  }

  /** Plan then apply; throws on error diagnostics. */
  async apply(prior: ObjectValue | null, cfg: ObjectValue): Promise<ObjectValue> {
    const applied = await this.applyResponse(prior, cfg);
    noErrors(applied.diagnostics);
    expect(applied.newState).not.toBeNull();
    return applied.newState!;
  }

  async destroy(prior: ObjectValue): Promise<ApplyResponse> {
    const applied = await this.provider.applyResourceChange({ typeName: SYNC_TYPE, priorState: prior, plannedState: null, config: null, plannedPrivate: Buffer.alloc(0) });
    this.noSecret(applied);
    return applied;
  }

  async refresh(state: ObjectValue): Promise<ObjectValue | null> {
    const read = await this.provider.readResource({ typeName: SYNC_TYPE, currentState: state, private: Buffer.alloc(0) });
    this.noSecret(read);
    noErrors(read.diagnostics);
    return read.newState;
  }

  async import(id: string) {
    const imported = await this.provider.importResourceState({ typeName: SYNC_TYPE, id });
    this.noSecret(imported);
    return imported;
  }

  /** Fails when an answer holds a secret value, the Octopus key or a KMS credential. */
  noSecret(answer: unknown): void {
    const text = JSON.stringify(answer, (_k, v: unknown) => (typeof v === "symbol" ? "(unknown)" : v));
    for (const secret of [this.kms.octopusApiKey, this.kms.token, this.kms.clientSecret, ...this.secrets]) expect(text).not.toContain(secret);
  }

  /** KMS clients of their own, for changes "by hand". */
  byHand(): { connections: KmsClient; syncs: SecretSyncClient } {
    const connections = new KmsClient({ kmsUrl: this.kms.kmsUrl, auth: { kind: "token", token: this.kms.token, source: "test" } });
    return { connections, syncs: new SecretSyncClient(connections) };
  }

  /** An organization-level Octopus connection to the fake Octopus; its id. */
  async connection(name: string): Promise<string> {
    const c = await this.byHand().connections.create({ name, method: OCTOPUS_METHOD, credentials: { instanceUrl: this.kms.octopusUrl, apiKey: this.kms.octopusApiKey } });
    return c.id;
  }

  /** Creates or updates a secret in the default project (v4 routes); its value becomes one the answers must never hold. */
  async setSecret(name: string, value: string, environment = "dev", secretPath = "/"): Promise<void> {
    this.secrets.push(value);
    const body = { projectId: this.kms.projectId, environment, secretPath, secretValue: value };
    const query = new URLSearchParams({ projectId: this.kms.projectId, environment, secretPath });
    const existing = await call(this.kms, "GET", `/api/v4/secrets/${name}?${query}`);
    const result = await call(this.kms, existing.status === 200 ? "PATCH" : "POST", `/api/v4/secrets/${name}`, { body });
    if (result.status !== 200) throw new Error(`setting secret ${name} failed: ${result.status}`);
  }
}
