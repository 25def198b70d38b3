/**
 * UpgradeResourceState. Version 0 is the only schema so far: the stored state is parsed (every
 * attribute optional, so partial states parse), unknown attributes are dropped, defaults are applied
 * to null local attributes; a state from a newer provider is refused.
 */
import * as z from "zod/mini";
import { objectOf } from "../../framework/attributes";
import { DiagnosticError } from "../../framework/diagnostics";
import { ObjectValue, Value } from "../../protocol/types";
import { SCHEMA_VERSION, SYNC_ATTRIBUTES } from "./schema";

const STORED = z.looseObject(
  Object.fromEntries(
    Object.entries(SYNC_ATTRIBUTES).map(([name, def]) => {
      const type = def.type === "bool" ? z.boolean() : def.type === "string" ? z.string() : z.array(z.string());
      return [name, z.optional(z.nullable(type))];
    }),
  ),
);

/** The stored state of `version`, as a state of the current version. */
export function upgradeSyncState(version: number, rawStateJson: string): ObjectValue {
  if (!Number.isInteger(version) || version < 0 || version > SCHEMA_VERSION) {
    throw DiagnosticError.at(
      undefined,
      "Unsupported state version",
      `The state was written with schema version ${version}; this provider reads version ${SCHEMA_VERSION}. It was written by a newer provider: use that version (or newer) of cdktf-kms-octopus.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(rawStateJson);
  } catch {
    throw DiagnosticError.at(undefined, "Unreadable state", "The stored state is not valid JSON.");
  }
  const parsed = STORED.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(state)"}: ${i.message}`).join("; ");
    throw DiagnosticError.at(undefined, "Unreadable state", `The stored state does not match schema version ${version}: ${issues}.`);
  }
  const s = parsed.data as Record<string, Value | undefined>;
  const values: Record<string, Value> = Object.fromEntries(Object.keys(SYNC_ATTRIBUTES).map((k) => [k, s[k] ?? null]));
  for (const [name, def] of Object.entries(SYNC_ATTRIBUTES)) {
    if (values[name] === null && def.default !== undefined) values[name] = def.default;
  }
  return objectOf(SYNC_ATTRIBUTES, values);
}
