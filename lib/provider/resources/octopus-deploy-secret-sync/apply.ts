/**
 * Create, update and delete against the KMS. Requests: create 1 POST; update 1 PATCH with only what
 * changed, or none when only remove_secrets_on_destroy changed (1 POST .../sync-secrets when the last sync
 * failed and nothing else changed: the apply runs it again); delete 1 DELETE. With auto-sync on,
 * a create or an update then waits (wait.ts: GETs with backoff, bounded) for the KMS's sync result:
 * "failed" is an error diagnostic with the KMS's message, and the state is still recorded (the sync
 * exists). A delete with remove_secrets_on_destroy waits until the KMS removed the variables and the
 * sync; a failed removal is an error and the sync stays in state. No secret value passes through here.
 */
import { SecretSyncClient } from "../../../kms/secret-syncs";
import type { SecretSync } from "../../../kms/sync-schemas";
import { DiagnosticError, errorAt, hasErrors, warningAt } from "../../framework/diagnostics";
import { AppliedWithDiagnostics, CallContext } from "../../framework/resource";
import { fillUnknowns, knownString } from "../../framework/values";
import { Diagnostic, ObjectValue } from "../../protocol/types";
import { createBody, patchBody } from "./body";
import { syncCall, syncDiagnostics } from "./errors";
import { resyncsFailed, validateSync } from "./plan";
import { kmsFields } from "./state";
import { removalSettled, retryWhileBusy, syncSettled, waitBudgetMs, waitFor } from "./wait";

/** The client of the sync routes, on the provider's KMS client. */
export function syncClient(ctx: CallContext): SecretSyncClient {
  return new SecretSyncClient(ctx.kms());
}

/** How messages name a sync. */
export function describeSync(name: unknown, id?: unknown): string {
  return `Octopus Deploy secret sync "${String(name)}"${id ? ` (id ${String(id)})` : ""}`;
}

/** Values unknown at plan are known now: the list checks run again before anything is sent. */
function checkConfig(config: ObjectValue): void {
  const diagnostics = validateSync(config);
  if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);
}

/** The applied state: planned values, unknowns filled from the KMS's answer (known planned values are kept, as Terraform requires). */
function appliedState(planned: ObjectValue, sync: SecretSync): ObjectValue {
  return fillUnknowns(planned, kmsFields(sync));
}

/** After the answer that queued a sync job: waits for its result; the state, with a diagnostic unless it succeeded. */
async function settle(ctx: CallContext, planned: ObjectValue, answer: SecretSync, what: string): Promise<ObjectValue | AppliedWithDiagnostics> {
  const budgetMs = waitBudgetMs(ctx.env);
  if (!answer.isAutoSyncEnabled || budgetMs === 0 || syncSettled(answer)) return appliedState(planned, answer);
  const outcome = await waitFor(syncClient(ctx), answer, syncSettled, { budgetMs, signal: ctx.signal });
  if (outcome.kind === "gone") throw DiagnosticError.at(undefined, "Secret sync deleted", `${what}: the sync was deleted in the KMS while its first sync ran.`);
  const state = appliedState(planned, outcome.sync);
  const diagnostics: Diagnostic[] = [];
  if (outcome.kind === "done" && outcome.sync.syncStatus === "failed") {
    diagnostics.push(
      errorAt(
        undefined,
        "Secret sync failed",
        `${what}: the KMS reports that the sync to Octopus Deploy failed: ${outcome.sync.lastSyncMessage ?? "(no message)"}. ` +
          `The sync exists in the KMS; fix the cause (the connection's API key, the Octopus space and project ids), then apply again.`,
      ),
    );
  } else if (outcome.kind === "timeout") {
    diagnostics.push(warningAt(["sync_status"], "Secret sync still running", `${what}: the KMS's sync is still ${outcome.sync.syncStatus ?? "queued"} after ${outcome.seconds} s; the next refresh reads its result (raise KMS_OCTOPUS_SYNC_WAIT to wait longer).`));
  } else if (outcome.kind === "stopped") {
    diagnostics.push(warningAt(["sync_status"], "Stopped while waiting", `${what}: Terraform stopped the provider while the KMS's sync was ${outcome.sync.syncStatus ?? "queued"}; the next refresh reads its result.`));
  } else if (outcome.kind === "unreadable") {
    const [why] = syncDiagnostics(outcome.error, `${what}: reading the sync's status`);
    diagnostics.push(warningAt(["sync_status"], "Sync status unknown", `${why?.detail ?? why?.summary ?? "the KMS did not answer"}; the next refresh reads it.`));
  }
  return diagnostics.length ? new AppliedWithDiagnostics(state, diagnostics) : state;
}

/** POST, then the bounded wait for the first sync. */
export async function createSync(ctx: CallContext, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue | AppliedWithDiagnostics> {
  checkConfig(config);
  const body = createBody(planned);
  const what = `Creating ${describeSync(body.name)} in project ${body.projectId}`;
  const created = await syncCall(what, () => syncClient(ctx).createSync(body));
  return settle(ctx, planned, created, `${what} (id ${created.id})`);
}

/** PATCH only what changed (no request when only remove_secrets_on_destroy changed), or a manual sync when only a failed sync is to be run again; then the bounded wait. */
export async function updateSync(ctx: CallContext, prior: ObjectValue, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue | AppliedWithDiagnostics> {
  checkConfig(config);
  const id = knownString(prior, "id")!;
  const patch = patchBody(prior, planned);
  if (Object.keys(patch).length === 0) {
    if (!resyncsFailed(prior, planned)) return fillUnknowns(planned, prior);
    const what = `Running ${describeSync(planned.name, id)} again after its failed sync`;
    const triggered = await syncCall(what, () => syncClient(ctx).triggerSync(id));
    return settle(ctx, planned, triggered, what);
  }
  const what = `Updating ${describeSync(planned.name, id)}: ${Object.keys(patch).join(", ")}`;
  const updated = await syncCall(what, () => syncClient(ctx).updateSync(id, patch));
  return settle(ctx, planned, updated, what);
}

/** DELETE (removeSecrets = remove_secrets_on_destroy); with removal, waits until the KMS removed the variables and the sync. A sync already gone is fine. */
export async function deleteSync(ctx: CallContext, prior: ObjectValue): Promise<void> {
  const id = knownString(prior, "id");
  if (!id) return;
  const removeSecrets = prior.remove_secrets_on_destroy === true;
  const what = `Deleting ${describeSync(prior.name, id)}${removeSecrets ? " and removing its variables from Octopus Deploy" : ""}`;
  const budgetMs = waitBudgetMs(ctx.env);
  const options = { budgetMs: Math.max(budgetMs, 1000), signal: ctx.signal };
  const syncs = syncClient(ctx);
  // With removeSecrets the KMS refuses while a sync job runs (a secret just changed): try again shortly.
  const answer = await syncCall(what, () => retryWhileBusy(() => syncs.deleteSync(id, { removeSecrets }), options));
  if (!answer || !removeSecrets) return;
  const outcome = await waitFor(syncs, answer, removalSettled, options);
  switch (outcome.kind) {
    case "gone":
      return;
    case "done":
      if (outcome.sync.removeStatus === "failed") {
        throw DiagnosticError.at(
          ["remove_secrets_on_destroy"],
          "Removing the synced variables failed",
          `${what}: the KMS reports: ${outcome.sync.lastRemoveMessage ?? "(no message)"}. The sync was not deleted; fix the cause and destroy again, or set remove_secrets_on_destroy = false to delete it without removing the variables.`,
        );
      }
      return; // removal succeeded: the KMS deletes the sync right after
    case "timeout":
      throw DiagnosticError.at(undefined, "Removal still running", `${what}: the KMS is still removing the variables after ${outcome.seconds} s; the sync is deleted once that finishes. Destroy again to check (raise KMS_OCTOPUS_SYNC_WAIT to wait longer).`);
    case "stopped":
      throw DiagnosticError.at(undefined, "Stopped while waiting", `${what}: Terraform stopped the provider while the KMS was removing the variables; destroy again to check.`);
    case "unreadable":
      throw new DiagnosticError(syncDiagnostics(outcome.error, `${what}: reading the removal's status`));
  }
}
