/**
 * Entry point of the hook bundle (`dist/hook/hook.js`), run by Terraform's local-exec without a shell:
 * `node hook.js create|update|credentials|delete`. Exits 0 on success, 1 on failure; prints one line
 * either way. The update hooks of a connection created by this same apply return before loading
 * anything else.
 */
import { createdInThisRun } from "./markers";
import { HOOK_ENV } from "./protocol";

/**
 * When `cdktf deploy` is killed, the pseudo-terminal it runs Terraform in hangs up: Terraform and the
 * running hooks get SIGHUP, and Terraform dies. Terraform writes a resource to the state before it
 * runs the resource's create hook, so by then the state may already record this hook's work as done.
 * The hook therefore finishes its operation (within its retry budget) instead of dying halfway, and
 * drops what it can no longer print to the parent that is gone. (Ctrl-C is SIGINT, left as is:
 * Terraform then stops the hooks itself and marks their resources tainted, to be redone.)
 */
function outliveTerraform(): void {
  process.on("SIGHUP", () => undefined);
  process.stdout.on("error", () => undefined);
  process.stderr.on("error", () => undefined);
}

async function main(): Promise<void> {
  outliveTerraform();
  const [op] = process.argv.slice(2);
  if ((op === "update" || op === "credentials") && createdInThisRun(process.env[HOOK_ENV.resourceId])) return; // the create hook already applied the declaration
  const { runHook } = await import("./run");
  process.exitCode = await runHook(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

void main();
