/**
 * UpgradeResourceState. Version 1 is the current schema. Version 0 is the unversioned shape of the
 * first provider builds: the same attributes, with `removal_policy` and `adopt_existing` possibly
 * null (defaults applied now) and without `api_key_fingerprint` (null now: the next apply sends the
 * key once). Unknown attributes are dropped; a state from a newer provider is refused.
 */
import * as z from "zod/mini";
import { objectOf } from "../../framework/attributes";
import { DiagnosticError } from "../../framework/diagnostics";
import { ObjectValue } from "../../protocol/types";
import { CONNECTION_ATTRIBUTES, SCHEMA_VERSION } from "./schema";

const text = z.optional(z.nullable(z.string()));
/** Every stored attribute, all optional: old and partial states parse. */
const StoredStateSchema = z.looseObject({
  id: text,
  name: text,
  description: text,
  project_id: text,
  instance_url: text,
  api_key_env: text,
  api_key_fingerprint: text,
  removal_policy: text,
  adopt_existing: z.optional(z.nullable(z.boolean())),
  credentials_hash: text,
  created_at: text,
  updated_at: text,
});

/** The stored state of `version`, as a state of the current version. */
export function upgradeConnectionState(version: number, rawStateJson: string): ObjectValue {
  if (!Number.isInteger(version) || version < 0 || version > SCHEMA_VERSION) {
    throw DiagnosticError.at(
      undefined,
      "Unsupported state version",
      `The state was written with schema version ${version}; this provider reads versions 0 to ${SCHEMA_VERSION}. It was written by a newer provider: use that version (or newer) of cdktf-kms-octopus.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(rawStateJson);
  } catch {
    throw DiagnosticError.at(undefined, "Unreadable state", "The stored state is not valid JSON.");
  }
  const parsed = StoredStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(state)"}: ${i.message}`).join("; ");
    throw DiagnosticError.at(undefined, "Unreadable state", `The stored state does not match schema version ${version}: ${issues}.`);
  }
  const s = parsed.data;
  const known = Object.fromEntries(Object.keys(CONNECTION_ATTRIBUTES).map((k) => [k, (s as Record<string, unknown>)[k] ?? null])) as Record<string, string | boolean | null>;
  return objectOf(CONNECTION_ATTRIBUTES, {
    ...known,
    api_key: null,
    api_key_fingerprint: version === 0 ? null : known.api_key_fingerprint,
    removal_policy: s.removal_policy ?? "destroy",
    adopt_existing: s.adopt_existing ?? false,
  });
}
