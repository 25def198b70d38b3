/**
 * The launcher (lib/construct/launcher.ts) that Terraform's local-exec starts for every hook: the
 * interpreter per platform; a constant script that holds no value from any declaration (values reach
 * the hook through the environment only, so the shell never parses one); and, run for real with
 * /bin/sh and a stand-in hook, the argument order, the run pid it exports, the exit status it
 * passes on, and a hook that finishes its work when the launcher is killed.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformStack, Testing } from "cdktf";
import { testApp } from "./app";
import { LAUNCHER_SCRIPT, hookInterpreter } from "../../lib/construct/launcher";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { OPERATIONS } from "../../lib/hook/protocol";

const HOOK = "assets/cdktf-kms-octopus-hook/0123ABCD/hook.js";
const posix = process.platform !== "win32";

describe("hookInterpreter", () => {
  test.each(["linux", "darwin", "freebsd"] as const)("%s: /bin/sh runs the constant launcher script; the hook path is an argument", (platform) => {
    expect(hookInterpreter(HOOK, platform)).toEqual(["/bin/sh", "-c", LAUNCHER_SCRIPT, "cdktf-kms-octopus-hook", HOOK]);
  });

  test("win32: node runs the hook directly", () => {
    expect(hookInterpreter(HOOK, "win32")).toEqual(["node", HOOK]);
  });

  test("defaults to the current platform", () => {
    expect(hookInterpreter(HOOK)).toEqual(hookInterpreter(HOOK, process.platform));
  });

  test("the script exports the run pid and waits for the hook started in the background", () => {
    expect(LAUNCHER_SCRIPT).toBe('KMS_OCTOPUS_RUN_PID=$PPID; export KMS_OCTOPUS_RUN_PID; node "$1" "$2" & wait $!');
    // Only $PPID, the two positional parameters (quoted) and the background job's pid are expanded.
    expect([...LAUNCHER_SCRIPT.matchAll(/\$(\w+|.)/g)].map((m) => m[0])).toEqual(["$PPID", "$1", "$2", "$!"]);
  });
});

interface LocalExec {
  command: string;
  interpreter: string[];
  environment: Record<string, string>;
}

/** Every local-exec hook of a synthesized stack, with the resource it belongs to. */
function allHooks(synth: string): [string, LocalExec][] {
  const parsed = JSON.parse(synth) as { resource: Record<string, Record<string, { provisioner?: { "local-exec": LocalExec }[] }>> };
  return Object.entries(parsed.resource).flatMap(([type, rs]) =>
    Object.entries(rs).flatMap(([name, r]) => (r.provisioner ?? []).map((p) => [`${type}.${name}`, p["local-exec"]] as [string, LocalExec])),
  );
}

describe("no declaration value reaches the shell", () => {
  // The name, renamedFrom, URLs and the API key env name are validated to exclude these characters
  // (props.test.ts); the description and the construct path (recorded in the declaration) are free text.
  const HOSTILE = ["$(touch /tmp/kms-octopus-pwned)", "`id`", "a; rm -rf ~", "x && y || z", "'single' \"double\"", "$1 $2 $PPID", "a|b>c<d", "new\nline"];
  const description = HOSTILE.join(" ");
  // Template sequences make the construct write the value as base64decode(...) (terraform-strings.ts).
  const templated = "${HOME} %{x} $(id)";

  function hooksOf(engine: "terraform_data" | "null_resource"): [string, LocalExec][] {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    const group = new Construct(stack, "team $(whoami) `id`; x");
    new OctopusDeployConnection(group, "conn '$HOME' \"q\" |&", { name: "my-conn", description, instanceUrl: "https://o.octopus.app", apiKeyEnv: "OCTO_KEY", engine });
    new OctopusDeployConnection(stack, "templated", { name: "templated", description: templated, instanceUrl: "https://p.octopus.app", apiKeyEnv: "OCTO_KEY", engine });
    const synth = Testing.synth(stack);
    // The hostile values are in the configuration (as data) ...
    expect(synth).toContain(JSON.stringify(description).slice(1, -1));
    expect(synth).toContain("team $(whoami) `id`; x/conn '$HOME' \\\"q\\\" |&");
    return allHooks(synth);
  }

  test.each(["terraform_data", "null_resource"] as const)("engine %s: every interpreter is the constant launcher, whatever the declaration", (engine) => {
    const hooks = hooksOf(engine);
    expect(hooks).toHaveLength(4);
    const hookPath = hooks[0][1].interpreter.at(-1)!;
    for (const [, h] of hooks) {
      // ... but never in an interpreter element or a command, the only strings a shell parses.
      expect(h.interpreter).toEqual(hookInterpreter(hookPath));
      expect(OPERATIONS).toContain(h.command);
      for (const element of [...h.interpreter, h.command]) {
        for (const value of [description, templated, ...HOSTILE]) expect(element).not.toContain(value);
        expect(element).not.toMatch(/whoami|\$HOME|kms-octopus-pwned|rm -rf|`id`/);
      }
    }
    expect(hookPath).toMatch(/^assets\/cdktf-kms-octopus-hook\/[0-9A-F]+\/hook\.js$/);
  });
});

(posix ? describe : describe.skip)("the launcher, run by /bin/sh", () => {
  let dir: string;
  let hookPath: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    // A directory name the shell would expand or split if it ever parsed the path.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-launcher $(touch pwned) `x` "));
    hookPath = path.join(dir, "hook.js");
    fs.writeFileSync(
      hookPath,
      [
        'const fs = require("node:fs");',
        'const path = require("node:path");',
        'const out = path.join(__dirname, process.argv[2] + ".json");',
        "const record = () => fs.writeFileSync(out, JSON.stringify({ argv: process.argv.slice(2), runPid: process.env.KMS_OCTOPUS_RUN_PID, secret: process.env.SECRET_FOR_HOOK }));",
        // "slow" runs until the test creates `release` (after it has killed the launcher).
        'if (process.argv[2] === "slow") { fs.writeFileSync(out + ".started", ""); setInterval(() => { if (fs.existsSync(path.join(__dirname, "release"))) { record(); process.exit(0); } }, 20); setTimeout(() => process.exit(3), 30000); }',
        "else { record(); process.exit(0); }",
      ].join("\n"),
    );
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.pid) c.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  });
  /** Returns once `file` exists, or after 6 s (the assertions after it then fail). */
  const waitForFile = async (file: string) => {
    for (let i = 0; i < 120 && !fs.existsSync(file); i++) await delay(50);
  };
  const read = (op: string) => JSON.parse(fs.readFileSync(path.join(dir, `${op}.json`), "utf8")) as { argv: string[]; runPid: string; secret?: string };

  /** Runs the launcher as local-exec does: interpreter, then the command as the last argument. */
  function launch(command: string, env: NodeJS.ProcessEnv = {}) {
    const [file, ...args] = hookInterpreter(hookPath);
    return spawnSync(file, [...args, command], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 20_000 });
  }

  test("runs node with the hook and the operation; the run pid is the pid of the process that started the launcher", () => {
    const result = launch("apply", { SECRET_FOR_HOOK: "reaches the hook through the environment" });
    expect(result.status).toBe(0);
    expect(read("apply")).toEqual({ argv: ["apply"], runPid: String(process.pid), secret: "reaches the hook through the environment" });
    expect(fs.existsSync(path.join(dir, "pwned"))).toBe(false);
    expect(fs.existsSync(path.join(process.cwd(), "pwned"))).toBe(false);
  });

  test("passes on the hook's exit status", () => {
    const exitJs = path.join(dir, "exit.js");
    fs.writeFileSync(exitJs, "process.exit(7);");
    const [file, ...args] = hookInterpreter(exitJs);
    expect(spawnSync(file, [...args, "apply"]).status).toBe(7);
  });

  test("killing the launcher (what Terraform does on an interrupt) does not stop the hook", async () => {
    const [file, ...args] = hookInterpreter(hookPath);
    const launcher = spawn(file, [...args, "slow"], { stdio: "ignore" });
    children.push(launcher);
    // Kill the launcher once the hook runs (a fixed wait would race node's start-up on a loaded machine).
    await waitForFile(path.join(dir, "slow.json.started"));
    expect(launcher.exitCode).toBeNull();
    launcher.kill("SIGKILL");
    await new Promise((resolve) => launcher.once("exit", resolve));
    expect(fs.existsSync(path.join(dir, "slow.json"))).toBe(false);
    fs.writeFileSync(path.join(dir, "release"), "");
    await waitForFile(path.join(dir, "slow.json"));
    expect(read("slow").argv).toEqual(["slow"]);
  }, 15_000);
});
