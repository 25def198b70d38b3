/**
 * Drives OctopusProvider's ProviderService methods the way Terraform does (validate, plan with a
 * proposed new state, apply, refresh), against the real local KMS. No Terraform, no gRPC.
 */
import { KmsClient } from "../../lib/kms/client";
import { TYPE_NAMES } from "../../lib/provider/address";
import { OctopusProvider } from "../../lib/provider/provider";
import { CONNECTION_ATTRIBUTES } from "../../lib/provider/resources/octopus-deploy-connection/schema";
import { ClientCapabilities, Diagnostic, ObjectValue, PlanResponse, UNKNOWN, Value } from "../../lib/provider/protocol/types";
import { LocalKms, RequestLogEntry } from "../../lib/testing";

export const TYPE = TYPE_NAMES.connection;
export const WRITE_ONLY: ClientCapabilities = { writeOnlyAttributesAllowed: true };

/** A full config object: every attribute, null unless given. */
export function config(values: Readonly<Record<string, Value>>): ObjectValue {
  return Object.fromEntries(Object.keys(CONNECTION_ATTRIBUTES).map((k) => [k, values[k] ?? null]));
}

/** Terraform's proposed new state: config where set, else the prior value of computed attributes; write-only null. */
export function proposed(prior: ObjectValue | null, cfg: ObjectValue): ObjectValue {
  return Object.fromEntries(
    Object.entries(CONNECTION_ATTRIBUTES).map(([k, def]) => {
      if (def.writeOnly) return [k, null];
      if (cfg[k] !== null) return [k, cfg[k]];
      return [k, def.computed ? (prior?.[k] ?? null) : null];
    }),
  );
}

/** Connection-API requests only (not logins), as "METHOD path". */
export function apiRequests(kms: LocalKms, since = 0): RequestLogEntry[] {
  return kms.requests.slice(since).filter((r) => r.path.startsWith("/api/v1/app-connections"));
}

/** Throws when any diagnostic is an error (with their text). */
export function noErrors(diagnostics: readonly Diagnostic[] | undefined): void {
  const errors = (diagnostics ?? []).filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`unexpected diagnostics: ${JSON.stringify(errors)}`);
}

/** Fails when an answer carries a secret (the Octopus key or the KMS token) anywhere. */
function noSecretIn(answer: unknown, secrets: readonly string[]): void {
  const text = JSON.stringify(answer, (_k, v: unknown) => (typeof v === "symbol" ? "(unknown)" : v));
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** A configured provider and Terraform-like steps; every answer is checked for secrets. */
export class Driver {
  readonly provider: OctopusProvider;
  constructor(
    readonly kms: LocalKms,
    readonly env: NodeJS.ProcessEnv = { KMS_TOKEN: kms.token },
  ) {
    this.provider = new OctopusProvider({ env });
  }

  async configure(kmsUrl: Value = this.kms.kmsUrl): Promise<readonly Diagnostic[]> {
    return (await this.provider.configureProvider({ terraformVersion: "1.11.4", config: { kms_url: kmsUrl }, clientCapabilities: WRITE_ONLY })).diagnostics ?? [];
  }

  async validate(cfg: ObjectValue, capabilities: ClientCapabilities = WRITE_ONLY): Promise<readonly Diagnostic[]> {
    return (await this.provider.validateResourceConfig({ typeName: TYPE, config: cfg, clientCapabilities: capabilities })).diagnostics ?? [];
  }

  async plan(prior: ObjectValue | null, cfg: ObjectValue): Promise<PlanResponse> {
    const plan = await this.provider.planResourceChange({ typeName: TYPE, priorState: prior, proposedNewState: proposed(prior, cfg), config: cfg, priorPrivate: Buffer.alloc(0), clientCapabilities: WRITE_ONLY });
    this.noSecret(plan);
    return plan;
  }

  /** Plan then apply; throws on error diagnostics. */
  async apply(prior: ObjectValue | null, cfg: ObjectValue): Promise<ObjectValue> {
    const plan = await this.plan(prior, cfg);
    noErrors(plan.diagnostics);
    const applied = await this.provider.applyResourceChange({ typeName: TYPE, priorState: prior, plannedState: plan.plannedState, config: cfg, plannedPrivate: Buffer.alloc(0) });
    this.noSecret(applied);
    noErrors(applied.diagnostics);
    expect(applied.newState).not.toBeNull();
    return applied.newState!;
  }

  /** Apply that is expected to fail: its diagnostics. */
  async applyFails(prior: ObjectValue | null, cfg: ObjectValue): Promise<readonly Diagnostic[]> {
    const plan = await this.plan(prior, cfg);
    noErrors(plan.diagnostics);
    const applied = await this.provider.applyResourceChange({ typeName: TYPE, priorState: prior, plannedState: plan.plannedState, config: cfg, plannedPrivate: Buffer.alloc(0) });
    this.noSecret(applied);
    return applied.diagnostics ?? [];
  }

  async destroy(prior: ObjectValue): Promise<readonly Diagnostic[]> {
    const applied = await this.provider.applyResourceChange({ typeName: TYPE, priorState: prior, plannedState: null, config: null, plannedPrivate: Buffer.alloc(0) });
    expect(applied.newState).toBeNull();
    return applied.diagnostics ?? [];
  }

  async refresh(state: ObjectValue): Promise<ObjectValue | null> {
    const read = await this.provider.readResource({ typeName: TYPE, currentState: state, private: Buffer.alloc(0) });
    this.noSecret(read);
    noErrors(read.diagnostics);
    return read.newState;
  }

  /** Fails when an answer holds a key the tests use or a KMS secret. */
  noSecret(answer: unknown): void {
    noSecretIn(answer, [this.kms.octopusApiKey, this.kms.token, this.kms.clientSecret, ...Object.values(this.env).filter((v): v is string => typeof v === "string" && v.startsWith("API-"))]);
  }

  /** A KMS client of its own, for changes "by hand". */
  byHand(): KmsClient {
    return new KmsClient({ kmsUrl: this.kms.kmsUrl, auth: { kind: "token", token: this.kms.token, source: "test" } });
  }
}

/** Whether a plan changes nothing (planned equals prior, no unknowns). */
export function unchanged(plan: PlanResponse, prior: ObjectValue): boolean {
  const planned = plan.plannedState!;
  return Object.keys(prior).every((k) => planned[k] !== UNKNOWN && JSON.stringify(planned[k]) === JSON.stringify(prior[k]));
}

/** Unique names per test. */
let counter = 0;
export function uniqueName(prefix = "conn"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}
