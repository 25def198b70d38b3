/**
 * The local KMS state as stored in its JSON file, and the file's read/atomic write.
 * Client secrets, the Octopus key and connection credentials are AES-256-GCM blobs (base64), extra
 * Octopus keys only SHA-256 hashes; but the emulator's own JWT secret and encryption key are in the
 * same file, in clear, so the file (mode 0600) is as secret as everything in it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { EMPTY_SECRET_MANAGER, SecretManagerStateSchema } from "./secret-state";

const Base64 = z.base64();
const IsoTime = z.iso.datetime();

const ProjectSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  createdAt: IsoTime,
});

const IdentitySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  clientId: z.uuid(),
  encryptedClientSecret: Base64,
  permission: z.enum(["full", "none"]),
  staticTokenId: z.uuid(),
  staticTokenIssuedAt: z.number().int().nonnegative(),
});

const ConnectionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int().positive(),
  projectId: z.string().nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  encryptedCredentials: Base64,
});

const StateSchema = z.object({
  version: z.literal(1),
  jwtSecret: Base64,
  encryptionKey: Base64,
  org: z.object({ id: z.uuid(), name: z.string(), slug: z.string() }),
  defaultProjectId: z.uuid(),
  defaultIdentityId: z.uuid(),
  projects: z.array(ProjectSchema),
  identities: z.array(IdentitySchema),
  octopus: z.object({
    port: z.number().int().min(1).max(65535).nullable(),
    encryptedApiKey: Base64,
    validKeyHashes: z.array(z.string()),
  }),
  connections: z.array(ConnectionSchema),
  secretManager: SecretManagerStateSchema.default(EMPTY_SECRET_MANAGER),
});

/** A project (upstream type "secret-manager"). */
export type PersistedProject = Readonly<z.infer<typeof ProjectSchema>>;
/** A machine identity with Universal Auth and one never-expiring ("static") access token. */
export type PersistedIdentity = Readonly<z.infer<typeof IdentitySchema>>;
/** An Octopus Deploy app connection row. */
export type PersistedConnection = Readonly<z.infer<typeof ConnectionSchema>>;
/** The whole state. */
export type PersistedState = Readonly<z.infer<typeof StateSchema>>;

/** Reads and checks the state file; `undefined` when it does not exist. */
export function readStateFile(path: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Local KMS state file ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = StateSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Local KMS state file ${path} is not valid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Writes the state atomically: a reader sees the old file or the new one, never half of one. */
export function writeStateFile(path: string, state: PersistedState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
