/** Seeded fault injection, kind by kind, and added latency. */
import { startLocalKms, type FaultKind, type LocalKms } from "../../lib/testing";
import { FaultPlan, mulberry32 } from "../../lib/testing/faults";
import { CONNECTIONS, call, createBody, delay } from "./helpers";

let kms: LocalKms;

beforeEach(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
});
afterEach(() => kms.close());

/** Every API request gets `kind`. */
function always(kind: FaultKind, extra: { stallMs?: number; retryAfterSeconds?: number } = {}): void {
  kms.setFaults({ rate: 1, seed: 7, kinds: [kind], ...extra });
}

/** Waits until the request log has `count` entries (stalls are logged when their socket closes). */
async function logged(count: number): Promise<void> {
  for (let i = 0; i < 100 && kms.requests.length < count; i++) await delay(10);
}

describe("each fault kind", () => {
  it.each([
    ["500", "InternalServerError", "Something went wrong"],
    ["502", "BadGateway", "Bad Gateway"],
    ["503", "ServiceUnavailable", "Service Unavailable"],
  ] as const)("%s answers a KMS-shaped error without performing the write", async (kind, error, message) => {
    always(kind);
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms) });
    expect(result.status).toBe(Number(kind));
    expect(result.body).toEqual({ reqId: expect.stringMatching(/^req-/), statusCode: Number(kind), error, message });
    expect(kms.connections()).toEqual([]);
    expect(kms.requests).toEqual([expect.objectContaining({ status: Number(kind), fault: kind })]);
  });

  it("429 answers with Retry-After = retryAfterSeconds, without performing the write", async () => {
    always("429", { retryAfterSeconds: 3 });
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms) });
    expect(result.status).toBe(429);
    expect(result.headers.get("retry-after")).toBe("3");
    expect(result.body).toMatchObject({ error: "RateLimitExceeded", message: "Rate limit exceeded. Please try again in 3 seconds" });
    expect(kms.connections()).toEqual([]);
  });

  it("reset closes the connection without an answer, without performing the write", async () => {
    always("reset");
    await expect(call(kms, "POST", CONNECTIONS, { body: createBody(kms) })).rejects.toThrow();
    expect(kms.connections()).toEqual([]);
    expect(kms.requests).toEqual([expect.objectContaining({ status: "reset", fault: "reset" })]);
  });

  it("drop PERFORMS the write, then closes the connection without an answer", async () => {
    always("drop");
    await expect(call(kms, "POST", CONNECTIONS, { body: createBody(kms) })).rejects.toThrow();
    expect(kms.connections()).toEqual([expect.objectContaining({ name: "octo" })]);
    expect(kms.requests).toEqual([expect.objectContaining({ status: "dropped", fault: "drop", method: "POST" })]);
  });

  it("stall answers nothing, so the client's timeout fires first; the write is not performed", async () => {
    always("stall", { stallMs: 2000 });
    const started = Date.now();
    await expect(call(kms, "POST", CONNECTIONS, { body: createBody(kms), timeoutMs: 100 })).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(1000);
    await logged(1);
    expect(kms.requests).toEqual([expect.objectContaining({ status: "stalled", fault: "stall" })]);
    expect(kms.connections()).toEqual([]);
  });

  it("stall closes the socket itself after stallMs", async () => {
    always("stall", { stallMs: 150 });
    const started = Date.now();
    await expect(call(kms, "GET", CONNECTIONS)).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("never hits /healthcheck", async () => {
    always("reset");
    expect((await call(kms, "GET", "/healthcheck", { token: null })).status).toBe(200);
  });
});

describe("determinism", () => {
  async function statuses(target: LocalKms, count: number): Promise<number[]> {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await call(target, "GET", CONNECTIONS)).status);
    return seen;
  }

  it("repeats the same faults for the same seed, across servers and after setFaults", async () => {
    const faults = { rate: 0.5, seed: 42, kinds: ["503"] as const };
    const other = await startLocalKms({ readLimit: 0, faults });
    try {
      kms.setFaults(faults);
      const here = await statuses(kms, 24);
      expect(await statuses(other, 24)).toEqual(here);
      expect(here).toContain(503);
      expect(here).toContain(200);

      kms.setFaults(faults);
      expect(await statuses(kms, 24)).toEqual(here);
      kms.setFaults({ ...faults, seed: 43 });
      expect(await statuses(kms, 24)).not.toEqual(here);
      kms.setFaults(undefined);
      expect(await statuses(kms, 5)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await other.close();
    }
  });

  it("mulberry32 is a pure function of its seed", () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("refuses invalid fault options", async () => {
    expect(() => new FaultPlan({ rate: 2, seed: 1 })).toThrow(/rate/);
    expect(() => new FaultPlan({ rate: 0.1, seed: 1.5 })).toThrow(/seed/);
    expect(() => new FaultPlan({ rate: 0.1, seed: 1, kinds: [] })).toThrow(/kinds/);
    expect(() => new FaultPlan({ rate: 0.1, seed: 1, kinds: ["nope" as FaultKind] })).toThrow(/nope/);
    await expect(startLocalKms({ faults: { rate: -1, seed: 1 } })).rejects.toThrow(RangeError);
  });
});

it("adds latency before every API answer", async () => {
  kms.setLatency(150);
  const started = Date.now();
  await call(kms, "GET", CONNECTIONS);
  expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  expect(kms.requests.at(-1)?.durationMs).toBeGreaterThanOrEqual(145);
  kms.setLatency(0);
  expect(() => kms.setLatency(-1)).toThrow(RangeError);
});
