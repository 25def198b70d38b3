/**
 * The contract between the construct (synth time) and the hook (apply time): environment variable
 * names, operations and the event version. No imports, so the hook's entry point loads nothing else.
 */

/** Environment variables the construct sets for the hook. */
export const HOOK_ENV = {
  /** JSON of the declaration (non-secret): the connection resource's `input`. */
  event: "KMS_OCTOPUS_EVENT",
  /** The Octopus API key, when the `apiKey` prop is used. */
  apiKey: "KMS_OCTOPUS_API_KEY",
  /** `plantimestamp()` of the plan that created the connection resource (recorded once, then kept). */
  bornAt: "KMS_OCTOPUS_BORN_AT",
  /** `plantimestamp()` of the plan being applied: equal to bornAt when the connection is new in this apply. */
  plannedAt: "KMS_OCTOPUS_PLANNED_AT",
  /** Comma-separated names of every connection the stack declares (look-alike check of a missing connection). */
  declaredNames: "KMS_OCTOPUS_DECLARED_NAMES",
  /** Set by the launcher: pid of the terraform process that runs the hook (its run directory). */
  runPid: "KMS_OCTOPUS_RUN_PID",
} as const;

/**
 * Operations, one per lifecycle hook: `apply` (create hook of the sync resource: create the connection,
 * or update it to the declaration) and `delete` (destroy hook of the connection resource).
 */
export const OPERATIONS = ["apply", "delete"] as const;
/** One operation. */
export type Operation = (typeof OPERATIONS)[number];

/** The event format version; bump it when the event or the hook's contract changes. */
export const EVENT_VERSION = 2;
