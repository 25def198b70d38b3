/**
 * Schema of `hanzokms_octopus_deploy_connection`: every attribute with its shared rule. State
 * version 1 (see upgrade.ts). The API key is write-only (`api_key`, Terraform 1.11+) or read by the
 * provider from an environment variable (`api_key_env`, any Terraform); neither is ever in state:
 * `api_key_fingerprint`, a one-way fingerprint, is what shows a rotation in the plan.
 */
import { KMS_SECRET_ENV_NAMES } from "../../../kms/credentials";
import * as rules from "../../../shared/rules";
import { Attributes, StringValidator, oneOf } from "../../framework/attributes";

/** State schema version. */
export const SCHEMA_VERSION = 1;

/** Removal policies. */
export const REMOVAL_POLICIES = ["destroy", "retain"] as const;

/** The name rule at the KMS's current limit (64). */
export const nameRule: StringValidator = (value) => rules.connectionName(value, rules.NAME_MAX_CURRENT);
const notReserved: StringValidator = (value) => rules.apiKeyEnvNotReserved(value, KMS_SECRET_ENV_NAMES);

/** The attributes. */
export const CONNECTION_ATTRIBUTES: Attributes = {
  id: { type: "string", computed: true, planModifiers: ["useStateForUnknown"], description: "The connection's KMS id (a UUID)." },
  name: { type: "string", required: true, validators: [nameRule], description: "Connection name: lowercase letters, digits and single hyphens, at most 64 characters. A change renames in place (same id)." },
  description: { type: "string", optional: true, validators: [rules.description], description: "Free text shown in the KMS, at most 256 characters." },
  project_id: {
    type: "string",
    optional: true,
    validators: [rules.projectId],
    planModifiers: ["requiresReplace"],
    description: "KMS project id (UUID) of a project-level connection; unset for an organization-level one. A change replaces the connection.",
  },
  instance_url: { type: "string", required: true, validators: [rules.serviceUrl], description: "Octopus Deploy instance URL (https; http only to loopback)." },
  api_key: {
    type: "string",
    optional: true,
    sensitive: true,
    writeOnly: true,
    description: "The Octopus Deploy API key, write-only (Terraform 1.11+): never stored in plan or state. Set this or api_key_env.",
  },
  api_key_env: {
    type: "string",
    optional: true,
    validators: [rules.envVarName, notReserved],
    description: "Name of an environment variable the provider reads the API key from, at plan (its fingerprint) and apply. Works on any Terraform. Set this or api_key.",
  },
  api_key_fingerprint: {
    type: "string",
    computed: true,
    description: "One-way fingerprint of the API key last sent (never the key): a rotation changes it. Null after an import, a move, or a credentials change outside Terraform: the next apply sends the key.",
  },
  removal_policy: {
    type: "string",
    optional: true,
    computed: true,
    default: "destroy",
    validators: [oneOf(...REMOVAL_POLICIES)],
    description: '"destroy" deletes the connection from the KMS when the resource is destroyed; "retain" leaves it there.',
  },
  adopt_existing: {
    type: "bool",
    optional: true,
    computed: true,
    default: false,
    description: "On create, take over an existing connection of the same name whose description or instance URL differ (an identical one is always adopted).",
  },
  credentials_hash: { type: "string", computed: true, description: "The KMS's credentialsHash: changes whenever the credentials are sent." },
  created_at: { type: "string", computed: true, planModifiers: ["useStateForUnknown"], description: "Creation time, as the KMS returns it." },
  updated_at: { type: "string", computed: true, description: "Time of the last change, as the KMS returns it." },
};
