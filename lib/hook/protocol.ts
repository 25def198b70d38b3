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
  /** "1" when the connection resource was created by this very apply (update hook only). */
  created: "KMS_OCTOPUS_CREATED",
  /** "1" when the API key fingerprint changed in this apply (update hook only). */
  keyChanged: "KMS_OCTOPUS_KEY_CHANGED",
} as const;

/** Operations, one per lifecycle hook. */
export const OPERATIONS = ["create", "update", "delete"] as const;
/** One operation. */
export type Operation = (typeof OPERATIONS)[number];

/** The event format version; bump it when the event changes shape. */
export const EVENT_VERSION = 1;
