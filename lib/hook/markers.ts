/**
 * "Created in this apply" markers. When the create hook has just applied the whole declaration, the
 * update hook of the same connection (which Terraform runs right after, in the same apply) has
 * nothing to do. The create hook leaves an empty file named after the connection resource's
 * Terraform id in the run directory shared by the hooks of one terraform process; the update hook
 * returns at once when it finds it. Without a usable run directory the update hook simply does its
 * GET and finds nothing to PATCH: the marker saves requests, it is never needed for correctness.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runDir } from "./runtime-dir";

function markerPath(resourceId: string): string | undefined {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(resourceId)) return undefined;
  const dir = runDir();
  return dir ? path.join(dir, "created", resourceId) : undefined;
}

/** Records that the connection resource `resourceId` was created (and its declaration applied) in this run. */
export function markCreated(resourceId: string | undefined): void {
  const file = resourceId ? markerPath(resourceId) : undefined;
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, "", { mode: 0o600 });
}

/** Whether the connection resource `resourceId` was created in this run. */
export function createdInThisRun(resourceId: string | undefined): boolean {
  const file = resourceId ? markerPath(resourceId) : undefined;
  return file !== undefined && fs.existsSync(file);
}
