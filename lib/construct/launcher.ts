/**
 * How Terraform starts the hook. Terraform runs a local-exec hook as its direct child and, when the
 * apply is interrupted, kills that child (SIGKILL, the child only). A hook killed halfway can leave a
 * resource that Terraform already recorded as done with its KMS request never sent. So on POSIX the
 * direct child is a launcher, `/bin/sh` with a constant script, which starts `node hook.js <op>` as a
 * background job and waits for it: a kill stops the launcher, and the hook finishes its operation
 * (see hook/main.ts). The script holds no value from the declaration (those reach the hook through
 * the environment), so nothing is ever parsed by the shell, and it passes the hook terraform's pid,
 * the key of the run directory the hooks of one apply share. On Windows, node is started directly.
 */
import { HOOK_ENV } from "../hook/protocol";

/** The constant launcher script: $1 is the hook bundle, $2 the operation. */
export const LAUNCHER_SCRIPT = `${HOOK_ENV.runPid}=$PPID; export ${HOOK_ENV.runPid}; node "$1" "$2" & wait $!`;

/** The local-exec `interpreter` for the hook at `hookPath`; the operation is the `command`. */
export function hookInterpreter(hookPath: string, platform: NodeJS.Platform = process.platform): string[] {
  return platform === "win32" ? ["node", hookPath] : ["/bin/sh", "-c", LAUNCHER_SCRIPT, "cdktf-kms-octopus-hook", hookPath];
}
