/**
 * A connection as the KMS returns it, turned into this resource's state: the KMS's values for
 * everything it holds, the rest (key source, policies, fingerprint) from the caller.
 */
import { Connection } from "../../../kms/schemas";
import { objectOf } from "../../framework/attributes";
import { ObjectValue, Value } from "../../protocol/types";
import { CONNECTION_ATTRIBUTES } from "./schema";

/** What the KMS does not hold. */
export interface LocalFields {
  readonly api_key_env: Value;
  /** Null = the key in the KMS is not known to be the declared one (the next apply sends it). */
  readonly api_key_fingerprint: Value;
  readonly removal_policy: Value;
  readonly adopt_existing: Value;
}

/** The KMS's fields of a connection, as attributes. */
export function kmsFields(c: Connection): Record<string, Value> {
  return {
    id: c.id,
    name: c.name,
    description: c.description ?? null,
    project_id: c.projectId ?? null,
    instance_url: c.credentials.instanceUrl,
    credentials_hash: c.credentialsHash ?? null,
    created_at: c.createdAt ?? null,
    updated_at: c.updatedAt ?? null,
  };
}

/** A full state from a connection and the local fields. */
export function stateFromConnection(c: Connection, local: LocalFields): ObjectValue {
  return objectOf(CONNECTION_ATTRIBUTES, { ...kmsFields(c), ...local, api_key: null });
}

/** Defaults of the local fields for a connection this stack did not create (import). */
export const IMPORTED: LocalFields = { api_key_env: null, api_key_fingerprint: null, removal_policy: "destroy", adopt_existing: false };
