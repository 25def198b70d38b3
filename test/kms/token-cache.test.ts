/**
 * Token caches: expiry margin, file modes, no secrets in file names, and exclusive() letting only one
 * of many concurrent callers (several FileTokenCache instances on one directory, as the hook processes
 * of one apply have) perform the login.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KmsClient } from "../../lib/kms/client";
import { EXPIRY_MARGIN_MS, FileTokenCache, MemoryTokenCache, TokenCache, tokenCacheKey } from "../../lib/kms/token-cache";
import { OutboundRequest } from "../../lib/kms/outbound";
import { connection, toResponse } from "./fakes";
import { zombie } from "../shared/zombie";

const KEY = tokenCacheKey("https://kms.example.com", "client-id", "client-secret-VALUE");
/** node:fs itself (the namespace import above cannot be spied on), to count the cache's file operations. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require("node:fs") as typeof fs;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-tokens-"));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The double-checked login every caller of exclusive() performs (as KmsClient does). */
async function loginOnce(cache: TokenCache, counter: { logins: number }, ms = 50): Promise<string> {
  const cached = cache.get(KEY);
  if (cached) return cached.accessToken;
  return cache.exclusive(KEY, async () => {
    const again = cache.get(KEY);
    if (again) return again.accessToken;
    counter.logins++;
    const token = `token-${counter.logins}`;
    await delay(ms);
    cache.set(KEY, { accessToken: token, expiresAt: Date.now() + 3_600_000 });
    return token;
  });
}

describe("tokenCacheKey", () => {
  test("32 hex digits, no secret, distinct per KMS, client id, secret and organization", () => {
    expect(KEY).toMatch(/^[0-9a-f]{32}$/);
    expect(KEY).not.toContain("client-secret-VALUE");
    const keys = new Set([
      KEY,
      tokenCacheKey("https://other.example.com", "client-id", "client-secret-VALUE"),
      tokenCacheKey("https://kms.example.com", "client-id-2", "client-secret-VALUE"),
      tokenCacheKey("https://kms.example.com", "client-id", "client-secret-VALUE-2"),
      tokenCacheKey("https://kms.example.com", "client-id", "client-secret-VALUE", "another-org"),
      // The separator keeps field boundaries: moving a character between fields changes the key.
      tokenCacheKey("https://kms.example.com", "client-i", "dclient-secret-VALUE"),
    ]);
    expect(keys.size).toBe(6);
  });
});

describe.each([
  ["MemoryTokenCache", () => new MemoryTokenCache()],
  ["FileTokenCache", () => new FileTokenCache(path.join(tmp, "tokens"))],
] as const)("%s", (_name, make) => {
  test("get/set/delete", () => {
    const cache = make();
    expect(cache.get(KEY)).toBeUndefined();
    const token = { accessToken: "tok", expiresAt: Date.now() + 3_600_000 };
    cache.set(KEY, token);
    expect(cache.get(KEY)).toEqual(token);
    expect(cache.get("other")).toBeUndefined();
    cache.delete(KEY);
    expect(cache.get(KEY)).toBeUndefined();
    cache.delete(KEY); // deleting twice is fine
  });

  test(`a token counts as expired ${EXPIRY_MARGIN_MS} ms before its expiry`, () => {
    expect(EXPIRY_MARGIN_MS).toBe(30_000);
    const now = 1_900_000_000_000;
    jest.spyOn(Date, "now").mockReturnValue(now);
    const cache = make();
    cache.set("a", { accessToken: "a", expiresAt: now + EXPIRY_MARGIN_MS + 1 });
    cache.set("b", { accessToken: "b", expiresAt: now + EXPIRY_MARGIN_MS });
    cache.set("c", { accessToken: "c", expiresAt: now - 1 });
    expect(cache.get("a")?.accessToken).toBe("a");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("c")).toBeUndefined();
  });

  test("exclusive: of 8 concurrent callers only one logs in; all get its token", async () => {
    const cache = make();
    const counter = { logins: 0 };
    const tokens = await Promise.all(Array.from({ length: 8 }, () => loginOnce(cache, counter)));
    expect(counter.logins).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
  });

  test("exclusive: a failing holder releases the lock; the next caller runs", async () => {
    const cache = make();
    const first = cache.exclusive(KEY, async () => {
      await delay(20);
      throw new Error("login failed");
    });
    const second = cache.exclusive(KEY, async () => "second ran");
    await expect(first).rejects.toThrow("login failed");
    await expect(second).resolves.toBe("second ran");
    await expect(cache.exclusive(KEY, async () => "third ran")).resolves.toBe("third ran");
  });

  test("exclusive: callers are serialized (never two inside at once)", async () => {
    const cache = make();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        cache.exclusive(KEY, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await delay(10);
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });
});

describe("FileTokenCache files", () => {
  const mode = (p: string) => fs.statSync(p).mode & 0o777;

  test("directory 0700, token file 0600, named by the key only", () => {
    const dir = path.join(tmp, "nested", "tokens");
    const cache = new FileTokenCache(dir);
    cache.set(KEY, { accessToken: "secret-access-token", expiresAt: Date.now() + 3_600_000 });
    expect(mode(dir)).toBe(0o700);
    expect(fs.readdirSync(dir)).toEqual([`${KEY}.json`]);
    expect(mode(path.join(dir, `${KEY}.json`))).toBe(0o600);
  });

  test("0600 even under a permissive umask", () => {
    const old = process.umask(0o000);
    try {
      const dir = path.join(tmp, "tokens");
      new FileTokenCache(dir).set(KEY, { accessToken: "t", expiresAt: Date.now() + 3_600_000 });
      expect(mode(dir)).toBe(0o700);
      expect(mode(path.join(dir, `${KEY}.json`))).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  test("a token written by one instance is read by another on the same directory", () => {
    const dir = path.join(tmp, "tokens");
    new FileTokenCache(dir).set(KEY, { accessToken: "shared", expiresAt: Date.now() + 3_600_000 });
    expect(new FileTokenCache(dir).get(KEY)?.accessToken).toBe("shared");
  });

  test("a token read once is served from this process's memory: one file read for many requests", () => {
    const dir = path.join(tmp, "tokens");
    new FileTokenCache(dir).set(KEY, { accessToken: "shared", expiresAt: Date.now() + 3_600_000 });
    const reads = jest.spyOn(nodeFs, "readFileSync");
    const cache = new FileTokenCache(dir);
    for (let i = 0; i < 50; i++) expect(cache.get(KEY)?.accessToken).toBe("shared");
    expect(reads.mock.calls.filter(([file]) => String(file).endsWith(`${KEY}.json`))).toHaveLength(1);
  });

  test("an expired token in memory is read again from the file, where another process left a new one", () => {
    const now = 1_900_000_000_000;
    const clock = jest.spyOn(Date, "now").mockReturnValue(now);
    const dir = path.join(tmp, "tokens");
    const cache = new FileTokenCache(dir);
    cache.set(KEY, { accessToken: "old", expiresAt: now + EXPIRY_MARGIN_MS + 1_000 });
    new FileTokenCache(dir).set(KEY, { accessToken: "new", expiresAt: now + 3_600_000 });
    expect(cache.get(KEY)?.accessToken).toBe("old");
    clock.mockReturnValue(now + 2_000);
    expect(cache.get(KEY)?.accessToken).toBe("new");
  });

  test("delete forgets this process's token but keeps a newer one another process wrote meanwhile", () => {
    const dir = path.join(tmp, "tokens");
    const here = new FileTokenCache(dir);
    here.set(KEY, { accessToken: "refused-here", expiresAt: Date.now() + 3_600_000 });
    new FileTokenCache(dir).set(KEY, { accessToken: "renewed-there", expiresAt: Date.now() + 3_600_000 });
    here.delete(KEY);
    expect(here.get(KEY)?.accessToken).toBe("renewed-there");
    here.delete(KEY); // now the file holds the token forgotten: it goes
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(new FileTokenCache(dir).get(KEY)).toBeUndefined();
  });

  test("concurrent callers of one process queue in memory: the lock file is taken once, not polled", async () => {
    const dir = path.join(tmp, "tokens");
    const cache = new FileTokenCache(dir);
    const opens = jest.spyOn(nodeFs, "openSync");
    const counter = { logins: 0 };
    const tokens = await Promise.all(Array.from({ length: 10 }, () => loginOnce(cache, counter, 80)));
    expect(counter.logins).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    expect(opens.mock.calls.filter(([file]) => String(file).endsWith(`${KEY}.lock`))).toHaveLength(1);
  });

  test.each([
    ["not JSON", "{oops"],
    ["wrong types", JSON.stringify({ accessToken: 1, expiresAt: "soon" })],
    ["missing expiry", JSON.stringify({ accessToken: "t" })],
    ["null", "null"],
  ])("a corrupt token file (%s) reads as no token", (_label, content) => {
    const dir = path.join(tmp, "tokens");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${KEY}.json`), content);
    expect(new FileTokenCache(dir).get(KEY)).toBeUndefined();
  });

  test("the lock file is removed after exclusive(), also when fn throws", async () => {
    const dir = path.join(tmp, "tokens");
    const cache = new FileTokenCache(dir);
    await cache.exclusive(KEY, async () => {
      expect(fs.existsSync(path.join(dir, `${KEY}.lock`))).toBe(true);
    });
    await expect(cache.exclusive(KEY, async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("a stale lock (holder killed) is broken", async () => {
    const dir = path.join(tmp, "tokens");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = path.join(dir, `${KEY}.lock`);
    fs.writeFileSync(lock, "");
    const old = (Date.now() - FileTokenCache.STALE_LOCK_MS - 5_000) / 1000;
    fs.utimesSync(lock, old, old);
    const started = Date.now();
    await expect(new FileTokenCache(dir).exclusive(KEY, async () => "ran")).resolves.toBe("ran");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("a lock whose owner process is gone is broken; one held by a live process is not, and only its owner removes it", async () => {
    const dir = path.join(tmp, "tokens");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = path.join(dir, `${KEY}.lock`);
    const aWhileAgo = (Date.now() - 5_000) / 1000;
    // A pid that cannot exist (above Linux's pid_max): its owner is gone.
    fs.writeFileSync(lock, "99999999:abc");
    fs.utimesSync(lock, aWhileAgo, aWhileAgo);
    await expect(new FileTokenCache(dir).exclusive(KEY, async () => "ran")).resolves.toBe("ran");
    // This process holds it: a waiter keeps waiting, and a stranger's lock survives our release.
    fs.writeFileSync(lock, `${process.pid}:someone-else`);
    fs.utimesSync(lock, aWhileAgo, aWhileAgo);
    const waiting = new FileTokenCache(dir).exclusive(KEY, async () => "second");
    await delay(200);
    expect(fs.readFileSync(lock, "utf8")).toBe(`${process.pid}:someone-else`);
    fs.rmSync(lock);
    await expect(waiting).resolves.toBe("second");
  });

  test("a lock whose owner is a zombie (killed, never reaped, as under a container's pid 1 without init) is broken", async () => {
    const dir = path.join(tmp, "tokens");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = path.join(dir, `${KEY}.lock`);
    const holder = await zombie();
    try {
      const pid = holder.pid;
      fs.writeFileSync(lock, `${pid}:killed-holder`);
      const aWhileAgo = (Date.now() - 5_000) / 1000;
      fs.utimesSync(lock, aWhileAgo, aWhileAgo);
      const started = Date.now();
      await expect(new FileTokenCache(dir).exclusive(KEY, async () => "ran")).resolves.toBe("ran");
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      holder.stop();
    }
  });

  test("a waiter proceeds as soon as the holder has stored a token", async () => {
    const dir = path.join(tmp, "tokens");
    const holder = new FileTokenCache(dir);
    const waiter = new FileTokenCache(dir);
    let release!: () => void;
    const holding = holder.exclusive(KEY, async () => {
      holder.set(KEY, { accessToken: "from-holder", expiresAt: Date.now() + 3_600_000 });
      await new Promise<void>((resolve) => (release = resolve));
    });
    await delay(10);
    // The lock is still held, but the token exists: the waiter's fn runs and finds it.
    await expect(waiter.exclusive(KEY, async () => waiter.get(KEY)?.accessToken)).resolves.toBe("from-holder");
    release();
    await holding;
  });

  test("8 instances on one directory, concurrently: one login", async () => {
    const dir = path.join(tmp, "tokens");
    const counter = { logins: 0 };
    const caches = Array.from({ length: 8 }, () => new FileTokenCache(dir));
    const tokens = await Promise.all(caches.map((c) => loginOnce(c, counter, 100)));
    expect(counter.logins).toBe(1);
    expect(new Set(tokens).size).toBe(1);
  });

  test("6 KmsClients, each with its own FileTokenCache on one directory: one Universal Auth login", async () => {
    const dir = path.join(tmp, "tokens");
    const requests: OutboundRequest[] = [];
    const transport = async (req: OutboundRequest) => {
      requests.push(req);
      if (req.url.endsWith("/api/v1/auth/universal-auth/login")) {
        await delay(100);
        return toResponse({ status: 200, body: { accessToken: "shared-access", expiresIn: 3600 } });
      }
      return toResponse({ status: 200, body: { appConnection: connection() } });
    };
    const clients = Array.from(
      { length: 6 },
      () =>
        new KmsClient({
          kmsUrl: "https://kms.example.com",
          auth: { kind: "universal-auth", clientId: "client-id", clientSecret: "client-secret-VALUE", source: "test" },
          transport,
          tokenCache: new FileTokenCache(dir),
        }),
    );
    await Promise.all(clients.map((c) => c.getById("x")));
    expect(requests.filter((r) => r.url.endsWith("/login"))).toHaveLength(1);
    expect(requests.filter((r) => !r.url.endsWith("/login")).map((r) => r.headers.authorization)).toEqual(Array(6).fill("Bearer shared-access"));
    // The shared file holds the token but its name holds no secret.
    for (const f of fs.readdirSync(dir)) expect(f).not.toContain("client-secret-VALUE");
  });
});
