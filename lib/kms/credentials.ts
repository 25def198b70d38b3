/**
 * KMS credentials come from the environment only (never from props, so they never reach cdktf.out or
 * the Terraform state). Hanzo KMS names first, Infisical names accepted too.
 */
import { ConfigError } from "./errors";

/** How the client authenticates. */
export type KmsAuth =
  | {
      /** A ready access token (machine identity token or user JWT). */
      readonly kind: "token";
      /** The token. */
      readonly token: string;
      /** Name of the variable it came from, for messages. */
      readonly source: string;
    }
  | {
      /** Universal Auth: the client logs in and refreshes its token when it expires. */
      readonly kind: "universal-auth";
      /** Machine identity client id. */
      readonly clientId: string;
      /** Machine identity client secret. */
      readonly clientSecret: string;
      /** Organization slug (Hanzo `organizationSlug`), when the identity belongs to several. */
      readonly organizationSlug?: string;
      /** Names of the variables they came from, for messages. */
      readonly source: string;
    };

/** Variable names, in order of preference. */
export const KMS_ENV = {
  token: ["KMS_TOKEN", "INFISICAL_TOKEN"],
  clientId: ["KMS_CLIENT_ID", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"],
  clientSecret: ["KMS_CLIENT_SECRET", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"],
  organizationSlug: ["KMS_ORGANIZATION_SLUG"],
} as const;

/** Every variable name that holds a KMS secret (callers must never accept these as `apiKeyEnv`). */
export const KMS_SECRET_ENV_NAMES: readonly string[] = [...KMS_ENV.token, ...KMS_ENV.clientSecret];

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/**
 * Reads the KMS credentials. A token wins over Universal Auth; a half-set Universal Auth pair is an
 * error, as is nothing at all. The error names the variables; it never repeats a value.
 */
export function kmsAuthFromEnv(env: NodeJS.ProcessEnv = process.env): KmsAuth {
  const token = pick(env, KMS_ENV.token);
  if (token) return { kind: "token", token: token.value, source: token.name };
  const clientId = pick(env, KMS_ENV.clientId);
  const clientSecret = pick(env, KMS_ENV.clientSecret);
  if (clientId && clientSecret) {
    const org = pick(env, KMS_ENV.organizationSlug);
    return {
      kind: "universal-auth",
      clientId: clientId.value,
      clientSecret: clientSecret.value,
      ...(org ? { organizationSlug: org.value } : {}),
      source: `${clientId.name} and ${clientSecret.name}`,
    };
  }
  if (clientId || clientSecret) {
    const missing = clientId ? KMS_ENV.clientSecret[0] : KMS_ENV.clientId[0];
    throw new ConfigError(`${clientId?.name ?? clientSecret?.name} is set but ${missing} is not: Universal Auth needs both (nothing was sent to the KMS).`);
  }
  throw new ConfigError(
    "No KMS credentials in the environment (nothing was sent to the KMS). Set KMS_TOKEN to an access token, " +
      "or KMS_CLIENT_ID and KMS_CLIENT_SECRET for a Universal Auth machine identity (optional KMS_ORGANIZATION_SLUG). " +
      "The Infisical names INFISICAL_TOKEN, INFISICAL_UNIVERSAL_AUTH_CLIENT_ID and INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET work too.",
  );
}
