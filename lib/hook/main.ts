/**
 * Entry point of the hook bundle (`dist/hook/hook.js`), run by Terraform's local-exec without a shell:
 * `node hook.js create|update|delete`. Exits 0 on success, 1 on failure; prints one line either way.
 * The update hook of a connection created by this same apply returns before loading anything else.
 */
import { HOOK_ENV } from "./protocol";

async function main(): Promise<void> {
  const [op] = process.argv.slice(2);
  if (op === "update" && process.env[HOOK_ENV.created] === "1") return; // the create hook already applied the declaration
  const { runHook } = await import("./run");
  process.exitCode = await runHook(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

void main();
