/**
 * The KMS client for Octopus Deploy secret syncs (`/api/v1/secret-syncs/octopus-deploy`,
 * shared/reference/kms-secret-sync.md). Every request goes through {@link KmsClient}'s authenticated
 * call path (retries, token renewal, error parsing); every answer is parsed with sync-schemas.ts.
 * Sync bodies never hold a secret value: the KMS moves the values itself.
 */
import type { KmsClient } from "./client";
import { OCTOPUS_APP } from "./schemas";
import { CreateSyncBody, SecretSync, SingleSyncBodySchema, SyncListBodySchema, UpdateSyncBody } from "./sync-schemas";

const ROUTE = `/api/v1/secret-syncs/${OCTOPUS_APP}`;

/** Client of the KMS's Octopus Deploy secret-sync routes. */
export class SecretSyncClient {
  /** @param client An authenticated KMS client: its URL, credentials and retry policy are used. */
  constructor(private readonly client: KmsClient) {}

  /** POST: create (with auto-sync on, the KMS queues the first sync: the answer's status is "pending"). */
  async createSync(body: CreateSyncBody): Promise<SecretSync> {
    return (await this.client.call("POST", ROUTE, body, SingleSyncBodySchema)).secretSync;
  }

  /** GET by id. Resolves undefined on 404. */
  async getSyncById(id: string): Promise<SecretSync | undefined> {
    return (await this.client.orNotFound(() => this.client.call("GET", `${ROUTE}/${encodeURIComponent(id)}`, undefined, SingleSyncBodySchema)))?.secretSync;
  }

  /** GET by name in a project (sync names are unique per project). Resolves undefined on 404. */
  async getSyncByName(name: string, projectId: string): Promise<SecretSync | undefined> {
    const path = `${ROUTE}/sync-name/${encodeURIComponent(name)}?${new URLSearchParams({ projectId })}`;
    return (await this.client.orNotFound(() => this.client.call("GET", path, undefined, SingleSyncBodySchema)))?.secretSync;
  }

  /** The syncs of a project. */
  async listSyncs(projectId: string): Promise<SecretSync[]> {
    return (await this.client.call("GET", `${ROUTE}?${new URLSearchParams({ projectId })}`, undefined, SyncListBodySchema)).secretSyncs;
  }

  /** PATCH: send only what changes. */
  async updateSync(id: string, body: UpdateSyncBody): Promise<SecretSync> {
    return (await this.client.call("PATCH", `${ROUTE}/${encodeURIComponent(id)}`, body, SingleSyncBodySchema)).secretSync;
  }

  /**
   * DELETE. With `removeSecrets`, the KMS first removes the synced variables from Octopus and deletes
   * the sync once that succeeded (the answer then shows removeStatus "pending"). Resolves undefined
   * when the sync was already gone (404).
   */
  async deleteSync(id: string, options: { readonly removeSecrets?: boolean } = {}): Promise<SecretSync | undefined> {
    const path = `${ROUTE}/${encodeURIComponent(id)}?removeSecrets=${options.removeSecrets ? "true" : "false"}`;
    return (await this.client.orNotFound(() => this.client.call("DELETE", path, undefined, SingleSyncBodySchema)))?.secretSync;
  }

  /** POST sync-secrets: queue a sync now ("pending"); poll {@link getSyncById} for the result. */
  async triggerSync(id: string): Promise<SecretSync> {
    return (await this.client.call("POST", `${ROUTE}/${encodeURIComponent(id)}/sync-secrets`, undefined, SingleSyncBodySchema)).secretSync;
  }

  /** POST remove-secrets: queue removing the synced variables from Octopus (removeStatus "pending"). */
  async removeSecrets(id: string): Promise<SecretSync> {
    return (await this.client.call("POST", `${ROUTE}/${encodeURIComponent(id)}/remove-secrets`, undefined, SingleSyncBodySchema)).secretSync;
  }
}
