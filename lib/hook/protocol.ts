/**
 * The contract between the construct (synth time) and the hook (apply time): environment variable
 * names, operations and the event version. No imports, so the hook's fast path loads nothing else.
 */

/** Environment variables the construct sets for the hook. */
export const HOOK_ENV = {
  /** JSON of the declaration (non-secret): the connection resource's `input`. */
  event: "KMS_OCTOPUS_EVENT",
  /** The Octopus API key, when the `apiKey` prop is used. */
  apiKey: "KMS_OCTOPUS_API_KEY",
  /** Terraform id of the connection resource (create and update hooks), for the created-in-this-run marker. */
  resourceId: "KMS_OCTOPUS_RESOURCE_ID",
} as const;

/**
 * Operations, one per lifecycle hook: `create` and `delete` (connection resource), `update` (name,
 * description) and `credentials` (instance URL, API key), each run by the replacement of its resource.
 */
export const OPERATIONS = ["create", "update", "credentials", "delete"] as const;
/** One operation. */
export type Operation = (typeof OPERATIONS)[number];

/** The event format version; bump it when the event changes shape. */
export const EVENT_VERSION = 1;
