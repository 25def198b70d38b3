/**
 * Scratch cdktf projects under the benchmark's temp directory: a cdktf.json whose app is one of the
 * compiled benchmark apps (plain `node`, no ts-node), a Terraform CLI config without the checkpoint
 * call, and the real cdktf CLI from node_modules.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { KmsInfo } from "./kms";
import { Run, check, run } from "./proc";
import { envWithoutKmsSettings } from "../../lib/testing/terraform-env";

/** Which app a project synthesizes. */
export type AppKind = "connections" | "baseline-true" | "baseline-curl" | "secret-sync";

/** The compiled app of each kind. */
const APP_FILES: Readonly<Record<AppKind, string>> = {
  connections: "connections-app.js",
  "baseline-true": "baseline-app.js",
  "baseline-curl": "baseline-app.js",
  "secret-sync": "secret-sync-app.js",
};

/**
 * Variables, besides KMS_* and INFISICAL_*, that would leak the caller's settings into a benchmark
 * run. NODE_EXTRA_CA_CERTS too: Node reads it at every start (40 ms on machines that set it for a
 * proxy), in cdktf, the hooks and the provider alike; the benchmark measures a machine without it.
 */
const SCRUB = /^(TF_|CDKTF_|BENCH_|OCTOPUS_|NODE_EXTRA_CA_CERTS$)/;

/** One scratch cdktf project directory. */
export class Project {
  readonly dir: string;

  constructor(
    private readonly root: string,
    scratch: string,
    name: string,
    readonly kind: AppKind,
  ) {
    this.dir = fs.mkdtempSync(path.join(scratch, `${name}-`));
    const app = path.join(root, "dist", "bench", "apps", APP_FILES[kind]);
    const config = {
      language: "typescript",
      app: `${JSON.stringify(process.execPath)} ${JSON.stringify(app)}`,
      output: "cdktf.out",
      codeMakerOutput: ".gen",
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: {},
    };
    fs.writeFileSync(path.join(this.dir, "cdktf.json"), JSON.stringify(config, null, 2));
    fs.writeFileSync(path.join(this.dir, "terraform.tfrc"), "disable_checkpoint = true\n");
  }

  /** The environment of a cdktf run: scrubbed, offline, and the KMS credentials the app kind uses. */
  env(n: number, prefix: string, kms: KmsInfo | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env = envWithoutKmsSettings(process.env, SCRUB);
    Object.assign(env, {
      CHECKPOINT_DISABLE: "1",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "true",
      TF_CLI_CONFIG_FILE: path.join(this.dir, "terraform.tfrc"),
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CI: "true",
      FORCE_COLOR: "0",
      BENCH_N: String(n),
      BENCH_PREFIX: prefix,
      BENCH_STATE: path.join(this.dir, "bench.tfstate"),
      BENCH_BASELINE: this.kind === "baseline-curl" ? "curl" : "true",
    });
    if (kms) {
      env.BENCH_KMS_URL = kms.kmsUrl;
      env.BENCH_OCTOPUS_URL = kms.octopusUrl;
      if (this.kind === "connections" || this.kind === "secret-sync") {
        // The product's recommended setup: a Universal Auth machine identity (P2 counts its logins).
        env.KMS_CLIENT_ID = kms.clientId;
        env.KMS_CLIENT_SECRET = kms.clientSecret;
        env.TF_VAR_octopus_api_key = kms.octopusApiKey;
      } else {
        env.KMS_TOKEN = kms.token;
        env.OCTOPUS_API_KEY = kms.octopusApiKey;
      }
    }
    return { ...env, ...extra };
  }

  /** The synthesized stack's directory (the apps name their one stack "bench"), where Terraform runs. */
  get stackDir(): string {
    return path.join(this.dir, "cdktf.out", "stacks", "bench");
  }

  /** Runs `cdktf <args>` in the project; throws on failure. */
  async cdktf(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
    const cli = path.join(this.root, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
    const bin = fs.existsSync(cli) ? cli : path.join(this.root, "node_modules", ".bin", "cdktf");
    const r = await run(process.execPath, [bin, ...args], { cwd: this.dir, env, timeoutMs: 540_000 });
    return check(`cdktf ${args.join(" ")} in ${this.dir}`, r);
  }

  /** Deletes the project directory. */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
