/**
 * Schema of `hanzokms_octopus_deploy_secret_sync` (state version 0): every attribute with its shared
 * rule (shared/sync-rules.ts, shared/rules.ts). What the KMS can change in place follows upstream's
 * UpdateOctopusDeploySyncSchema (secret-sync-schemas.ts, octopus-deploy-sync-schemas.ts): everything
 * but the KMS project, which is planned as a replacement. No attribute ever holds a secret value:
 * the KMS moves the values itself.
 */
import * as rules from "../../../shared/rules";
import * as syncRules from "../../../shared/sync-rules";
import { AttributeDef, Attributes, oneOf } from "../../framework/attributes";

/** State schema version. */
export const SCHEMA_VERSION = 0;

/** Octopus cannot import secrets: the first sync always overwrites the destination (upstream's only value). */
export const INITIAL_SYNC_BEHAVIORS = ["overwrite-destination"] as const;

/** Scope attribute name of each Octopus scope-value key. */
export const SCOPE_ATTRIBUTES = Object.fromEntries(syncRules.SCOPE_VALUE_KEYS.map((k) => [k, `scope_${k}`])) as Readonly<Record<(typeof syncRules.SCOPE_VALUE_KEYS)[number], string>>;

const SCOPE_WHAT: Readonly<Record<(typeof syncRules.SCOPE_VALUE_KEYS)[number], string>> = {
  environments: "Octopus environments",
  roles: "target roles",
  machines: "deployment targets (machines)",
  processes: "processes (deployment process, runbooks)",
  actions: "deployment steps (actions)",
  channels: "channels",
};

function scopeAttribute(key: (typeof syncRules.SCOPE_VALUE_KEYS)[number]): AttributeDef {
  return { type: ["list", "string"], optional: true, description: `Scope the synced variables to these ${SCOPE_WHAT[key]} (ids or names as Octopus shows them). Unset: not scoped by ${key}.` };
}

/** Attributes only this provider knows (the KMS does not hold them): changing them sends nothing. */
export const LOCAL_ATTRIBUTES = ["remove_secrets_on_destroy"] as const;

/** Computed attributes that report the KMS's last sync job. */
export const STATUS_ATTRIBUTES = ["sync_status", "last_synced_at", "last_sync_message"] as const;

/** The attributes. */
export const SYNC_ATTRIBUTES: Attributes = {
  id: { type: "string", computed: true, planModifiers: ["useStateForUnknown"], description: "The sync's KMS id (a UUID)." },
  name: { type: "string", required: true, validators: [syncRules.syncName], description: "Sync name: lowercase letters, digits and single hyphens, at most 256 characters; unique per KMS project. A change renames in place." },
  description: { type: "string", optional: true, validators: [rules.description], description: "Free text shown in the KMS, at most 256 characters." },
  connection_id: { type: "string", required: true, validators: [syncRules.connectionId], description: "KMS id of the Octopus Deploy app connection the sync uses (of the sync's project or of the organization)." },
  project_id: {
    type: "string",
    required: true,
    validators: [rules.projectId],
    planModifiers: ["requiresReplace"],
    description: "KMS project id (UUID) holding the secrets. A change replaces the sync (the KMS cannot move a sync between projects).",
  },
  environment: { type: "string", required: true, validators: [syncRules.environmentSlug], description: 'Slug of the KMS environment the secrets come from, such as "dev", "staging" or "prod".' },
  secret_path: { type: "string", required: true, validators: [syncRules.secretPath], description: 'Folder of the secrets in that environment, "/" or "/app/db" (it must exist).' },
  destination_space_id: { type: "string", required: true, validators: [syncRules.nonEmptyId], description: 'Octopus Deploy space id, such as "Spaces-1".' },
  destination_project_id: { type: "string", required: true, validators: [syncRules.nonEmptyId], description: 'Octopus Deploy project id whose variables receive the secrets, such as "Projects-1".' },
  ...Object.fromEntries(syncRules.SCOPE_VALUE_KEYS.map((k) => [SCOPE_ATTRIBUTES[k], scopeAttribute(k)])),
  key_schema: {
    type: "string",
    optional: true,
    validators: [syncRules.keySchema],
    description: 'Name of each variable in Octopus, with {{secretKey}} exactly once and optionally {{environment}}, such as "APP_{{secretKey}}". Unset: the secret\'s key.',
  },
  disable_secret_deletion: {
    type: "bool",
    optional: true,
    computed: true,
    default: false,
    description: "Keep sensitive Octopus variables whose secret is no longer in the KMS (by default a sync deletes those matching the key schema).",
  },
  initial_sync_behavior: {
    type: "string",
    optional: true,
    computed: true,
    default: INITIAL_SYNC_BEHAVIORS[0],
    validators: [oneOf(...INITIAL_SYNC_BEHAVIORS)],
    description: 'What the first sync does: Octopus Deploy syncs support only "overwrite-destination" (importing from Octopus is not supported).',
  },
  auto_sync_enabled: {
    type: "bool",
    optional: true,
    computed: true,
    default: true,
    description: "Sync whenever a secret of the folder changes (and after every create and update, which then wait for the result).",
  },
  remove_secrets_on_destroy: {
    type: "bool",
    optional: true,
    computed: true,
    default: false,
    description: "On destroy, first remove the variables the sync pushed to Octopus (the KMS's removeSecrets), and wait for it.",
  },
  sync_status: { type: "string", computed: true, description: 'The KMS\'s status of the last sync job: "pending", "running", "succeeded" or "failed" (null before the first sync).' },
  last_synced_at: { type: "string", computed: true, description: "When the last sync succeeded, as the KMS returns it." },
  last_sync_message: { type: "string", computed: true, description: "The KMS's message of the last failed sync (null after a success)." },
};
