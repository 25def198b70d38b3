/**
 * The local KMS's data: organization, projects, identities, the fake Octopus's keys and the app
 * connections. Plays the part of upstream's database: it knows nothing of HTTP or permissions, and
 * every mutation is written to the state file (when there is one) before it returns.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { randomString, SecretCipher, sha256Hex, UPPER_ALPHANUMERIC } from "./cipher";
import type { OctopusCredentials } from "./schemas";
import { EMPTY_SECRET_MANAGER, type SecretManagerState } from "./secret-state";
import {
  readStateFile,
  writeStateFile,
  type PersistedConnection,
  type PersistedIdentity,
  type PersistedProject,
  type PersistedState,
} from "./state-file";

export type { PersistedConnection, PersistedIdentity, PersistedProject } from "./state-file";

/** What an identity may do on app connections. */
export type IdentityPermission = PersistedIdentity["permission"];

/** A new connection, already validated. */
export interface NewConnection {
  /** Slug name, unique in its scope. */
  readonly name: string;
  /** Free text or null. */
  readonly description: string | null;
  /** Owning project, or null for an org-level connection. */
  readonly projectId: string | null;
  /** Credentials to encrypt. */
  readonly credentials: OctopusCredentials;
}

/** Changes to a connection; absent fields stay as they are. */
export interface ConnectionChanges {
  /** New name. */
  readonly name?: string;
  /** New description (null clears it). */
  readonly description?: string | null;
  /** New credentials (re-encrypted, so the credentials hash changes). */
  readonly credentials?: OctopusCredentials;
}

/** The in-memory state, optionally backed by a JSON file. */
export class Store {
  private readonly cipher: SecretCipher;

  private constructor(
    private state: PersistedState,
    private readonly statePath: string | undefined,
  ) {
    this.cipher = new SecretCipher(Buffer.from(state.encryptionKey, "base64"));
  }

  /** Loads `statePath` if it exists, else creates a fresh state (and writes it, so a restart finds it). */
  static open(statePath?: string): Store {
    const loaded = statePath === undefined ? undefined : readStateFile(statePath);
    if (loaded) return new Store(loaded, statePath);
    const store = new Store(freshState(), statePath);
    store.persist();
    return store;
  }

  /** The one organization. */
  get org(): PersistedState["org"] {
    return this.state.org;
  }

  /** HS256 key of the access tokens. */
  get jwtSecret(): Buffer {
    return Buffer.from(this.state.jwtSecret, "base64");
  }

  /** The project that exists from the start. */
  get defaultProject(): PersistedProject {
    return this.required(this.project(this.state.defaultProjectId), "default project");
  }

  /** The full-permission identity that exists from the start. */
  get defaultIdentity(): PersistedIdentity {
    return this.required(this.identity(this.state.defaultIdentityId), "default identity");
  }

  /** Every project, in creation order. */
  get projects(): readonly PersistedProject[] {
    return this.state.projects;
  }

  /** A project by id. */
  project(id: string): PersistedProject | undefined {
    return this.state.projects.find((p) => p.id === id);
  }

  /** An identity by id. */
  identity(id: string): PersistedIdentity | undefined {
    return this.state.identities.find((i) => i.id === id);
  }

  /** The identity whose Universal Auth client id and secret these are, if they match one. */
  identityByClientCredentials(clientId: string, clientSecret: string): PersistedIdentity | undefined {
    const identity = this.state.identities.find((i) => i.clientId === clientId);
    if (!identity) return undefined;
    const expected = Buffer.from(sha256Hex(this.clientSecret(identity)));
    return timingSafeEqual(expected, Buffer.from(sha256Hex(clientSecret))) ? identity : undefined;
  }

  /** The identity's Universal Auth client secret, decrypted. */
  clientSecret(identity: PersistedIdentity): string {
    return this.cipher.decrypt(Buffer.from(identity.encryptedClientSecret, "base64"));
  }

  /** Creates a project. */
  addProject(): PersistedProject {
    const project = newProject(this.state.projects.length + 1);
    this.commit({ ...this.state, projects: [...this.state.projects, project] });
    return project;
  }

  /** Creates an identity. */
  addIdentity(permission: IdentityPermission): PersistedIdentity {
    const identity = newIdentity(this.cipher, `identity-${this.state.identities.length + 1}`, permission);
    this.commit({ ...this.state, identities: [...this.state.identities, identity] });
    return identity;
  }

  /** The fake Octopus's own API key (valid unless revoked). */
  get octopusApiKey(): string {
    return this.cipher.decrypt(Buffer.from(this.state.octopus.encryptedApiKey, "base64"));
  }

  /** The port the fake Octopus last listened on, to reuse after a restart (stored instance URLs keep working). */
  get octopusPort(): number | null {
    return this.state.octopus.port;
  }

  /** Remembers the fake Octopus's port. */
  setOctopusPort(port: number): void {
    if (port !== this.state.octopus.port) this.commit({ ...this.state, octopus: { ...this.state.octopus, port } });
  }

  /** Whether the fake Octopus accepts this API key. */
  isOctopusKeyValid(key: string): boolean {
    return this.state.octopus.validKeyHashes.includes(sha256Hex(key));
  }

  /** Makes an API key valid on the fake Octopus. */
  allowOctopusKey(key: string): void {
    if (this.isOctopusKeyValid(key)) return;
    const validKeyHashes = [...this.state.octopus.validKeyHashes, sha256Hex(key)];
    this.commit({ ...this.state, octopus: { ...this.state.octopus, validKeyHashes } });
  }

  /** Makes an API key invalid on the fake Octopus. */
  revokeOctopusKey(key: string): void {
    const hash = sha256Hex(key);
    const validKeyHashes = this.state.octopus.validKeyHashes.filter((h) => h !== hash);
    this.commit({ ...this.state, octopus: { ...this.state.octopus, validKeyHashes } });
  }

  /** All connections, in creation order. */
  get connections(): readonly PersistedConnection[] {
    return this.state.connections;
  }

  /** A connection by id. */
  connection(id: string): PersistedConnection | undefined {
    return this.state.connections.find((c) => c.id === id);
  }

  /** The connection with this exact name in a scope: a project, or the org level (`null`). */
  connectionByName(name: string, projectId: string | null): PersistedConnection | undefined {
    return this.state.connections.find((c) => c.name === name && c.projectId === projectId);
  }

  /** Adds a connection. The caller has checked the name is free in its scope. */
  insertConnection(input: NewConnection): PersistedConnection {
    const now = new Date().toISOString();
    const connection: PersistedConnection = {
      id: randomUUID(),
      name: input.name,
      description: input.description,
      version: 1,
      projectId: input.projectId,
      createdAt: now,
      updatedAt: now,
      encryptedCredentials: this.encryptCredentials(input.credentials),
    };
    this.commit({ ...this.state, connections: [...this.state.connections, connection] });
    return connection;
  }

  /** Applies changes to an existing connection; every update bumps `version` and `updatedAt`. */
  updateConnection(current: PersistedConnection, changes: ConnectionChanges): PersistedConnection {
    const updated: PersistedConnection = {
      ...current,
      name: changes.name ?? current.name,
      description: changes.description === undefined ? current.description : changes.description,
      version: current.version + 1,
      updatedAt: new Date().toISOString(),
      encryptedCredentials: changes.credentials ? this.encryptCredentials(changes.credentials) : current.encryptedCredentials,
    };
    this.commit({ ...this.state, connections: this.state.connections.map((c) => (c.id === current.id ? updated : c)) });
    return updated;
  }

  /** Removes a connection. */
  deleteConnection(connection: PersistedConnection): void {
    this.commit({ ...this.state, connections: this.state.connections.filter((c) => c.id !== connection.id) });
  }

  /** Environments, folders, secrets and syncs (lib/testing/secrets.ts and secret-syncs.ts own their rules). */
  get secretManager(): SecretManagerState {
    return this.state.secretManager;
  }

  /** Replaces the secret-manager block (and writes the state file). */
  setSecretManager(next: SecretManagerState): void {
    this.commit({ ...this.state, secretManager: next });
  }

  /** Encrypts a secret value for the state file (base64 AES-256-GCM). */
  encryptText(plain: string): string {
    return this.cipher.encrypt(plain).toString("base64");
  }

  /** Decrypts what {@link encryptText} returned. */
  decryptText(blob: string): string {
    return this.cipher.decrypt(Buffer.from(blob, "base64"));
  }

  /** A connection's credentials, decrypted. */
  credentials(connection: PersistedConnection): OctopusCredentials {
    return JSON.parse(this.cipher.decrypt(Buffer.from(connection.encryptedCredentials, "base64"))) as OctopusCredentials;
  }

  private encryptCredentials(credentials: OctopusCredentials): string {
    const { instanceUrl, apiKey } = credentials;
    return this.cipher.encrypt(JSON.stringify({ instanceUrl, apiKey })).toString("base64");
  }

  private commit(next: PersistedState): void {
    this.state = next;
    this.persist();
  }

  private persist(): void {
    if (this.statePath !== undefined) writeStateFile(this.statePath, this.state);
  }

  private required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`Local KMS state has no ${what}`);
    return value;
  }
}

/** A new organization with one project, one full-permission identity and an Octopus key. */
function freshState(): PersistedState {
  const encryptionKey = SecretCipher.generateKey();
  const cipher = new SecretCipher(encryptionKey);
  const project = newProject(1);
  const identity = newIdentity(cipher, "local-admin", "full");
  const octopusApiKey = `API-${randomString(UPPER_ALPHANUMERIC, 26)}`;
  return {
    version: 1,
    jwtSecret: randomBytes(32).toString("base64"),
    encryptionKey: encryptionKey.toString("base64"),
    org: { id: randomUUID(), name: "Local KMS", slug: "local-kms" },
    defaultProjectId: project.id,
    defaultIdentityId: identity.id,
    projects: [project],
    identities: [identity],
    octopus: {
      port: null,
      encryptedApiKey: cipher.encrypt(octopusApiKey).toString("base64"),
      validKeyHashes: [sha256Hex(octopusApiKey)],
    },
    connections: [],
    secretManager: EMPTY_SECRET_MANAGER,
  };
}

function newProject(ordinal: number): PersistedProject {
  return { id: randomUUID(), name: `Project ${ordinal}`, slug: `project-${ordinal}`, createdAt: new Date().toISOString() };
}

function newIdentity(cipher: SecretCipher, name: string, permission: IdentityPermission): PersistedIdentity {
  return {
    id: randomUUID(),
    name,
    clientId: randomUUID(),
    // Upstream Universal Auth client secrets are 32 random bytes in hex.
    encryptedClientSecret: cipher.encrypt(randomBytes(32).toString("hex")).toString("base64"),
    permission,
    staticTokenId: randomUUID(),
    staticTokenIssuedAt: Math.floor(Date.now() / 1000),
  };
}
