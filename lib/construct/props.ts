/**
 * Synth-time validation of OctopusDeployConnection props with zod. Every problem is reported at
 * once, each naming the field and the rule, before anything is synthesized or sent.
 */
import { Token } from "../cdk";
import { z } from "zod";
import { preview, typeOf } from "./describe-value";
import { KMS_SECRET_ENV_NAMES } from "../kms/credentials";
import * as rules from "../shared/rules";

import { DEFAULT_KMS_URL } from "../shared/kms-url";

/** The public KMS, used when `kmsUrl` is not given (defined in lib/shared, which the provider loads without cdktf). */
export { DEFAULT_KMS_URL };

/** Props after validation, defaults applied. */
export interface ValidatedProps {
  readonly name: string;
  readonly description: string | undefined;
  readonly projectId: string | undefined;
  readonly instanceUrl: string;
  readonly apiKey: string | undefined;
  readonly apiKeyEnv: string | undefined;
  readonly kmsUrl: string;
  readonly removalPolicy: "destroy" | "retain";
  readonly adoptExisting: boolean;
  readonly renamedFrom: string | undefined;
  readonly engine: Engine;
}

/** Every engine, the default first. */
export const ENGINES = ["provider", "terraform_data", "null_resource"] as const;
/** What carries a connection: the package's provider (default), or hooks on terraform_data / null_resource. */
export type Engine = (typeof ENGINES)[number];

/** Thrown for invalid props; the message lists every problem. */
export class OctopusDeployConnectionPropsError extends Error {
  public override readonly name = "OctopusDeployConnectionPropsError";
  constructor(
    /** Construct path. */
    public readonly path: string,
    /** One entry per problem: field and rule. */
    public readonly problems: readonly { readonly field: string; readonly rule: string }[],
  ) {
    super(`OctopusDeployConnection at "${path}" has invalid props:\n${problems.map((p) => `  - ${p.field}: ${p.rule}`).join("\n")}`);
  }
}

/**
 * A literal string (not a Terraform reference) that passes a shared rule. The bad value is quoted in
 * the error, except with `echo: false` (apiKeyEnv: a common slip is passing the key itself there).
 */
function literal(check: (value: string) => rules.Verdict, what: string, echo = true) {
  return z.string({ error: (i) => `must be a string, got ${typeOf(i.input)}` }).superRefine((value, ctx) => {
    if (Token.isUnresolved(value)) {
      ctx.addIssue({ code: "custom", message: `must be a literal string, not a Terraform reference (${what})` });
      return;
    }
    const verdict = check(value);
    if (verdict) ctx.addIssue({ code: "custom", message: echo ? `${verdict}; got ${preview(value)}` : `${verdict} (the value is not shown: it may be a secret)` });
  });
}

const PropsSchema = z
  .strictObject(
    {
      // The provider follows the KMS (64); the hook engines keep their documented 32 (checked below).
      name: literal((v) => rules.connectionName(v, rules.NAME_MAX_CURRENT), "the name identifies the connection and is shown in plans"),
      description: literal(rules.description, "it is shown in plans").optional(),
      projectId: z
        .string({ error: (i) => `must be a string, got ${typeOf(i.input)}` })
        .superRefine((value, ctx) => {
          if (Token.isUnresolved(value)) return; // checked by the hook at apply time
          const verdict = rules.projectId(value);
          if (verdict) ctx.addIssue({ code: "custom", message: `${verdict}; got ${preview(value)}` });
        })
        .optional(),
      instanceUrl: literal(rules.serviceUrl, "it is shown in plans"),
      apiKey: z
        .preprocess((value) => (typeof value === "object" && value !== null && Token.isUnresolved(value) ? Token.asString(value) : value), z.string({ error: (i) => `must be a string (a sensitive Terraform value), got ${typeOf(i.input)}` })
        .superRefine((value: string, ctx) => {
          if (!Token.isUnresolved(value)) {
            ctx.addIssue({
              code: "custom",
              message:
                "must be a Terraform value, such as a sensitive TerraformVariable's .value: a literal string would be written to cdktf.out in clear. Use apiKeyEnv to read the key from the environment instead",
            });
          }
        }))
        .optional(),
      apiKeyEnv: literal(rules.envVarName, "the hook reads the variable at apply time", false)
        .superRefine((value, ctx) => {
          if (KMS_SECRET_ENV_NAMES.includes(value) || value.startsWith("KMS_OCTOPUS_")) {
            ctx.addIssue({ code: "custom", message: `must not be ${value}: that name is reserved for the KMS credentials and the hook` });
          }
        })
        .optional(),
      kmsUrl: literal(rules.serviceUrl, "the KMS is part of the connection's identity").optional(),
      removalPolicy: z.enum(["destroy", "retain"], { error: (i) => `must be "destroy" or "retain", got ${preview(i.input)}` }).optional(),
      adoptExisting: z.boolean({ error: (i) => `must be true or false, got ${typeOf(i.input)}` }).optional(),
      renamedFrom: literal(rules.connectionName, "it names the connection to rename").optional(),
      engine: z.enum(ENGINES, { error: (i) => `must be one of ${ENGINES.map((e) => `"${e}"`).join(", ")}, got ${preview(i.input)}` }).optional(),
    },
    { error: (i) => (i.code === "unrecognized_keys" ? `unknown prop${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}` : `props must be an object, got ${typeOf(i.input)}`) },
  )
  .superRefine((p, ctx) => {
    if ((p.apiKey === undefined) === (p.apiKeyEnv === undefined)) {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: "set exactly one of apiKey (a sensitive Terraform value) and apiKeyEnv (the name of an environment variable read at apply time)" });
    }
    if ((p.engine ?? "provider") !== "provider" && p.name.length > rules.NAME_MAX) {
      ctx.addIssue({ code: "custom", path: ["name"], message: `must be at most ${rules.NAME_MAX} characters with engine "${p.engine}" (got ${p.name.length}); the default engine "provider" allows ${rules.NAME_MAX_CURRENT}, as current KMS releases do` });
    }
    if (p.renamedFrom !== undefined && p.renamedFrom === p.name) {
      ctx.addIssue({ code: "custom", path: ["renamedFrom"], message: "must differ from name (it is the previous name)" });
    }
    if (p.renamedFrom !== undefined && p.engine === "null_resource") {
      ctx.addIssue({ code: "custom", path: ["renamedFrom"], message: 'is not supported with engine "null_resource" (null_resource cannot update in place; use the default engine "provider", which renames in place without it)' });
    }
  });

/** Validates props; throws {@link OctopusDeployConnectionPropsError} listing every problem. */
export function validateProps(path: string, props: unknown): ValidatedProps {
  const parsed = PropsSchema.safeParse(props);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join(".") : "props",
      rule: issue.message,
    }));
    throw new OctopusDeployConnectionPropsError(path, problems);
  }
  const p = parsed.data;
  return {
    name: p.name,
    description: p.description,
    projectId: p.projectId,
    instanceUrl: p.instanceUrl,
    apiKey: p.apiKey,
    apiKeyEnv: p.apiKeyEnv,
    kmsUrl: p.kmsUrl ?? DEFAULT_KMS_URL,
    removalPolicy: p.removalPolicy ?? "destroy",
    adoptExisting: p.adoptExisting ?? false,
    renamedFrom: p.renamedFrom,
    engine: p.engine ?? "provider",
  };
}
