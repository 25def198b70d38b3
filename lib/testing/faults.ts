/**
 * Seeded fault injection: which API requests fail, and how. The PRNG is drawn in request-arrival
 * order, so the same seed and the same sequence of requests give the same faults on every run.
 */

/**
 * "500"/"502"/"503": answer that status, operation not performed. "reset": TCP reset, no answer,
 * operation not performed. "429": rate-limited answer. "stall": no answer for `stallMs`, then the
 * socket is closed, operation not performed. "drop": the operation IS performed, then the socket is
 * closed without an answer.
 */
export type FaultKind = "500" | "502" | "503" | "reset" | "429" | "stall" | "drop";

/** Every fault kind, in documentation order. */
export const FAULT_KINDS: readonly FaultKind[] = ["500", "502", "503", "reset", "429", "stall", "drop"];

/** How often and how requests fail. */
export interface FaultOptions {
  /** Probability in [0, 1] that an API request gets a fault. */
  readonly rate: number;
  /** PRNG seed (an integer); the same seed repeats the same faults. */
  readonly seed: number;
  /** Kinds to pick from, uniformly. @default - all */
  readonly kinds?: readonly FaultKind[];
  /** How long a "stall" holds the request before closing the socket, in ms. @default 30000 */
  readonly stallMs?: number;
  /** `Retry-After` of a "429" fault, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
}

/** mulberry32: a tiny, fast, seedable PRNG returning numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, request by request, whether and how to fail. */
export class FaultPlan {
  /** How long a "stall" holds the request. */
  readonly stallMs: number;
  /** `Retry-After` seconds of a "429" fault. */
  readonly retryAfterSeconds: number;
  private readonly kinds: readonly FaultKind[];
  private readonly random: () => number;

  constructor(private readonly options: FaultOptions) {
    checkFaultOptions(options);
    this.kinds = options.kinds ?? FAULT_KINDS;
    this.stallMs = options.stallMs ?? 30_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.random = mulberry32(options.seed);
  }

  /** The fault for the next API request, if any. */
  next(): FaultKind | undefined {
    if (this.random() >= this.options.rate) return undefined;
    return this.kinds[Math.floor(this.random() * this.kinds.length)];
  }
}

/** Throws a RangeError naming the first invalid field. */
function checkFaultOptions(options: FaultOptions): void {
  if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError(`faults.rate must be between 0 and 1, got ${options.rate}`);
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`faults.seed must be an integer, got ${options.seed}`);
  if (options.kinds !== undefined) {
    if (options.kinds.length === 0) throw new RangeError("faults.kinds must not be empty");
    const unknown = options.kinds.find((k) => !FAULT_KINDS.includes(k));
    if (unknown !== undefined) throw new RangeError(`faults.kinds has unknown kind "${unknown}"; known: ${FAULT_KINDS.join(", ")}`);
  }
  if (options.stallMs !== undefined && !(Number.isFinite(options.stallMs) && options.stallMs >= 0)) {
    throw new RangeError(`faults.stallMs must be a non-negative number, got ${options.stallMs}`);
  }
  if (options.retryAfterSeconds !== undefined && !(Number.isSafeInteger(options.retryAfterSeconds) && options.retryAfterSeconds >= 0)) {
    throw new RangeError(`faults.retryAfterSeconds must be a non-negative integer, got ${options.retryAfterSeconds}`);
  }
}
