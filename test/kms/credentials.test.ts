/**
 * KMS credentials from the environment, for every combination of the variables: the right auth kind
 * and values, the preference order, and errors that name variables and never repeat a value.
 */
import { KMS_ENV, KMS_SECRET_ENV_NAMES, KmsAuth, kmsAuthFromEnv } from "../../lib/kms/credentials";
import { ConfigError } from "../../lib/kms/errors";

const VALUES: Record<string, string> = {
  KMS_TOKEN: "kms-token-VALUE-1",
  INFISICAL_TOKEN: "infisical-token-VALUE-2",
  KMS_CLIENT_ID: "kms-client-id-VALUE-3",
  INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: "infisical-client-id-VALUE-4",
  KMS_CLIENT_SECRET: "kms-client-secret-VALUE-5",
  INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: "infisical-client-secret-VALUE-6",
  KMS_ORGANIZATION_SLUG: "acme-org",
};
const ALL_NAMES = Object.keys(VALUES);

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    kmsAuthFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

/** Independent statement of the rules, to compare the implementation with. */
function expected(env: Record<string, string>): KmsAuth | "missing-secret" | "missing-id" | "none" {
  const first = (names: readonly string[]) => names.find((n) => env[n]?.trim());
  const token = first(KMS_ENV.token);
  if (token) return { kind: "token", token: env[token].trim(), source: token };
  const id = first(KMS_ENV.clientId);
  const secret = first(KMS_ENV.clientSecret);
  const org = first(KMS_ENV.organizationSlug);
  if (id && secret) {
    return {
      kind: "universal-auth",
      clientId: env[id].trim(),
      clientSecret: env[secret].trim(),
      ...(org ? { organizationSlug: env[org].trim() } : {}),
      source: `${id} and ${secret}`,
    };
  }
  if (id) return "missing-secret";
  if (secret) return "missing-id";
  return "none";
}

// Every subset of the seven variables: 128 environments.
const SUBSETS: string[][] = Array.from({ length: 1 << ALL_NAMES.length }, (_, mask) => ALL_NAMES.filter((_n, i) => mask & (1 << i)));

describe("every combination of variables", () => {
  test.each(SUBSETS.map((names) => [names.join(",") || "(none)", names]))("%s", (_label, names) => {
    const env = Object.fromEntries((names as string[]).map((n) => [n, VALUES[n]]));
    const want = expected(env);
    if (typeof want === "object") {
      expect(kmsAuthFromEnv(env)).toEqual(want);
      return;
    }
    const err = errorOf(env);
    // Errors never repeat a value.
    for (const value of Object.values(VALUES)) expect(err.message).not.toContain(value);
    expect(err.message).toContain("nothing was sent");
    if (want === "missing-secret") {
      expect(err.message).toMatch(/(KMS_CLIENT_ID|INFISICAL_UNIVERSAL_AUTH_CLIENT_ID) is set but KMS_CLIENT_SECRET is not/);
    } else if (want === "missing-id") {
      expect(err.message).toMatch(/(KMS_CLIENT_SECRET|INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET) is set but KMS_CLIENT_ID is not/);
    } else {
      for (const name of ["KMS_TOKEN", "KMS_CLIENT_ID", "KMS_CLIENT_SECRET", "INFISICAL_TOKEN"]) expect(err.message).toContain(name);
    }
  });
});

describe("preferences and values", () => {
  test("a token wins over Universal Auth; KMS_ names over INFISICAL_ names", () => {
    expect(kmsAuthFromEnv({ ...VALUES })).toEqual({ kind: "token", token: VALUES.KMS_TOKEN, source: "KMS_TOKEN" });
    expect(kmsAuthFromEnv({ INFISICAL_TOKEN: "t", KMS_CLIENT_ID: "i", KMS_CLIENT_SECRET: "s" })).toEqual({ kind: "token", token: "t", source: "INFISICAL_TOKEN" });
  });

  test("values are trimmed; blank values count as unset", () => {
    expect(kmsAuthFromEnv({ KMS_TOKEN: "  tok\n" })).toEqual({ kind: "token", token: "tok", source: "KMS_TOKEN" });
    expect(kmsAuthFromEnv({ KMS_TOKEN: "   ", INFISICAL_TOKEN: "t2" })).toEqual({ kind: "token", token: "t2", source: "INFISICAL_TOKEN" });
    expect(kmsAuthFromEnv({ KMS_TOKEN: "", KMS_CLIENT_ID: " id ", KMS_CLIENT_SECRET: "\tsecret\t" })).toEqual({
      kind: "universal-auth",
      clientId: "id",
      clientSecret: "secret",
      source: "KMS_CLIENT_ID and KMS_CLIENT_SECRET",
    });
  });

  test("a blank organization slug is left out", () => {
    expect(kmsAuthFromEnv({ KMS_CLIENT_ID: "i", KMS_CLIENT_SECRET: "s", KMS_ORGANIZATION_SLUG: " " })).not.toHaveProperty("organizationSlug");
  });

  test("a half pair with a blank other half names the missing variable, not the blank value", () => {
    const err = errorOf({ KMS_CLIENT_ID: "", KMS_CLIENT_SECRET: "the-secret-value" });
    expect(err.message).toContain("KMS_CLIENT_SECRET is set but KMS_CLIENT_ID is not");
    expect(err.message).not.toContain("the-secret-value");
  });

  test("defaults to process.env", () => {
    const saved = { ...process.env };
    try {
      for (const n of ALL_NAMES) delete process.env[n];
      process.env.KMS_TOKEN = "from-process-env";
      expect(kmsAuthFromEnv()).toEqual({ kind: "token", token: "from-process-env", source: "KMS_TOKEN" });
    } finally {
      process.env = saved;
    }
  });

  test("the secret variable names are the token and client-secret names", () => {
    expect([...KMS_SECRET_ENV_NAMES].sort()).toEqual(["INFISICAL_TOKEN", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", "KMS_CLIENT_SECRET", "KMS_TOKEN"]);
  });
});
