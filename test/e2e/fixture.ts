/**
 * A test stack for e2e tests: one OctopusDeployConnection (or whatever `build` declares), synthesized
 * in-process and applied with real terraform against a local KMS.
 */
import { TerraformStack, TerraformVariable } from "cdktf";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib";
import { LocalKms } from "../../lib/testing";
import { HOOK_ENGINE, apply, destroy, plan, synth, terraformEnv, workDir } from "./harness";

export type KeySource = "apiKey" | "apiKeyEnv";
export const NAME = "octo-main";
const CONNECTIONS_ROUTE = "/api/v1/app-connections/octopus-deploy";

/** Requests the KMS received for connection routes (login excluded), as "METHOD path". */
export function connectionRequests(kms: LocalKms): string[] {
  return kms.requests
    .filter((r) => r.path.startsWith(CONNECTIONS_ROUTE))
    .map((r) => `${r.method} ${r.path.slice(CONNECTIONS_ROUTE.length) || "/"}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query as Record<string, string>).toString()}` : ""}`);
}

/** One test stack: synthesizes with the given props (engine "terraform_data" unless they say otherwise) and applies with the given key. */
export class Fixture {
  readonly dir = workDir();
  private stackDir = "";
  constructor(
    readonly kms: LocalKms,
    readonly keySource: KeySource,
    public apiKey: string,
  ) {}

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const key = this.keySource === "apiKey" ? { TF_VAR_octopus_api_key: this.apiKey } : { OCTOPUS_API_KEY: this.apiKey };
    return terraformEnv(this.dir, { KMS_TOKEN: this.kms.token, ...key, ...extra });
  }

  synth(props: Partial<OctopusDeployConnectionProps> = {}, build?: (stack: TerraformStack) => void): string {
    const previous = process.env.OCTOPUS_API_KEY;
    process.env.OCTOPUS_API_KEY = this.apiKey; // the apiKeyEnv fingerprint is computed at synth
    try {
      this.stackDir = synth(this.dir, (stack) => {
        if (build) return build(stack);
        const keyProps =
          this.keySource === "apiKey"
            ? { apiKey: new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).value }
            : { apiKeyEnv: "OCTOPUS_API_KEY" };
        new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: NAME, instanceUrl: this.kms.octopusUrl, kmsUrl: this.kms.kmsUrl, ...keyProps, ...props });
      });
    } finally {
      if (previous === undefined) delete process.env.OCTOPUS_API_KEY;
      else process.env.OCTOPUS_API_KEY = previous;
    }
    return this.stackDir;
  }

  async deploy(props: Partial<OctopusDeployConnectionProps> = {}, extraEnv: NodeJS.ProcessEnv = {}, build?: (stack: TerraformStack) => void) {
    this.synth(props, build);
    this.kms.clearRequests();
    return apply(this.stackDir, this.env(extraEnv));
  }

  async plan(props: Partial<OctopusDeployConnectionProps> = {}, build?: (stack: TerraformStack) => void) {
    this.synth(props, build);
    return plan(this.stackDir, this.env());
  }

  async destroy(props: Partial<OctopusDeployConnectionProps> = {}, extraEnv: NodeJS.ProcessEnv = {}, build?: (stack: TerraformStack) => void) {
    this.synth(props, build);
    this.kms.clearRequests();
    return destroy(this.stackDir, this.env(extraEnv));
  }
}

