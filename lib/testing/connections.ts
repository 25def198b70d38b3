/**
 * The app-connection service for Octopus Deploy: upstream's app-connection-service rules on top of
 * the store (kms-api.md §3, §5, §7). Checks run in upstream's order: find (404), permission (403),
 * credentials (400 from Octopus), then the name's uniqueness (400, upstream's unique index).
 */
import { OCTOPUS_APP, OCTOPUS_METHOD } from "../kms/schemas";
import { sha256Hex } from "./cipher";
import { badRequest, notFound, permissionDenied } from "./errors";
import type { CreateConnectionBody, OctopusCredentials, UpdateConnectionBody } from "./schemas";
import type { PersistedConnection, PersistedIdentity, PersistedProject, Store } from "./store";

/** A connection as the API returns it: never the API key. */
export interface SanitizedConnection {
  /** Connection id (UUID). */
  readonly id: string;
  /** Slug name. */
  readonly name: string;
  /** Description or null. */
  readonly description: string | null;
  /** Starts at 1, +1 on every update. */
  readonly version: number;
  /** Owning organization (UUID). */
  readonly orgId: string;
  /** Creation time (ISO 8601). */
  readonly createdAt: string;
  /** Last update time (ISO 8601). */
  readonly updatedAt: string;
  /** Always false: Octopus connections do not support platform-managed credentials. */
  readonly isPlatformManagedCredentials: false;
  /** Always null: Octopus connections do not support gateways. */
  readonly gatewayId: null;
  /** Owning project, or null at org level. */
  readonly projectId: string | null;
  /** Always false: no credential rotation. */
  readonly isAutoRotationEnabled: false;
  /** SHA-256 hex of the encrypted credentials: changes exactly when the credentials are updated. */
  readonly credentialsHash: string;
  /** "octopus-deploy". */
  readonly app: typeof OCTOPUS_APP;
  /** "api-key". */
  readonly method: typeof OCTOPUS_METHOD;
  /** The non-secret part of the credentials. */
  readonly credentials: { readonly instanceUrl: string };
}

/** The project a listed connection belongs to. */
export interface ProjectSummary {
  /** Project name. */
  readonly name: string;
  /** Project id. */
  readonly id: string;
  /** Project type; always "secret-manager" here. */
  readonly type: "secret-manager";
  /** Project slug. */
  readonly slug: string;
}

/** A connection as the list routes return it: with its project joined. */
export interface ListedConnection extends SanitizedConnection {
  /** The owning project, or null at org level. */
  readonly project: ProjectSummary | null;
}

/** An entry of the "available" route. */
export interface AvailableConnection {
  /** "octopus-deploy". */
  readonly app: typeof OCTOPUS_APP;
  /** Connection name. */
  readonly name: string;
  /** Connection id. */
  readonly id: string;
  /** Owning project, or null at org level. */
  readonly projectId: string | null;
  /** Owning organization. */
  readonly orgId: string;
}

/** Checks credentials against Octopus; throws the KMS's 400 when they do not work. */
export type CredentialChecker = (credentials: OctopusCredentials) => Promise<void>;

/** What the connection routes do, on top of the store. */
export class ConnectionService {
  constructor(
    private readonly store: Store,
    private readonly checkCredentials: CredentialChecker,
    /** Whether something (a secret sync) uses the connection, which then cannot be deleted. */
    private readonly inUse: (connectionId: string) => boolean = () => false,
  ) {}

  /** Every connection, sanitized, in creation order (no permission check: for test assertions). */
  all(): readonly SanitizedConnection[] {
    return this.store.connections.map((c) => this.sanitize(c));
  }

  /** With a project: its connections; without: all connections of the org, project ones included. */
  list(actor: PersistedIdentity, projectId: string | undefined): readonly ListedConnection[] {
    const project = projectId ? this.existingProject(projectId) : undefined;
    requirePermission(actor, "read");
    return byName(this.store.connections.filter((c) => !project || c.projectId === project.id)).map((c) => ({
      ...this.sanitize(c),
      project: c.projectId === null ? null : summarize(this.store.project(c.projectId)),
    }));
  }

  /**
   * Connections the caller may use. Upstream filters by the "connect" permission instead of
   * refusing, so an identity without permission gets an empty list. Ambiguity: the contract does not
   * say what `projectId` selects; the emulator returns that project's connections, and org-level
   * connections without it.
   */
  listAvailable(actor: PersistedIdentity, projectId: string | undefined): readonly AvailableConnection[] {
    const scope = projectId ? this.existingProject(projectId).id : null;
    if (actor.permission !== "full") return [];
    return byName(this.store.connections.filter((c) => c.projectId === scope)).map((c) => ({
      app: OCTOPUS_APP,
      name: c.name,
      id: c.id,
      projectId: c.projectId,
      orgId: this.store.org.id,
    }));
  }

  /** One connection by id. */
  get(actor: PersistedIdentity, id: string): SanitizedConnection {
    const connection = this.existing(id);
    requirePermission(actor, "read");
    return this.sanitize(connection);
  }

  /** One connection by exact name, in a project or (without `projectId`) among org-level ones. */
  getByName(actor: PersistedIdentity, name: string, projectId: string | undefined): SanitizedConnection {
    const scope = projectId ? this.existingProject(projectId).id : null;
    const connection = this.store.connectionByName(name, scope);
    if (!connection) throw notFound(`Could not find App Connection with name ${name} in ${scope ? "project" : "organization"} scope.`);
    requirePermission(actor, "read");
    return this.sanitize(connection);
  }

  /** Creates a connection after Octopus accepted its credentials. */
  async create(actor: PersistedIdentity, body: CreateConnectionBody): Promise<SanitizedConnection> {
    // Upstream tests `projectId` for truthiness: an empty string means org level.
    const projectId = body.projectId ? body.projectId : null;
    if (projectId !== null && !this.store.project(projectId)) throw badRequest(`Could not find project with ID ${projectId}`);
    requirePermission(actor, "create");
    await this.checkCredentials(body.credentials);
    this.requireFreeName(body.name, projectId);
    const connection = this.store.insertConnection({
      name: body.name,
      description: body.description ?? null,
      projectId,
      credentials: body.credentials,
    });
    return this.sanitize(connection);
  }

  /** Updates name, description and/or credentials (checked against Octopus when sent). */
  async update(actor: PersistedIdentity, id: string, body: UpdateConnectionBody): Promise<SanitizedConnection> {
    this.existing(id); // 404 before 403, as upstream
    requirePermission(actor, "edit");
    // Upstream re-parses the credentials first (400 "Invalid credential format ..."); the PATCH schema
    // already requires the whole object, so that check can never fail here and is left out.
    if (body.credentials) await this.checkCredentials(body.credentials);
    // Re-read after the await: the connection may have changed or gone meanwhile.
    const current = this.existing(id);
    if (body.name !== undefined) this.requireFreeName(body.name, current.projectId, current.id);
    const updated = this.store.updateConnection(current, { name: body.name, description: body.description, credentials: body.credentials });
    return this.sanitize(updated);
  }

  /** Deletes a connection; returns it as it was. */
  delete(actor: PersistedIdentity, id: string): SanitizedConnection {
    const connection = this.existing(id);
    requirePermission(actor, "delete");
    if (this.inUse(id)) throw badRequest("Cannot delete App Connection with existing connections. Remove all existing connections and try again.");
    const sanitized = this.sanitize(connection);
    this.store.deleteConnection(connection);
    return sanitized;
  }

  private existing(id: string): PersistedConnection {
    const connection = this.store.connection(id);
    if (!connection) throw notFound(`Could not find App Connection with ID ${id}`);
    return connection;
  }

  /**
   * Ambiguity: the contract does not say what an unknown `?projectId` on a read route answers
   * (upstream's project permission lookup fails); the emulator answers 404 with create's wording.
   */
  private existingProject(projectId: string): PersistedProject {
    const project = this.store.project(projectId);
    if (!project) throw notFound(`Could not find project with ID ${projectId}`);
    return project;
  }

  /** Names are unique among org-level connections, and within each project. */
  private requireFreeName(name: string, projectId: string | null, exceptId?: string): void {
    const holder = this.store.connectionByName(name, projectId);
    if (holder && holder.id !== exceptId) throw badRequest(`An App Connection with the name "${name}" already exists`);
  }

  private sanitize(connection: PersistedConnection): SanitizedConnection {
    return {
      id: connection.id,
      name: connection.name,
      description: connection.description,
      version: connection.version,
      orgId: this.store.org.id,
      createdAt: connection.createdAt,
      updatedAt: connection.updatedAt,
      isPlatformManagedCredentials: false,
      gatewayId: null,
      projectId: connection.projectId,
      isAutoRotationEnabled: false,
      credentialsHash: sha256Hex(Buffer.from(connection.encryptedCredentials, "base64")),
      app: OCTOPUS_APP,
      method: OCTOPUS_METHOD,
      credentials: { instanceUrl: this.store.credentials(connection).instanceUrl },
    };
  }
}

/** Upstream CASL actions on the app-connections subject. */
type ConnectionAction = "read" | "create" | "edit" | "delete";

function requirePermission(actor: PersistedIdentity, action: ConnectionAction): void {
  if (actor.permission !== "full") throw permissionDenied(action);
}

function byName(connections: readonly PersistedConnection[]): PersistedConnection[] {
  return [...connections].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}

function summarize(project: PersistedProject | undefined): ProjectSummary | null {
  return project ? { name: project.name, id: project.id, type: "secret-manager", slug: project.slug } : null;
}
