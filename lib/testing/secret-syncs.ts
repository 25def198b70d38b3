/**
 * The Octopus Deploy secret-sync service: upstream's secret-sync-service rules on top of the store
 * (404 before 403, the folder must exist, names unique per project, the connection must be an Octopus
 * connection of the sync's project or of the organization), and the jobs: a sync is queued on create
 * and update when auto-sync is on, when a secret of its folder changes, and on the manual trigger;
 * each job records syncStatus ("pending" → "running" → "succeeded" | "failed"), lastSyncMessage and
 * lastSyncedAt (removeStatus/lastRemoveMessage/lastRemovedAt for removals).
 */
import { randomUUID } from "node:crypto";
import { OCTOPUS_APP } from "../kms/schemas";
import { badRequest, KmsHttpError, notFound } from "./errors";
import type { OutboundPolicy } from "./outbound-guard";
import type { CreateSyncBody, UpdateSyncBody } from "./secret-schemas";
import type { PersistedSync, SecretManagerState } from "./secret-state";
import type { SecretService } from "./secrets";
import type { PersistedIdentity, Store } from "./store";
import { pushSecrets, removeSecrets, syncErrorMessage, SyncQueue, type SyncJob } from "./sync-engine";

/** A sync as the API returns it. */
export type SecretSyncView = Omit<PersistedSync, never> & {
  readonly destination: typeof OCTOPUS_APP;
  readonly importStatus: null;
  readonly lastImportJobId: null;
  readonly lastImportMessage: null;
  readonly lastImportedAt: null;
  readonly connection: { readonly app: typeof OCTOPUS_APP; readonly name: string; readonly id: string };
  readonly environment: { readonly slug: string; readonly name: string; readonly id: string } | null;
  readonly folder: { readonly id: string; readonly path: string } | null;
};

const NAME = "Octopus Deploy";
const JOB_RUNNING = "A job for this sync is already in progress. Please try again shortly.";

/** What the secret-sync routes do. */
export class SecretSyncService {
  private readonly queue = new SyncQueue();
  private jobCounter = 0;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretService,
    private readonly policy: () => OutboundPolicy,
  ) {}

  /** Every sync, in creation order (no permission check: for test assertions). */
  all(): readonly SecretSyncView[] {
    return this.rows().map((s) => this.view(s));
  }

  /** Resolves when no sync job is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Whether a connection is used by a sync (it then cannot be deleted). */
  usesConnection(connectionId: string): boolean {
    return this.rows().some((s) => s.connectionId === connectionId);
  }

  /** The syncs of a project. */
  list(actor: PersistedIdentity, projectId: string): readonly SecretSyncView[] {
    this.requireAccess(actor, projectId, "read");
    return this.rows()
      .filter((s) => s.projectId === projectId)
      .map((s) => this.view(s));
  }

  /** One sync by id. */
  get(actor: PersistedIdentity, id: string): SecretSyncView {
    const sync = this.existing(id);
    this.requireAccess(actor, sync.projectId, "read");
    return this.view(sync);
  }

  /** One sync by name in a project. */
  getByName(actor: PersistedIdentity, name: string, projectId: string): SecretSyncView {
    const sync = this.rows().find((s) => s.name === name && s.projectId === projectId);
    if (!sync) throw notFound(`Could not find ${NAME} Sync with name "${name}"`);
    this.requireAccess(actor, sync.projectId, "read");
    return this.view(sync);
  }

  /** Creates a sync; with auto-sync it is queued at once ("pending"). */
  create(actor: PersistedIdentity, body: CreateSyncBody): SecretSyncView {
    this.requireAccess(actor, body.projectId, "create");
    const folder = this.requireFolder(body.projectId, body.environment, body.secretPath);
    this.requireConnection(body.connectionId, body.projectId);
    if (this.rows().some((s) => s.name === body.name && s.projectId === body.projectId)) {
      throw badRequest(`A Secret Sync with the name "${body.name}" already exists for the project with ID "${body.projectId}"`);
    }
    const now = new Date().toISOString();
    const sync: PersistedSync = {
      id: randomUUID(),
      name: body.name,
      description: body.description ?? null,
      projectId: body.projectId,
      folderId: folder.id,
      connectionId: body.connectionId,
      isAutoSyncEnabled: body.isAutoSyncEnabled,
      version: 1,
      destinationConfig: body.destinationConfig,
      syncOptions: body.syncOptions,
      createdAt: now,
      updatedAt: now,
      syncStatus: body.isAutoSyncEnabled ? "pending" : null,
      lastSyncJobId: null,
      lastSyncMessage: null,
      lastSyncedAt: null,
      removeStatus: null,
      lastRemoveJobId: null,
      lastRemoveMessage: null,
      lastRemovedAt: null,
    };
    this.commit((data) => ({ ...data, syncs: [...data.syncs, sync] }));
    if (sync.isAutoSyncEnabled) this.queueSync(sync.id);
    return this.view(sync);
  }

  /** Updates a sync; with auto-sync on, it is queued again. */
  update(actor: PersistedIdentity, id: string, body: UpdateSyncBody): SecretSyncView {
    const current = this.existing(id);
    this.requireAccess(actor, current.projectId, "edit");
    let folderId = current.folderId;
    if (body.environment !== undefined || body.secretPath !== undefined) {
      const place = this.place(current);
      folderId = this.requireFolder(current.projectId, body.environment ?? place.environment, body.secretPath ?? place.path).id;
    }
    if (body.connectionId !== undefined) this.requireConnection(body.connectionId, current.projectId);
    if (body.name !== undefined && this.rows().some((s) => s.name === body.name && s.projectId === current.projectId && s.id !== id)) {
      throw badRequest(`A Secret Sync with the name "${body.name}" already exists for the project with ID "${current.projectId}"`);
    }
    const isAutoSyncEnabled = body.isAutoSyncEnabled ?? current.isAutoSyncEnabled;
    const updated: PersistedSync = {
      ...current,
      name: body.name ?? current.name,
      description: body.description === undefined ? current.description : body.description,
      connectionId: body.connectionId ?? current.connectionId,
      folderId,
      isAutoSyncEnabled,
      syncOptions: body.syncOptions ?? current.syncOptions,
      destinationConfig: body.destinationConfig ?? current.destinationConfig,
      version: current.version + 1,
      updatedAt: new Date().toISOString(),
      syncStatus: isAutoSyncEnabled ? "pending" : current.syncStatus,
    };
    this.replace(updated);
    if (isAutoSyncEnabled) this.queueSync(id);
    return this.view(updated);
  }

  /** Deletes a sync; with `removeSecrets`, first removes its variables from Octopus (the sync goes once that succeeds). */
  delete(actor: PersistedIdentity, id: string, removeSecretsFirst: boolean): SecretSyncView {
    const sync = this.existing(id);
    this.requireAccess(actor, sync.projectId, "delete");
    if (!removeSecretsFirst) {
      this.commit((data) => ({ ...data, syncs: data.syncs.filter((s) => s.id !== id) }));
      return this.view(sync);
    }
    if (this.queue.isRunning(id)) throw badRequest(JOB_RUNNING);
    this.queueRemove(id, true);
    return this.view(this.patch(id, { removeStatus: "pending" })!);
  }

  /** The manual "sync now". */
  triggerSync(actor: PersistedIdentity, id: string): SecretSyncView {
    const sync = this.existing(id);
    this.requireAccess(actor, sync.projectId, "sync-secrets");
    if (this.queue.isRunning(id)) throw badRequest(JOB_RUNNING);
    this.queueSync(id);
    return this.view(this.patch(id, { syncStatus: "pending" })!);
  }

  /** The manual "remove secrets". */
  triggerRemove(actor: PersistedIdentity, id: string): SecretSyncView {
    const sync = this.existing(id);
    this.requireAccess(actor, sync.projectId, "remove-secrets");
    if (this.queue.isRunning(id)) throw badRequest(JOB_RUNNING);
    this.queueRemove(id, false);
    return this.view(this.patch(id, { removeStatus: "pending" })!);
  }

  /** A secret of this folder changed: every auto-sync of the folder is queued. */
  folderChanged(folderId: string): void {
    for (const sync of this.rows().filter((s) => s.folderId === folderId && s.isAutoSyncEnabled)) {
      this.patch(sync.id, { syncStatus: "pending" });
      this.queueSync(sync.id);
    }
  }

  private queueSync(id: string): void {
    this.queue.enqueue(id, async () => {
      const job = this.job(id);
      if (!job) return;
      const jobId = this.nextJobId();
      this.patch(id, { syncStatus: "running", lastSyncJobId: jobId });
      try {
        await pushSecrets(job, this.policy());
        this.patch(id, { syncStatus: "succeeded", lastSyncMessage: null, lastSyncedAt: new Date().toISOString() });
      } catch (error) {
        this.patch(id, { syncStatus: "failed", lastSyncMessage: syncErrorMessage(error) });
      }
    });
  }

  private queueRemove(id: string, deleteOnSuccess: boolean): void {
    this.queue.enqueue(id, async () => {
      const job = this.job(id);
      if (!job) return;
      this.patch(id, { removeStatus: "running", lastRemoveJobId: this.nextJobId() });
      try {
        await removeSecrets(job, this.policy());
        if (deleteOnSuccess) this.commit((data) => ({ ...data, syncs: data.syncs.filter((s) => s.id !== id) }));
        else this.patch(id, { removeStatus: "succeeded", lastRemoveMessage: null, lastRemovedAt: new Date().toISOString() });
      } catch (error) {
        this.patch(id, { removeStatus: "failed", lastRemoveMessage: syncErrorMessage(error) });
      }
    });
  }

  /** What a job of this sync works with, read when it starts (undefined when the sync is gone). */
  private job(id: string): SyncJob | undefined {
    const sync = this.rows().find((s) => s.id === id);
    const connection = sync && this.store.connection(sync.connectionId);
    if (!sync || !connection) return undefined;
    return {
      sync,
      credentials: this.store.credentials(connection),
      environment: this.place(sync).environment,
      secrets: this.secrets.syncedSecrets(sync.folderId),
    };
  }

  private nextJobId(): string {
    return String(++this.jobCounter);
  }

  private rows(): readonly PersistedSync[] {
    return this.store.secretManager.syncs;
  }

  private existing(id: string): PersistedSync {
    const sync = this.rows().find((s) => s.id === id);
    if (!sync) throw notFound(`Could not find ${NAME} Sync with ID "${id}"`);
    return sync;
  }

  /** Ambiguity: an unknown project answers 404 with the connection service's wording. */
  private requireAccess(actor: PersistedIdentity, projectId: string, action: string): void {
    if (!this.store.project(projectId)) throw notFound(`Could not find project with ID ${projectId}`);
    if (actor.permission !== "full") throw new KmsHttpError(403, "PermissionDenied", `You are not allowed to ${action} on secret-syncs`, { details: [] });
  }

  private requireFolder(projectId: string, environment: string, secretPath: string) {
    const folder = this.secrets.folder(projectId, environment, secretPath);
    if (!folder) throw badRequest(`Could not find folder with path "${secretPath}" in environment "${environment}" for project with ID "${projectId}"`);
    return folder;
  }

  /**
   * The connection must exist (404) and belong to the sync's project or to the organization.
   * Ambiguity: a connection of another project is answered like a missing one.
   */
  private requireConnection(connectionId: string, projectId: string): void {
    const connection = this.store.connection(connectionId);
    if (!connection || (connection.projectId !== null && connection.projectId !== projectId)) {
      throw notFound(`Could not find App Connection with ID ${connectionId}`);
    }
  }

  private place(sync: PersistedSync): { environment: string; path: string } {
    const folder = this.secrets.folderById(sync.folderId);
    const env = folder && this.secrets.environment(folder.envId);
    return { environment: env?.slug ?? "", path: folder?.path ?? "/" };
  }

  private patch(id: string, changes: Partial<PersistedSync>): PersistedSync | undefined {
    const current = this.rows().find((s) => s.id === id);
    if (!current) return undefined;
    const next = { ...current, ...changes };
    this.replace(next);
    return next;
  }

  private replace(sync: PersistedSync): void {
    this.commit((data) => ({ ...data, syncs: data.syncs.map((s) => (s.id === sync.id ? sync : s)) }));
  }

  private commit(change: (data: SecretManagerState) => SecretManagerState): void {
    this.store.setSecretManager(change(this.store.secretManager));
  }

  private view(sync: PersistedSync): SecretSyncView {
    const connection = this.store.connection(sync.connectionId);
    const folder = this.secrets.folderById(sync.folderId);
    const env = folder && this.secrets.environment(folder.envId);
    return {
      ...sync,
      destination: OCTOPUS_APP,
      importStatus: null,
      lastImportJobId: null,
      lastImportMessage: null,
      lastImportedAt: null,
      connection: { app: OCTOPUS_APP, name: connection?.name ?? "", id: sync.connectionId },
      environment: env ? { slug: env.slug, name: env.name, id: env.id } : null,
      folder: folder ? { id: folder.id, path: folder.path } : null,
    };
  }
}
