/**
 * Validation beyond the attribute rules (the scope lists, element by element, with the element's
 * path) and the resource's plan: the status attributes are unknown whenever a PATCH will be sent
 * (the KMS syncs again), and keep their values when nothing, or only a local attribute, changes. A
 * prior failed sync is a warning on every plan and, with auto-sync on, an update that runs the sync
 * again (so "fix the cause, then apply again" works, and -detailed-exitcode says 2 until it succeeds).
 */
import { SCOPE_VALUE_KEYS, scopeValues } from "../../../shared/sync-rules";
import { errorAt, warningAt } from "../../framework/diagnostics";
import { PlanResult } from "../../framework/resource";
import { sameValue } from "../../framework/values";
import { Diagnostic, ObjectValue, UNKNOWN, Value } from "../../protocol/types";
import { patchBody } from "./body";
import { SCOPE_ATTRIBUTES, STATUS_ATTRIBUTES } from "./schema";

/** Every element of every known scope list is a non-empty string (the shared scopeValues rule). */
export function validateSync(config: ObjectValue): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const key of SCOPE_VALUE_KEYS) {
    const attribute = SCOPE_ATTRIBUTES[key];
    const list = config[attribute];
    if (!Array.isArray(list)) continue;
    (list as readonly Value[]).forEach((item, index) => {
      if (item === UNKNOWN) return;
      const verdict = scopeValues({ [key]: [item] });
      if (verdict) out.push(errorAt([attribute, index], `Invalid ${attribute}`, `${attribute}[${index}] ${verdict.replace(/^\w+\[0\] /, "")}.`));
    });
  }
  return out;
}

/** Whether an update from `prior` to `planned` sends a PATCH or replaces the sync (planned values may still be unknown). */
function sendsPatch(prior: ObjectValue, planned: ObjectValue): boolean {
  if (!sameValue(planned.project_id, prior.project_id)) return true; // a replacement: a new sync
  try {
    return Object.keys(patchBody(prior, planned)).length > 0;
  } catch {
    return true; // a value unknown until apply: it may change
  }
}

/** Whether the prior state records a failed sync that an apply should run again (auto-sync on). */
export function resyncsFailed(prior: ObjectValue, planned: ObjectValue): boolean {
  return prior.sync_status === "failed" && planned.auto_sync_enabled !== false;
}

/** The resource's plan on top of the generic one. */
export function modifySyncPlan(prior: ObjectValue | null, planned: ObjectValue): PlanResult {
  if (!prior) return { planned };
  const warnings: Diagnostic[] = [];
  if (prior.sync_status === "failed") {
    warnings.push(
      warningAt(
        ["sync_status"],
        "The last sync failed",
        `Secret sync "${String(prior.name)}" (id ${String(prior.id)}): the KMS reports that its last sync failed: ${String(prior.last_sync_message ?? "(no message)")}. ` +
          (resyncsFailed(prior, planned)
            ? "Fix the cause; this apply runs the sync again."
            : `Fix the cause, then run "npx cdktf-kms-octopus sync ${String(prior.name)} --project-id ${String(prior.project_id)}" (auto-sync is off).`),
      ),
    );
  }
  if (sendsPatch(prior, planned) || resyncsFailed(prior, planned)) {
    return { planned: { ...planned, ...Object.fromEntries(STATUS_ATTRIBUTES.map((a) => [a, UNKNOWN])) }, diagnostics: warnings };
  }
  return { planned: { ...planned, ...Object.fromEntries(STATUS_ATTRIBUTES.map((a) => [a, prior[a] ?? null])) }, diagnostics: warnings };
}
