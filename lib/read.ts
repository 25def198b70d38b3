/**
 * Reading the live connection, for scripts and the CLI: `readConnection({ name, projectId })`.
 */
import { KmsClient } from "./kms/client";
import { kmsAuthFromEnv } from "./kms/credentials";
import { Connection } from "./kms/schemas";
import { DEFAULT_KMS_URL } from "./construct/props";

/** Options of {@link readConnection}. */
export interface ReadConnectionOptions {
  /** Connection name. */
  readonly name: string;
  /** Project id of a project-level connection. @default - organization level */
  readonly projectId?: string;
  /** KMS base URL (ignored when `client` is given). @default $KMS_URL, else "https://app.kms.hanzo.ai" */
  readonly kmsUrl?: string;
  /** A ready client. @default - one authenticated from the environment, like the hook */
  readonly client?: KmsClient;
}

/** The live connection, or undefined when there is none of that name in that scope. */
export async function readConnection(options: ReadConnectionOptions): Promise<Connection | undefined> {
  const client = options.client ?? new KmsClient({ kmsUrl: options.kmsUrl ?? process.env.KMS_URL ?? DEFAULT_KMS_URL, auth: kmsAuthFromEnv() });
  return client.getByName(options.name, options.projectId);
}
