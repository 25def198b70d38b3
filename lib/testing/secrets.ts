/**
 * The local KMS's secrets: each project's environments (those of a new KMS project: Development
 * "dev", Staging "staging", Production "prod"), their folders (the root "/" always exists; the v4
 * routes never create folders: a missing one is upstream's 404) and shared secrets, with the rules of
 * upstream's secret-v2-bridge service. Values are stored encrypted; every change is reported to
 * `onChange` with the folder it touched, which is how syncs learn that they have work to do.
 */
import { randomUUID } from "node:crypto";
import { badRequest, KmsHttpError, notFound } from "./errors";
import type { CreateSecretBody, DeleteSecretBody, UpdateSecretBody } from "./secret-schemas";
import type { PersistedEnvironment, PersistedFolder, PersistedSecret, SecretManagerState } from "./secret-state";
import type { PersistedIdentity, Store } from "./store";

/** The environments every project starts with (upstream's DEFAULT_PROJECT_ENVS). */
export const DEFAULT_ENVIRONMENTS: readonly { readonly slug: string; readonly name: string }[] = [
  { slug: "dev", name: "Development" },
  { slug: "staging", name: "Staging" },
  { slug: "prod", name: "Production" },
];

/** A secret as the v4 routes return it. */
export interface SecretView {
  readonly id: string;
  readonly _id: string;
  readonly workspace: string;
  readonly environment: string;
  readonly version: number;
  readonly type: "shared";
  readonly secretKey: string;
  readonly secretValue: string;
  readonly secretValueHidden: boolean;
  readonly secretComment: string;
  readonly secretPath: string;
  readonly skipMultilineEncoding: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly tags: readonly never[];
  readonly secretMetadata: readonly never[];
}

/** Where a request points: project, environment slug and folder path. */
export interface SecretLocation {
  readonly projectId: string;
  readonly environment: string;
  readonly secretPath: string;
}

/** A secret as a sync pushes it. */
export interface SyncedSecret {
  readonly key: string;
  readonly value: string;
  readonly comment: string;
}

/** Secrets, folders and environments, on top of the store. */
export class SecretService {
  constructor(
    private readonly store: Store,
    private readonly onChange: (folderId: string) => void,
  ) {}

  /** Gives every project its default environments (and their root folders) when it lacks them. */
  ensureEnvironments(): void {
    let data = this.store.secretManager;
    for (const project of this.store.projects) {
      if (data.environments.some((e) => e.projectId === project.id)) continue;
      const envs = DEFAULT_ENVIRONMENTS.map((e, position) => ({ id: randomUUID(), projectId: project.id, slug: e.slug, name: e.name, position: position + 1 }));
      const roots = envs.map((e) => ({ id: randomUUID(), envId: e.id, path: "/" }));
      data = { ...data, environments: [...data.environments, ...envs], folders: [...data.folders, ...roots] };
    }
    if (data !== this.store.secretManager) this.store.setSecretManager(data);
  }

  /** A project's environments, in their order. */
  environments(projectId: string): readonly PersistedEnvironment[] {
    return this.store.secretManager.environments.filter((e) => e.projectId === projectId).sort((a, b) => a.position - b.position);
  }

  /** An environment by id. */
  environment(id: string): PersistedEnvironment | undefined {
    return this.store.secretManager.environments.find((e) => e.id === id);
  }

  /** A folder by id. */
  folderById(id: string): PersistedFolder | undefined {
    return this.store.secretManager.folders.find((f) => f.id === id);
  }

  /** The folder at `secretPath` of an environment (by slug), if both exist. */
  folder(projectId: string, environment: string, secretPath: string): PersistedFolder | undefined {
    const env = this.environments(projectId).find((e) => e.slug === environment);
    return env && this.store.secretManager.folders.find((f) => f.envId === env.id && f.path === secretPath);
  }

  /** Creates the folder at `secretPath` and the missing ones above it (for tests and demos: the v4 routes never do). */
  createFolder(projectId: string, environment: string, secretPath: string): PersistedFolder {
    if (!/^\/([^/\s]+(\/[^/\s]+)*)?$/.test(secretPath)) throw new RangeError(`secretPath must be "/" or like "/a/b", got "${secretPath}"`);
    const env = this.environments(projectId).find((e) => e.slug === environment);
    if (!env) throw new RangeError(`project ${projectId} has no environment "${environment}"`);
    let data = this.store.secretManager;
    const parts = secretPath.split("/").filter(Boolean);
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = `/${parts.slice(0, depth).join("/")}`;
      if (!data.folders.some((f) => f.envId === env.id && f.path === path)) data = { ...data, folders: [...data.folders, { id: randomUUID(), envId: env.id, path }] };
    }
    this.store.setSecretManager(data);
    return this.folder(projectId, environment, secretPath)!;
  }

  /** `GET /api/v4/secrets`: the secrets of one folder (none when the folder does not exist, as upstream). */
  list(actor: PersistedIdentity, query: { projectId?: string; environment?: string; secretPath: string; viewSecretValue: boolean }): readonly SecretView[] {
    if (!query.projectId || !query.environment) throw badRequest("Missing project id or environment");
    const location = { projectId: query.projectId, environment: query.environment, secretPath: query.secretPath };
    this.requireAccess(actor, location.projectId, "read");
    const folder = this.folder(location.projectId, location.environment, location.secretPath);
    if (!folder) return [];
    return this.secretsIn(folder.id)
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((s) => this.view(s, location, !query.viewSecretValue));
  }

  /** `GET /api/v4/secrets/:secretName`. */
  get(actor: PersistedIdentity, secretName: string, query: { projectId: string; environment?: string; secretPath: string; viewSecretValue: boolean; type: string }): SecretView {
    if (!query.environment) throw badRequest("Missing environment");
    const location = { projectId: query.projectId, environment: query.environment, secretPath: query.secretPath };
    this.requireAccess(actor, location.projectId, "read");
    const folder = this.existingFolder(location, "GetSecretByName");
    const secret = query.type === "shared" ? this.secretsIn(folder.id).find((s) => s.key === secretName) : undefined;
    if (!secret) throw notFound(`Secret with name '${secretName}' not found`);
    return this.view(secret, location, !query.viewSecretValue);
  }

  /** `POST /api/v4/secrets/:secretName`. */
  create(actor: PersistedIdentity, secretName: string, body: CreateSecretBody): SecretView {
    this.requireAccess(actor, body.projectId, "create");
    const folder = this.existingFolder(body, "CreateSecret");
    if (body.type === "personal") throw badRequest("Must be user to create personal secret");
    if (this.secretsIn(folder.id).some((s) => s.key === secretName)) throw badRequest("Secret already exists");
    const now = new Date().toISOString();
    const secret: PersistedSecret = {
      id: randomUUID(),
      folderId: folder.id,
      key: secretName,
      encryptedValue: this.store.encryptText(body.secretValue),
      comment: body.secretComment,
      version: 1,
      skipMultilineEncoding: body.skipMultilineEncoding ?? false,
      createdAt: now,
      updatedAt: now,
    };
    this.commit((data) => ({ ...data, secrets: [...data.secrets, secret] }), folder.id);
    return this.view(secret, body, false);
  }

  /** `PATCH /api/v4/secrets/:secretName`: value, comment and/or name. */
  update(actor: PersistedIdentity, secretName: string, body: UpdateSecretBody): SecretView {
    this.requireAccess(actor, body.projectId, "edit");
    const folder = this.existingFolder(body, "UpdateSecret");
    if (body.type === "personal") throw badRequest("Must be user to create personal secret");
    const current = this.secretsIn(folder.id).find((s) => s.key === secretName);
    if (!current) throw notFound(`Secret with name ${secretName} not found`);
    if (body.newSecretName && this.secretsIn(folder.id).some((s) => s.key === body.newSecretName)) throw badRequest("Secret with the new name already exists");
    const updated: PersistedSecret = {
      ...current,
      key: body.newSecretName || current.key,
      encryptedValue: body.secretValue === undefined ? current.encryptedValue : this.store.encryptText(body.secretValue),
      comment: body.secretComment ?? current.comment,
      skipMultilineEncoding: body.skipMultilineEncoding ?? current.skipMultilineEncoding,
      version: current.version + 1,
      updatedAt: new Date().toISOString(),
    };
    this.commit((data) => ({ ...data, secrets: data.secrets.map((s) => (s.id === current.id ? updated : s)) }), folder.id);
    // Upstream answers with the value that was sent, or "" when none was.
    return { ...this.view(updated, body, false), secretValue: body.secretValue || "" };
  }

  /** `DELETE /api/v4/secrets/:secretName`: answers the deleted secret. */
  delete(actor: PersistedIdentity, secretName: string, body: DeleteSecretBody): SecretView {
    this.requireAccess(actor, body.projectId, "delete");
    const folder = this.existingFolder(body, "DeleteSecret");
    if (body.type === "personal") throw badRequest("Must be user to create personal secret");
    const current = this.secretsIn(folder.id).find((s) => s.key === secretName);
    if (!current) throw notFound(`Secret with name ${secretName} not found`);
    this.commit((data) => ({ ...data, secrets: data.secrets.filter((s) => s.id !== current.id) }), folder.id);
    return this.view(current, body, false);
  }

  /** What a sync of this folder pushes: every shared secret with its value and comment. */
  syncedSecrets(folderId: string): readonly SyncedSecret[] {
    return this.secretsIn(folderId).map((s) => ({ key: s.key, value: this.store.decryptText(s.encryptedValue), comment: s.comment }));
  }

  private secretsIn(folderId: string): PersistedSecret[] {
    return this.store.secretManager.secrets.filter((s) => s.folderId === folderId);
  }

  private existingFolder(location: SecretLocation, errorName: string): PersistedFolder {
    const folder = this.folder(location.projectId, location.environment, location.secretPath);
    if (!folder) throw new KmsHttpError(404, errorName, `Folder with path '${location.secretPath}' in environment with slug '${location.environment}' not found`);
    return folder;
  }

  /** Ambiguity: an unknown project answers 404 with the connection service's wording. */
  private requireAccess(actor: PersistedIdentity, projectId: string, action: string): void {
    if (!this.store.project(projectId)) throw notFound(`Could not find project with ID ${projectId}`);
    if (actor.permission !== "full") throw new KmsHttpError(403, "PermissionDenied", `You are not allowed to ${action} on secrets`, { details: [] });
  }

  private commit(change: (data: SecretManagerState) => SecretManagerState, folderId: string): void {
    this.store.setSecretManager(change(this.store.secretManager));
    this.onChange(folderId);
  }

  private view(secret: PersistedSecret, location: SecretLocation, hidden: boolean): SecretView {
    return {
      id: secret.id,
      _id: secret.id,
      workspace: location.projectId,
      environment: location.environment,
      version: secret.version,
      type: "shared",
      secretKey: secret.key,
      secretValue: hidden ? "<hidden-by-infisical>" : this.store.decryptText(secret.encryptedValue),
      secretValueHidden: hidden,
      secretComment: secret.comment,
      secretPath: location.secretPath,
      skipMultilineEncoding: secret.skipMultilineEncoding,
      createdAt: secret.createdAt,
      updatedAt: secret.updatedAt,
      tags: [],
      secretMetadata: [],
    };
  }
}
