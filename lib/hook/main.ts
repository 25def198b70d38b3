/**
 * Entry point of the hook bundle (`dist/hook/hook.js`): `node hook.js apply|delete`, started by
 * Terraform's local-exec through the launcher (construct/launcher.ts). Exits 0 on success, 1 on
 * failure; prints one line either way.
 */

/**
 * An interrupted `cdktf deploy` must not stop a hook halfway. Terraform records a resource in the
 * state before it runs the resource's create hook, and on Ctrl-C it kills its running hooks; when
 * Terraform then dies too (cdktf exits without waiting and the terminal hangs up), the state can
 * keep the resource as done although its hook never finished. So the hook runs as a background
 * job of the launcher (Terraform's kill reaches only the launcher), ignores the terminal's SIGINT
 * and SIGHUP, finishes its operation within its retry budget, and drops what it can no longer print
 * to a parent that is gone. SIGTERM still stops it.
 */
function finishWhateverHappens(): void {
  process.on("SIGINT", () => undefined);
  process.on("SIGHUP", () => undefined);
  process.stdout.on("error", () => undefined);
  process.stderr.on("error", () => undefined);
}

async function main(): Promise<void> {
  finishWhateverHappens();
  const { runHook } = await import("./run");
  process.exitCode = await runHook(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

void main();
export {};
