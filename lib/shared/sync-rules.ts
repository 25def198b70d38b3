/**
 * Validation rules of Octopus Deploy secret syncs, in the style of rules.ts (a rule returns undefined
 * when the value is fine, or one sentence stating the rule). The KMS's own rules
 * (shared/reference/kms-secret-sync.md, upstream's secret-sync-schemas.ts); shared by the construct,
 * the provider schema and the CLI. No dependencies.
 */
import { projectId, type Verdict } from "./rules";

/** Longest sync name the KMS accepts (slugSchema max 256). */
export const SYNC_NAME_MAX = 256;
/** Longest environment slug the KMS accepts. */
export const ENVIRONMENT_MAX = 64;
/** Longest key schema the KMS accepts. */
export const KEY_SCHEMA_MAX = 255;
/** The Octopus scope-value lists a sync may set. */
export const SCOPE_VALUE_KEYS = ["environments", "roles", "machines", "processes", "actions", "channels"] as const;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const KEY_SCHEMA_CONTENT = /^([a-zA-Z0-9_\-/]|\{\{secretKey\}\}|\{\{environment\}\})*$/;

/** Sync name: the KMS slug rule, 1 to 256 characters. */
export function syncName(value: string): Verdict {
  if (value.length === 0) return "must not be empty";
  if (value.length > SYNC_NAME_MAX) return `must be at most ${SYNC_NAME_MAX} characters (got ${value.length})`;
  if (!SLUG.test(value)) return "must be a slug: lowercase letters a-z, digits 0-9 and single hyphens between them (the KMS rule)";
  return undefined;
}

/** Environment slug (such as "dev", "staging", "prod"): the slug rule, 1 to 64 characters. */
export function environmentSlug(value: string): Verdict {
  if (value.length === 0) return "must not be empty";
  if (value.length > ENVIRONMENT_MAX) return `must be at most ${ENVIRONMENT_MAX} characters (got ${value.length})`;
  if (!SLUG.test(value)) return 'must be an environment slug such as "dev", "staging" or "prod": lowercase letters, digits and single hyphens';
  return undefined;
}

/** Secret path: "/" or "/a/b": starts with "/", no trailing slash, no empty or blank segment. */
export function secretPath(value: string): Verdict {
  if (value === "/") return undefined;
  if (!value.startsWith("/")) return 'must start with "/" (such as "/" or "/app/db")';
  if (value.endsWith("/")) return 'must not end with "/" (the KMS strips it, which would show as drift): "/app", not "/app/"';
  if (value.split("/").slice(1).some((segment) => segment.trim() === "" || segment !== segment.trim())) {
    return 'must not have empty segments or segments with leading/trailing spaces (such as "/a//b")';
  }
  return undefined;
}

/** Key schema: contains {{secretKey}} exactly once; otherwise only a-z, A-Z, 0-9, -, _, / and {{environment}}; at most 255 characters. */
export function keySchema(value: string): Verdict {
  if (value.length > KEY_SCHEMA_MAX) return `must be at most ${KEY_SCHEMA_MAX} characters (got ${value.length})`;
  if (value !== value.trim()) return "must not start or end with whitespace";
  const count = value.split("{{secretKey}}").length - 1;
  if (count !== 1) return `must contain the {{secretKey}} placeholder exactly once (found ${count}), such as "APP_{{secretKey}}"`;
  if (!KEY_SCHEMA_CONTENT.test(value)) {
    return "may contain only letters, digits, -, _, / and the placeholders {{secretKey}} and {{environment}} (the KMS rule)";
  }
  return undefined;
}

/** KMS app connection id: a UUID (upstream: connectionId z.string().uuid()). */
export function connectionId(value: string): Verdict {
  return projectId(value) === undefined ? undefined : "must be a KMS app connection id (a UUID such as abcdef12-3456-7890-abcd-ef1234567890)";
}

/** An id that must be given (Octopus space or project id, KMS connection id): not empty, no surrounding whitespace. */
export function nonEmptyId(value: string): Verdict {
  if (value.trim().length === 0) return "must not be empty";
  if (value !== value.trim()) return "must not start or end with whitespace";
  return undefined;
}

/** Scope values: an object whose keys are among environments, roles, machines, processes, actions, channels, each a list of non-empty strings. */
export function scopeValues(value: unknown): Verdict {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `must be an object with lists of ids under ${SCOPE_VALUE_KEYS.join(", ")}`;
  for (const [key, list] of Object.entries(value)) {
    if (!(SCOPE_VALUE_KEYS as readonly string[]).includes(key)) return `has unknown key "${key}"; allowed: ${SCOPE_VALUE_KEYS.join(", ")}`;
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${key} must be a list of strings`;
    const bad = list.findIndex((item) => typeof item !== "string" || item.trim() === "");
    if (bad >= 0) return `${key}[${bad}] must be a non-empty string (an Octopus id such as "Environments-1")`;
  }
  return undefined;
}
