/**
 * What every CLI command shares: the KMS client built from the environment (the same variables as
 * the hook), consistent errors and exit codes, and progress that shows on a terminal only.
 */
import { KmsClient, RequestEvent, requestTrace } from "../kms/client";
import { kmsAuthFromEnv } from "../kms/credentials";
import { ConfigError, KmsApiError, KmsResponseError, KmsUnavailableError } from "../kms/errors";
import { DEFAULT_KMS_URL } from "../construct/props";
import { TUNING_ENV, retryPolicyFromEnv } from "../hook/run";
import * as rules from "../shared/rules";

/** Exit codes shared by all commands (drift adds 2, like terraform plan -detailed-exitcode). */
export const EXIT = { ok: 0, error: 1, drift: 2 } as const;

/** The KMS URL of a command: --kms-url, else $KMS_URL, else the public KMS. */
export function kmsUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? env.KMS_URL ?? DEFAULT_KMS_URL;
  const verdict = rules.serviceUrl(url);
  if (verdict) throw new ConfigError(`--kms-url ${verdict}`);
  return url;
}

/** A KMS client authenticated from the environment; with KMS_OCTOPUS_DEBUG=1 it prints every request to stderr, as the hook does. */
export function clientFor(kmsUrl: string, env: NodeJS.ProcessEnv = process.env, debug: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): KmsClient {
  const onRequest = env[TUNING_ENV.debug] === "1" ? (e: RequestEvent) => debug(requestTrace(e)) : undefined;
  return new KmsClient({ kmsUrl, auth: kmsAuthFromEnv(env), retry: retryPolicyFromEnv(env), onRequest });
}

/** Prints an error the same way for every command and returns the exit code. */
export function reportError(err: unknown, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  const known = err instanceof ConfigError || err instanceof KmsApiError || err instanceof KmsUnavailableError || err instanceof KmsResponseError;
  write(`Error: ${err instanceof Error ? err.message : String(err)}`);
  if (!known && err instanceof Error && process.env[TUNING_ENV.debug] === "1") write(err.stack ?? "");
  return EXIT.error;
}

/** Progress on stderr when it is a terminal; silent when piped. */
export function progress(stream: NodeJS.WriteStream = process.stderr): (done: number, total: number, what: string) => void {
  if (!stream.isTTY) return () => undefined;
  return (done, total, what) => {
    stream.write(`\r\x1b[K${done}/${total} ${what}`);
    if (done === total) stream.write("\r\x1b[K");
  };
}
