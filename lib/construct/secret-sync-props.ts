/**
 * Synth-time validation of OctopusDeploySecretSync props with zod, on the shared rules
 * (shared/sync-rules.ts, shared/rules.ts) the provider's schema also uses. Every problem is reported
 * at once, each naming the field and the rule; nothing is synthesized or sent.
 */
import { Token } from "../cdk";
import { z } from "zod";
import { preview, typeOf } from "./describe-value";
import * as rules from "../shared/rules";
import * as syncRules from "../shared/sync-rules";
import { DEFAULT_KMS_URL } from "../shared/kms-url";
import { INITIAL_SYNC_BEHAVIORS } from "../provider/resources/octopus-deploy-secret-sync/schema";
import type { OctopusScopeValues } from "./secret-sync-resource";

/** Where the secrets go in Octopus Deploy (the sync's destination, scope "project"). */
export interface OctopusSyncDestination {
  /** Octopus space id, such as "Spaces-1"; a Terraform reference is accepted. */
  readonly spaceId: string;
  /** Octopus project id whose variables receive the secrets, such as "Projects-1"; a Terraform reference is accepted. */
  readonly projectId: string;
  /** Octopus scope of the variables the sync writes. @default - unscoped */
  readonly scopeValues?: OctopusScopeValues;
}

/** How the sync writes variables. */
export interface OctopusSyncOptions {
  /** Name of each Octopus variable, with {{secretKey}} exactly once (and optionally {{environment}}), such as "APP_{{secretKey}}". @default - the secret's key */
  readonly keySchema?: string;
  /** Keep Octopus variables whose secret was deleted in the KMS. @default false */
  readonly disableSecretDeletion?: boolean;
  /** What the first sync does; Octopus Deploy supports only "overwrite-destination". @default "overwrite-destination" */
  readonly initialSyncBehavior?: (typeof INITIAL_SYNC_BEHAVIORS)[number];
}

/** Props after validation, defaults applied (the connection resolved by the construct). */
export interface ValidatedSyncProps {
  readonly name: string;
  readonly description: string | undefined;
  readonly projectId: string;
  readonly environment: string;
  readonly secretPath: string;
  readonly destination: { readonly spaceId: string; readonly projectId: string; readonly scopeValues: OctopusScopeValues | undefined };
  readonly keySchema: string | undefined;
  readonly disableSecretDeletion: boolean | undefined;
  readonly initialSyncBehavior: string | undefined;
  readonly autoSyncEnabled: boolean;
  readonly removeSecretsOnDestroy: boolean;
  readonly kmsUrl: string | undefined;
}

/** Thrown for invalid props; the message lists every problem. */
export class OctopusDeploySecretSyncPropsError extends Error {
  public override readonly name = "OctopusDeploySecretSyncPropsError";
  constructor(
    /** Construct path. */
    public readonly path: string,
    /** One entry per problem: field and rule. */
    public readonly problems: readonly { readonly field: string; readonly rule: string }[],
  ) {
    super(`OctopusDeploySecretSync at "${path}" has invalid props:\n${problems.map((p) => `  - ${p.field}: ${p.rule}`).join("\n")}`);
  }
}

const stringError = { error: (i: { input: unknown }) => `must be a string, got ${typeOf(i.input)}` };

/** A string that passes a shared rule; a Terraform reference is accepted unless `literalOnly` (then the provider checks it at plan time). */
function checked(check: (value: string) => rules.Verdict, literalOnly?: string) {
  return z.string(stringError).superRefine((value, ctx) => {
    if (Token.isUnresolved(value)) {
      if (literalOnly) ctx.addIssue({ code: "custom", message: `must be a literal string, not a Terraform reference (${literalOnly})` });
      return;
    }
    const verdict = check(value);
    if (verdict) ctx.addIssue({ code: "custom", message: `${verdict}; got ${preview(value)}` });
  });
}

const bool = z.boolean({ error: (i) => `must be true or false, got ${typeOf(i.input)}` });

const scopeList = z.array(checked((v) => (v.trim() === "" ? 'must be a non-empty string (an Octopus id such as "Environments-1")' : undefined)), {
  error: (i) => `must be a list of strings, got ${typeOf(i.input)}`,
});

const ScopeSchema = z.strictObject(Object.fromEntries(syncRules.SCOPE_VALUE_KEYS.map((k) => [k, scopeList.optional()])) as Record<(typeof syncRules.SCOPE_VALUE_KEYS)[number], z.ZodOptional<typeof scopeList>>, {
  error: (i) =>
    i.code === "unrecognized_keys" ? `unknown scope ${i.keys.join(", ")}; allowed: ${syncRules.SCOPE_VALUE_KEYS.join(", ")}` : `must be an object with lists of ids under ${syncRules.SCOPE_VALUE_KEYS.join(", ")}`,
});

const strictObject = (what: string) => ({ error: (i: { code?: string; keys?: string[]; input: unknown }) => (i.code === "unrecognized_keys" ? `unknown prop${i.keys!.length > 1 ? "s" : ""} ${i.keys!.join(", ")}` : `${what} must be an object, got ${typeOf(i.input)}`) });

const PropsSchema = z.strictObject(
  {
    name: checked(syncRules.syncName, "the name identifies the sync and is shown in plans"),
    description: checked(rules.description).optional(),
    connection: z.unknown(), // an OctopusDeployConnection or an id: resolved by the construct
    projectId: checked(rules.projectId),
    environment: checked(syncRules.environmentSlug),
    secretPath: checked(syncRules.secretPath),
    destination: z.strictObject(
      { spaceId: checked(syncRules.nonEmptyId), projectId: checked(syncRules.nonEmptyId), scopeValues: ScopeSchema.optional() },
      strictObject("destination"),
    ),
    syncOptions: z
      .strictObject(
        {
          keySchema: checked(syncRules.keySchema).optional(),
          disableSecretDeletion: bool.optional(),
          initialSyncBehavior: z.enum(INITIAL_SYNC_BEHAVIORS, { error: (i) => `must be ${INITIAL_SYNC_BEHAVIORS.map((b) => `"${b}"`).join(" or ")} (Octopus Deploy syncs cannot import), got ${preview(i.input)}` }).optional(),
        },
        strictObject("syncOptions"),
      )
      .optional(),
    autoSyncEnabled: bool.optional(),
    removeSecretsOnDestroy: bool.optional(),
    kmsUrl: checked(rules.serviceUrl, "the KMS is part of the sync's identity").optional(),
  },
  strictObject("props"),
);

/** Validates props (all but `connection`, which the construct resolves); throws {@link OctopusDeploySecretSyncPropsError} listing every problem. */
export function validateSyncProps(path: string, props: unknown, extra: readonly { field: string; rule: string }[] = []): ValidatedSyncProps {
  const parsed = PropsSchema.safeParse(props);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((issue) => ({ field: issue.path.length ? issue.path.join(".") : "props", rule: issue.message }))), ...extra];
  if (problems.length || !parsed.success) throw new OctopusDeploySecretSyncPropsError(path, problems);
  const p = parsed.data;
  return {
    name: p.name,
    description: p.description,
    projectId: p.projectId,
    environment: p.environment,
    secretPath: p.secretPath,
    destination: { spaceId: p.destination.spaceId, projectId: p.destination.projectId, scopeValues: p.destination.scopeValues },
    keySchema: p.syncOptions?.keySchema,
    disableSecretDeletion: p.syncOptions?.disableSecretDeletion,
    initialSyncBehavior: p.syncOptions?.initialSyncBehavior,
    autoSyncEnabled: p.autoSyncEnabled ?? true,
    removeSecretsOnDestroy: p.removeSecretsOnDestroy ?? false,
    kmsUrl: p.kmsUrl,
  };
}

/** The KMS a sync uses when none is given and its connection is an id. */
export { DEFAULT_KMS_URL };
