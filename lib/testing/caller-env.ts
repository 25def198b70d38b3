/**
 * The environment to start tools with against the local KMS: the caller's, without any KMS or
 * Infisical setting (KMS_*, INFISICAL_*). A developer's real token or client secret would otherwise
 * win over the local KMS's identity and be sent to it.
 */

/** `env` without KMS_* and INFISICAL_* variables, and without those `also` matches. */
export function envWithoutKmsSettings(env: NodeJS.ProcessEnv = process.env, also?: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(KMS_|INFISICAL_)/.test(name) && !also?.test(name)));
}
