/**
 * Access-token caches. Universal Auth login is a rate-limited write on the KMS, so the hook processes
 * of one apply share one token through a private directory (see hook/runtime-dir.ts). Tokens are
 * stored with mode 0600 in a 0700 directory, keyed by a hash (no secret in any file name), honour
 * their expiry, and are never logged.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { processRunning } from "../shared/processes";

/** A cached access token. */
export interface CachedToken {
  /** The bearer token. */
  readonly accessToken: string;
  /** Epoch milliseconds after which it must not be used. */
  readonly expiresAt: number;
}

/** Where the client keeps Universal Auth tokens. */
export interface TokenCache {
  /** The token for `key`, if cached and not expired. */
  get(key: string): CachedToken | undefined;
  /** Remember a token. */
  set(key: string, token: CachedToken): void;
  /** Forget a token (the KMS refused it). */
  delete(key: string): void;
  /** Runs `fn` while no other holder of the same cache runs it for `key` (so one process logs in, the others reuse). */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Margin before expiry at which a token counts as expired (clock skew, long requests). */
export const EXPIRY_MARGIN_MS = 30_000;

/** The cache key of an identity on a KMS (and organization): a hash, so that file names carry no secret. */
export function tokenCacheKey(kmsUrl: string, clientId: string, clientSecret: string, organizationSlug = ""): string {
  return createHash("sha256").update(`${kmsUrl}\0${clientId}\0${clientSecret}\0${organizationSlug}`).digest("hex").slice(0, 32);
}

function usable(token: CachedToken | undefined, now: number): CachedToken | undefined {
  return token && token.expiresAt - EXPIRY_MARGIN_MS > now ? token : undefined;
}

/** In-process cache: one client, or several clients of one process. */
export class MemoryTokenCache implements TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly locks = new Map<string, Promise<unknown>>();

  get(key: string): CachedToken | undefined {
    return usable(this.tokens.get(key), Date.now());
  }
  set(key: string, token: CachedToken): void {
    this.tokens.set(key, token);
  }
  delete(key: string): void {
    this.tokens.delete(key);
  }
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }
}

/**
 * File cache shared by processes: `<dir>/<key>.json` (0600), lock `<key>.lock` created exclusively
 * and holding its owner's pid and a nonce. A lock is broken only when its owner is gone or it is older
 * than any login can take (a login retried under 429s can take the whole retry budget); only its owner
 * removes a lock it holds.
 *
 * In front of the files sits this process's own memory: a token read or written once is served from
 * memory until it expires or is deleted (a provider's walk sends 50 requests, not 50 file reads), and
 * the callers of one process queue for the file lock in memory, woken the moment the holder is done,
 * instead of polling the lock file.
 */
export class FileTokenCache implements TokenCache {
  /** How long a lock may be held before it counts as abandoned whatever its pid says (longer than the retry budget). */
  static readonly STALE_LOCK_MS = 360_000;

  private readonly memory = new MemoryTokenCache();

  constructor(private readonly dir: string) {}

  get(key: string): CachedToken | undefined {
    const remembered = this.memory.get(key);
    if (remembered) return remembered;
    const stored = this.read(key);
    if (stored) this.memory.set(key, stored);
    return stored;
  }

  set(key: string, token: CachedToken): void {
    this.ensureDir();
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(token), { mode: 0o600 });
    fs.renameSync(tmp, this.file(key));
    this.memory.set(key, token);
  }

  /** Forgets the token; the file goes too unless another process has meanwhile replaced it with a new one. */
  delete(key: string): void {
    const forgotten = this.memory.get(key)?.accessToken;
    this.memory.delete(key);
    const stored = this.read(key)?.accessToken;
    if (forgotten === undefined || stored === undefined || stored === forgotten) fs.rmSync(this.file(key), { force: true });
  }

  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // One caller of this process at a time goes for the file lock; the next finds the token it left.
    return this.memory.exclusive(key, () => (this.get(key) ? fn() : this.exclusiveAcrossProcesses(key, fn)));
  }

  private async exclusiveAcrossProcesses<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.ensureDir();
    const lock = path.join(this.dir, `${key}.lock`);
    const owner = `${process.pid}:${randomBytes(8).toString("hex")}`;
    for (;;) {
      try {
        const fd = fs.openSync(lock, "wx", 0o600);
        fs.writeSync(fd, owner);
        fs.closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") return fn(); // cannot lock here: work without sharing
        if (this.get(key)) return fn(); // another process logged in meanwhile: fn finds its token
        if (abandoned(lock)) {
          fs.rmSync(lock, { force: true });
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    try {
      return await fn();
    } finally {
      if (readText(lock) === owner) fs.rmSync(lock, { force: true });
    }
  }

  /** The token in the file, if any and not expired. */
  private read(key: string): CachedToken | undefined {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file(key), "utf8")) as Partial<CachedToken>;
      if (typeof parsed.accessToken !== "string" || typeof parsed.expiresAt !== "number") return undefined;
      return usable({ accessToken: parsed.accessToken, expiresAt: parsed.expiresAt }, Date.now());
    } catch {
      return undefined;
    }
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private ensureDir(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }
}

/** A lock whose owner process is gone (or a zombie), or that is older than any holder can need. */
function abandoned(lock: string): boolean {
  let age: number;
  try {
    age = Date.now() - fs.statSync(lock).mtimeMs;
  } catch {
    return false; // released meanwhile
  }
  if (age > FileTokenCache.STALE_LOCK_MS) return true;
  const pid = Number(readText(lock)?.split(":")[0]);
  // A lock just created may not hold its owner yet: give it a moment before judging by pid.
  return Number.isInteger(pid) && pid > 0 && age > 1_000 && !processRunning(pid);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
