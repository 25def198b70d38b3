/**
 * `dev-server`: runs the local KMS (and its fake Octopus) until SIGINT/SIGTERM. Prints exactly one
 * JSON line on stdout with the URLs and throwaway local credentials to use; printing them is the point.
 */
import { Command, InvalidArgumentError } from "commander";
import { EXIT, reportError } from "../context";
import { FAULT_KINDS, startLocalKms, type FaultKind, type LocalKmsOptions } from "../../testing";

/** The flags, as parsed. */
interface DevServerFlags {
  readonly port: number;
  readonly state?: string;
  readonly faultRate?: number;
  readonly faultSeed?: number;
  readonly faultKinds?: readonly FaultKind[];
  readonly readLimit?: number;
  readonly writeLimit?: number;
  readonly tokenTtl?: number;
  readonly latencyMs?: number;
  readonly requestLog?: string;
}

/** Seed used when --fault-rate is given without --fault-seed, so runs repeat by default. */
const DEFAULT_FAULT_SEED = 1;

/** Adds the `dev-server` command. */
export function registerDevServer(program: Command): void {
  program
    .command("dev-server")
    .description("run a local KMS with a fake Octopus Deploy on 127.0.0.1 (prints one JSON line of URLs and test credentials)")
    .option("--port <n>", "KMS port; 0 picks a free one", integer(0, 65535), 0)
    .option("--state <file>", "JSON state file: reused across restarts (same token, project, connections)")
    .option("--fault-rate <r>", "probability (0..1) that an API request gets a fault", fraction)
    .option("--fault-seed <s>", `fault PRNG seed; same seed, same faults (default ${DEFAULT_FAULT_SEED})`, integer())
    .option("--fault-kinds <list>", `comma-separated fault kinds (default all: ${FAULT_KINDS.join(",")})`, faultKinds)
    .option("--read-limit <n>", "GET requests per client per minute; 0 = unlimited (default 60)", integer(0))
    .option("--write-limit <n>", "POST/PATCH/DELETE and login requests per client per minute; 0 = unlimited (default 200)", integer(0))
    .option("--token-ttl <seconds>", "lifetime of Universal Auth access tokens (default 2592000)", integer(1))
    .option("--latency-ms <n>", "delay added before every API answer (default 0)", integer(0))
    .option("--request-log <file>", "append every request to this JSONL file (secrets redacted)")
    .action(async (flags: DevServerFlags, command: Command) => {
      if (flags.faultRate === undefined && (flags.faultSeed !== undefined || flags.faultKinds !== undefined)) {
        command.error("error: --fault-seed and --fault-kinds need --fault-rate", { exitCode: EXIT.error });
      }
      try {
        const kms = await startLocalKms(toOptions(flags));
        // Listen before printing: whoever reads the line may signal at once.
        const stopped = nextStopSignal();
        const { kmsUrl, token, clientId, clientSecret, projectId, octopusUrl, octopusApiKey } = kms;
        process.stdout.write(`${JSON.stringify({ kmsUrl, token, clientId, clientSecret, projectId, octopusUrl, octopusApiKey })}\n`);
        await stopped;
        await kms.close();
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}

function toOptions(flags: DevServerFlags): LocalKmsOptions {
  return {
    port: flags.port,
    statePath: flags.state,
    readLimit: flags.readLimit,
    writeLimit: flags.writeLimit,
    tokenTtlSeconds: flags.tokenTtl,
    latencyMs: flags.latencyMs,
    requestLogPath: flags.requestLog,
    // The built-in fake Octopus listens on 127.0.0.1: the KMS must be allowed to call loopback.
    allowInternalIpConnections: true,
    faults:
      flags.faultRate === undefined ? undefined : { rate: flags.faultRate, seed: flags.faultSeed ?? DEFAULT_FAULT_SEED, kinds: flags.faultKinds },
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
function nextStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Parser of an integer flag in [min, max]; commander names the flag in the error. */
function integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const expected =
    max < Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}` : min > Number.MIN_SAFE_INTEGER ? `an integer >= ${min}` : "an integer";
  return (value) => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Expected ${expected}.`);
    return n;
  };
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n <= 1)) throw new InvalidArgumentError("Expected a number from 0 to 1.");
  return n;
}

function faultKinds(value: string): FaultKind[] {
  const kinds = value.split(",").map((k) => k.trim());
  const unknown = kinds.find((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new InvalidArgumentError(`Unknown fault kind "${unknown}"; expected some of ${FAULT_KINDS.join(",")}.`);
  return kinds as FaultKind[];
}
