/**
 * Entry point of the hook bundle (`dist/hook/hook.js`), run by Terraform's local-exec without a shell:
 * `node hook.js create|update|credentials|delete`. Exits 0 on success, 1 on failure; prints one line
 * either way. The update hooks of a connection created by this same apply return before loading
 * anything else.
 */
import { createdInThisRun } from "./markers";
import { HOOK_ENV } from "./protocol";

async function main(): Promise<void> {
  const [op] = process.argv.slice(2);
  if ((op === "update" || op === "credentials") && createdInThisRun(process.env[HOOK_ENV.resourceId])) return; // the create hook already applied the declaration
  const { runHook } = await import("./run");
  process.exitCode = await runHook(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

void main();
