/**
 * The Octopus API key: from the write-only `api_key` in config, or from the provider's environment
 * variable named by `api_key_env`. Read at plan time only for its fingerprint, at apply time to send
 * it; never returned in any state, never in a message.
 */
import { fingerprint } from "../../../shared/fingerprint";
import { DiagnosticError } from "../../framework/diagnostics";
import { ObjectValue, AttributePath, UNKNOWN } from "../../protocol/types";

/** The attribute the key comes from (where a refused key is reported). */
export function keyPath(config: ObjectValue | null): AttributePath {
  return config && config.api_key === null && config.api_key_env !== null ? ["api_key_env"] : ["api_key"];
}

/** The key, trimmed (the KMS trims it), or undefined when the named variable is unset or empty; UNKNOWN when the config does not know it yet. */
export function keyFrom(config: ObjectValue, env: NodeJS.ProcessEnv): string | undefined | typeof UNKNOWN {
  if (config.api_key === UNKNOWN || config.api_key_env === UNKNOWN) return UNKNOWN;
  if (typeof config.api_key === "string") return config.api_key.trim() || undefined;
  if (typeof config.api_key_env === "string") return env[config.api_key_env]?.trim() || undefined;
  return undefined;
}

/** The key's fingerprint as the plan shows it: UNKNOWN when the key is not known yet, undefined when unavailable. */
export function planFingerprint(config: ObjectValue, env: NodeJS.ProcessEnv): string | undefined | typeof UNKNOWN {
  const key = keyFrom(config, env);
  return key === UNKNOWN || key === undefined ? key : fingerprint(key);
}

/** Why the key cannot be read, as a diagnostic on its attribute. */
export function missingKey(config: ObjectValue, when: "plan" | "apply"): DiagnosticError {
  if (typeof config.api_key_env === "string") {
    return DiagnosticError.at(
      ["api_key_env"],
      "API key variable not set",
      `api_key_env names ${config.api_key_env}, which is not set (or empty) in the environment of terraform ${when}; the provider reads the Octopus Deploy API key from it. Set it, or use the write-only api_key (Terraform 1.11+). Nothing was sent.`,
    );
  }
  return DiagnosticError.at(["api_key"], "API key empty", "api_key is empty: set it to the Octopus Deploy API key, or use api_key_env. Nothing was sent.");
}

/** The key at apply time (config known by then); throws a diagnostic when it is unavailable. */
export function requireKey(config: ObjectValue, env: NodeJS.ProcessEnv): string {
  const key = keyFrom(config, env);
  if (key === UNKNOWN || key === undefined) throw missingKey(config, "apply");
  return key;
}
