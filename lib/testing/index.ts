/**
 * The local KMS: a faithful emulator of Hanzo KMS / Infisical for Octopus Deploy app connections
 * (shared/reference/kms-api.md), secrets (v4 routes) and Octopus Deploy secret syncs
 * (shared/reference/kms-secret-sync.md), with a built-in fake Octopus Deploy that keeps project
 * variables. For end-to-end tests, demos, benchmarks and users' own tests. Listens on 127.0.0.1 only.
 *
 * What a LocalKms offers: URLs and throwaway credentials (`kmsUrl`, `token`, `clientId`/`clientSecret`,
 * `projectId`, `octopusUrl`, `octopusApiKey`); projects and identities (`createProject`,
 * `createIdentity`); the fake Octopus's keys (`addOctopusApiKey`, `revokeOctopusApiKey`), spaces and
 * projects (`octopusSpaceId`, `octopusProjectId`, `addOctopusProject`), variables WITH values
 * (`octopusVariables`, `setOctopusVariables`) and failures (`setOctopusFailure`); the KMS side of
 * secrets (`environments`, `createFolder`) and syncs (`secretSyncs`, `syncsIdle`: await the sync queue);
 * faults, latency and the request log (`setFaults`, `setLatency`, `requests`, `clearRequests`); the
 * stored connections (`connections`); and `close`.
 *
 * ```ts
 * const kms = await startLocalKms();
 * // ... point the library at kms.kmsUrl with kms.token, create connections to kms.octopusUrl ...
 * await kms.close();
 * ```
 */
import { DEFAULT_TOKEN_TTL_SECONDS, TokenAuthority } from "./auth";
import { ConnectionService, type SanitizedConnection } from "./connections";
import { startFakeOctopus, type OctopusFailure } from "./fake-octopus";
import { FaultPlan, type FaultOptions } from "./faults";
import { LOOPBACK } from "./http";
import { KmsServer } from "./kms-server";
import { checkOctopusCredentials } from "./octopus-credentials";
import { RateLimiter } from "./rate-limit";
import { RequestLog, type RequestLogEntry } from "./request-log";
import { DEFAULT_PROJECT_ID, DEFAULT_SPACE_ID, type OctopusVariable, type OctopusVariableInput } from "./octopus-variables";
import type { OutboundPolicy } from "./outbound-guard";
import { kmsRoutes } from "./routes";
import { secretRoutes } from "./secret-routes";
import { SecretSyncService, type SecretSyncView } from "./secret-syncs";
import { SecretService } from "./secrets";
import { Store } from "./store";

export type { AuthKind } from "./auth";
export { FAULT_KINDS, type FaultKind, type FaultOptions } from "./faults";
export type { RequestLogEntry } from "./request-log";
export type { OctopusFailure } from "./fake-octopus";
export type { OctopusScope, OctopusVariable, OctopusVariableInput } from "./octopus-variables";
export type { SecretSyncView } from "./secret-syncs";
export { envWithoutKmsSettings, terraformEnv, terraformWorkDir } from "./terraform-env";

/** A stored connection as the API would return it (never the API key); for test assertions. */
export type StoredConnectionView = SanitizedConnection;

/** How to run the local KMS. */
export interface LocalKmsOptions {
  /** Port on 127.0.0.1. @default 0 (a random free port) */
  readonly port?: number;
  /** JSON state file: loaded at start if present, rewritten atomically after every change. @default - in memory only */
  readonly statePath?: string;
  /** Read requests (GET) allowed per client IP per 60 s window; 0 = no limit. @default 60 */
  readonly readLimit?: number;
  /** Write requests (POST/PATCH/DELETE, login) allowed per client IP per 60 s window; 0 = no limit. @default 200 */
  readonly writeLimit?: number;
  /** Lifetime of Universal Auth access tokens, in whole seconds. @default 2592000 (30 days) */
  readonly tokenTtlSeconds?: number;
  /** Delay added before every API answer, in milliseconds (for benchmarks). @default 0 */
  readonly latencyMs?: number;
  /** Faults to inject into API requests. @default - none */
  readonly faults?: FaultOptions;
  /** JSONL file the request log is appended to. @default - none */
  readonly requestLogPath?: string;
  /**
   * Whether the KMS may call loopback, private and link-local addresses (upstream's
   * ALLOW_INTERNAL_IP_CONNECTIONS): credential checks and syncs to such an address fail with
   * upstream's "Local IPs not allowed as URL" when false. A local KMS talks to a local fake Octopus,
   * so the default allows them. @default true
   */
  readonly allowInternalIpConnections?: boolean;
}

/** An environment of a KMS project. */
export interface EnvironmentView {
  /** Environment id (UUID). */
  readonly id: string;
  /** Slug, what the API takes: "dev", "staging", "prod". */
  readonly slug: string;
  /** Display name: "Development", "Staging", "Production". */
  readonly name: string;
}

/** A running local KMS. */
export interface LocalKms {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly kmsUrl: string;
  /** A never-expiring machine-identity access token with full permission (HS256 JWT signed by the server). */
  readonly token: string;
  /** Universal Auth client id of the full-permission identity. */
  readonly clientId: string;
  /** Universal Auth client secret of the full-permission identity. */
  readonly clientSecret: string;
  /** The organization's id (UUID). */
  readonly orgId: string;
  /** A project that exists (UUID). */
  readonly projectId: string;
  /** Base URL of the built-in fake Octopus Deploy (its own 127.0.0.1 listener). */
  readonly octopusUrl: string;
  /** A key the fake Octopus accepts, format `API-[A-Z0-9]{26}`. */
  readonly octopusApiKey: string;
  /** Every request received since start (or the last `clearRequests`), oldest first. */
  readonly requests: readonly RequestLogEntry[];
  /** Makes another key valid on the fake Octopus. */
  addOctopusApiKey(key: string): void;
  /** Makes a key invalid on the fake Octopus (existing connections keep it; new checks fail). */
  revokeOctopusApiKey(key: string): void;
  /** Creates a project; returns its id. */
  createProject(): string;
  /** Creates a machine identity; with "none", every connection route answers 403 PermissionDenied. */
  createIdentity(opts: { readonly permission: "full" | "none" }): { readonly clientId: string; readonly clientSecret: string; readonly token: string };
  /** Replaces the fault injection (restarting its PRNG from the seed); `undefined` turns it off. */
  setFaults(faults: FaultOptions | undefined): void;
  /** Replaces the delay added before every API answer. */
  setLatency(ms: number): void;
  /** Forgets the in-memory request log (a JSONL file keeps its history). */
  clearRequests(): void;
  /** Every stored connection, sanitized, in creation order. */
  connections(): readonly StoredConnectionView[];
  /** The fake Octopus's default space, "Spaces-1". */
  readonly octopusSpaceId: string;
  /** The fake Octopus's default project (in the default space), "Projects-1". */
  readonly octopusProjectId: string;
  /** Makes an Octopus space and project exist (empty variable set); no change if it exists. */
  addOctopusProject(spaceId: string, projectId: string): void;
  /** The variables of an Octopus project WITH their values (sensitive ones included: the test-only view). @default the default space and project */
  octopusVariables(spaceId?: string, projectId?: string): readonly OctopusVariable[];
  /** Replaces an Octopus project's variables, as a PUT would (to seed non-sensitive variables). */
  setOctopusVariables(variables: readonly OctopusVariableInput[], spaceId?: string, projectId?: string): void;
  /** Makes the fake Octopus's variables routes answer `status` (`times` requests, or until cleared with `undefined`). */
  setOctopusFailure(failure: OctopusFailure | undefined): void;
  /** A project's environments (default: the default project), in order: dev, staging, prod. */
  environments(projectId?: string): readonly EnvironmentView[];
  /**
   * Creates or updates a shared secret, as POST/PATCH /api/v4/secrets/{name} by the default identity
   * would (auto-syncs of its folder run). @default environment "dev", secretPath "/", the default project
   */
  setSecret(name: string, value: string, where?: { readonly environment?: string; readonly secretPath?: string; readonly projectId?: string }): void;
  /** Creates a folder (and the missing ones above it) in a project's environment; the v4 routes never create folders. */
  createFolder(environment: string, secretPath: string, projectId?: string): void;
  /** Every stored secret sync as the API returns it, in creation order. */
  secretSyncs(): readonly SecretSyncView[];
  /** Resolves when no sync job is queued or running: await it before asserting on Octopus or sync statuses. */
  syncsIdle(): Promise<void>;
  /** Stops both servers and closes their connections; safe to call twice. */
  close(): Promise<void>;
}

/** Starts the local KMS and its fake Octopus. */
export async function startLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  checkOptions(options);
  const faults = options.faults ? new FaultPlan(options.faults) : undefined;
  const store = Store.open(options.statePath);
  const log = new RequestLog(options.requestLogPath);
  const auth = new TokenAuthority(store, options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  const policy: OutboundPolicy = { allowInternalIpConnections: options.allowInternalIpConnections ?? true };
  let syncs: SecretSyncService | undefined;
  const secrets = new SecretService(store, (folderId) => syncs?.folderChanged(folderId));
  syncs = new SecretSyncService(store, secrets, () => policy);
  secrets.ensureEnvironments();
  const connections = new ConnectionService(store, (credentials) => checkOctopusCredentials(credentials, undefined, policy), (id) => syncs.usesConnection(id));
  const server = new KmsServer({
    routes: [...kmsRoutes(connections, auth), ...secretRoutes(secrets, syncs)],
    auth,
    rateLimiter: new RateLimiter({ read: options.readLimit ?? 60, write: options.writeLimit ?? 200 }),
    log,
  });
  server.faults = faults;
  server.latencyMs = options.latencyMs ?? 0;
  const octopus = await startFakeOctopus((key) => store.isOctopusKeyValid(key), store.octopusPort ?? undefined);
  let port: number;
  try {
    store.setOctopusPort(octopus.port);
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    await octopus.close();
    throw error;
  }

  const admin = store.defaultIdentity;
  let closing: Promise<void> | undefined;
  return {
    kmsUrl: `http://${LOOPBACK}:${port}`,
    token: auth.staticToken(admin),
    clientId: admin.clientId,
    clientSecret: store.clientSecret(admin),
    orgId: store.org.id,
    projectId: store.defaultProject.id,
    octopusUrl: octopus.url,
    octopusApiKey: store.octopusApiKey,
    get requests() {
      return log.snapshot();
    },
    addOctopusApiKey: (key) => store.allowOctopusKey(key),
    revokeOctopusApiKey: (key) => store.revokeOctopusKey(key),
    createProject: () => {
      const project = store.addProject();
      secrets.ensureEnvironments();
      return project.id;
    },
    createIdentity: ({ permission }) => {
      const identity = store.addIdentity(permission);
      return { clientId: identity.clientId, clientSecret: store.clientSecret(identity), token: auth.staticToken(identity) };
    },
    setFaults: (faults) => {
      server.faults = faults ? new FaultPlan(faults) : undefined;
    },
    setLatency: (ms) => {
      checkNonNegative("latencyMs", ms, false);
      server.latencyMs = ms;
    },
    clearRequests: () => log.clear(),
    connections: () => connections.all(),
    octopusSpaceId: DEFAULT_SPACE_ID,
    octopusProjectId: DEFAULT_PROJECT_ID,
    addOctopusProject: (spaceId, projectId) => octopus.variables.addProject(spaceId, projectId),
    octopusVariables: (spaceId = DEFAULT_SPACE_ID, projectId = DEFAULT_PROJECT_ID) => octopus.variables.variables(spaceId, projectId),
    setOctopusVariables: (variables, spaceId = DEFAULT_SPACE_ID, projectId = DEFAULT_PROJECT_ID) => {
      octopus.variables.write(spaceId, projectId, variables);
    },
    setOctopusFailure: (failure) => octopus.setFailure(failure),
    environments: (projectId = store.defaultProject.id) => secrets.environments(projectId).map(({ id, slug, name }) => ({ id, slug, name })),
    createFolder: (environment, secretPath, projectId = store.defaultProject.id) => {
      secrets.createFolder(projectId, environment, secretPath);
    },
    setSecret: (name, value, where = {}) => {
      const location = { projectId: where.projectId ?? store.defaultProject.id, environment: where.environment ?? "dev", secretPath: where.secretPath ?? "/", type: "shared" as const };
      const actor = store.defaultIdentity;
      try {
        secrets.get(actor, name, { ...location, viewSecretValue: false });
      } catch {
        secrets.create(actor, name, { ...location, secretValue: value, secretComment: "" });
        return;
      }
      secrets.update(actor, name, { ...location, secretValue: value });
    },
    secretSyncs: () => syncs.all(),
    syncsIdle: () => syncs.idle(),
    close: () => (closing ??= syncs.idle().then(() => Promise.all([server.close(), octopus.close()])).then(() => undefined)),
  };
}

/** Throws a RangeError naming the first invalid option. */
function checkOptions(options: LocalKmsOptions): void {
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${options.port}`);
  }
  checkNonNegative("readLimit", options.readLimit, true);
  checkNonNegative("writeLimit", options.writeLimit, true);
  checkNonNegative("latencyMs", options.latencyMs, false);
  if (options.tokenTtlSeconds !== undefined && !(Number.isSafeInteger(options.tokenTtlSeconds) && options.tokenTtlSeconds > 0)) {
    throw new RangeError(`tokenTtlSeconds must be a positive integer, got ${options.tokenTtlSeconds}`);
  }
}

function checkNonNegative(name: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  const valid = integer ? Number.isSafeInteger(value) && value >= 0 : Number.isFinite(value) && value >= 0;
  if (!valid) throw new RangeError(`${name} must be a non-negative ${integer ? "integer" : "number"}, got ${value}`);
}
