/**
 * Config checks beyond the attribute rules, and the resource's refinement of the generic plan: the
 * key's fingerprint, and which computed values the apply will change. Everything here is decided
 * without a request.
 *
 * When the credentials are sent (and so credentials_hash changes): on create; when instance_url
 * changes; when the key's fingerprint differs from the state's. A null fingerprint in state means
 * "the KMS's key is not known to be the declared one" (after an import, a move from terraform_data,
 * or when Read saw credentials_hash change outside Terraform): the plan then shows the fingerprint
 * being set and the apply sends the key once, which is what makes a change by hand visible to
 * `plan -detailed-exitcode` (exit 2). A name or description change alone sends no credentials.
 */
import { errorAt, warningAt } from "../../framework/diagnostics";
import { PlanResult } from "../../framework/resource";
import { sameValue } from "../../framework/values";
import { ClientCapabilities, Diagnostic, ObjectValue, UNKNOWN, Value } from "../../protocol/types";
import { missingKey, planFingerprint } from "./key";

/** Exactly one key source, and the write-only one only where Terraform supports write-only attributes. */
export function validateConnection(config: ObjectValue, capabilities: ClientCapabilities | undefined): Diagnostic[] {
  const hasKey = config.api_key !== null;
  const hasEnv = config.api_key_env !== null;
  if (hasKey && hasEnv) {
    return [errorAt(["api_key"], "Conflicting API key sources", "Set exactly one of api_key (write-only, Terraform 1.11+) and api_key_env (the name of an environment variable the provider reads).")];
  }
  if (!hasKey && !hasEnv) {
    return [errorAt(["api_key"], "Missing API key", "Set api_key (write-only, Terraform 1.11+) or api_key_env (the name of an environment variable the provider reads at plan and apply; works on any Terraform).")];
  }
  if (hasKey && !capabilities?.writeOnlyAttributesAllowed) {
    return [
      errorAt(
        ["api_key"],
        "Write-only attributes not supported",
        "api_key is write-only, which needs Terraform 1.11 or later (older Terraform would store it in state). Upgrade Terraform, or set api_key_env to the name of an environment variable holding the key and remove api_key.",
      ),
    ];
  }
  return [];
}

/** The resource's plan: fingerprint, credentials_hash and updated_at. */
export function modifyConnectionPlan(env: NodeJS.ProcessEnv, prior: ObjectValue | null, planned: ObjectValue, config: ObjectValue): PlanResult {
  const diagnostics = validateConnection(config, { writeOnlyAttributesAllowed: true }).filter((d) => d.summary !== "Write-only attributes not supported");
  if (diagnostics.length) return { planned, diagnostics };
  const fp = planFingerprint(config, env);
  if (!prior) {
    if (fp === undefined) return { planned, diagnostics: missingKey(config, "plan").diagnostics };
    return { planned: { ...planned, api_key_fingerprint: fp } };
  }
  const warnings: Diagnostic[] = [];
  let fingerprint: Value = fp ?? null;
  if (fp === undefined) {
    // The key is not readable now: a rotation cannot be seen; keep the state's fingerprint.
    fingerprint = prior.api_key_fingerprint;
    if (fingerprint !== null) {
      warnings.push(warningAt(["api_key_env"], "API key variable not set", `${String(config.api_key_env)} is not set in the environment of this plan: a key rotation cannot be detected. Set it where terraform plan runs.`));
    }
  }
  const sendsCredentials = !sameValue(planned.instance_url, prior.instance_url) || fingerprint === null || !sameValue(fingerprint, prior.api_key_fingerprint);
  if (sendsCredentials && fp === undefined) return { planned, diagnostics: missingKey(config, "plan").diagnostics };
  const patches = sendsCredentials || !sameValue(planned.name, prior.name) || !sameValue(planned.description, prior.description);
  return {
    planned: {
      ...planned,
      api_key_fingerprint: fingerprint,
      credentials_hash: sendsCredentials ? UNKNOWN : prior.credentials_hash,
      updated_at: patches ? UNKNOWN : prior.updated_at,
    },
    diagnostics: warnings,
  };
}

/** Whether an update from `prior` to `planned` sends the credentials (the same decision as the plan made). */
export function updateSendsCredentials(prior: ObjectValue, planned: ObjectValue): boolean {
  return planned.credentials_hash === UNKNOWN || !sameValue(planned.instance_url, prior.instance_url) || !sameValue(planned.api_key_fingerprint, prior.api_key_fingerprint);
}
