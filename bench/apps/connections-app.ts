/**
 * Benchmark app (subject): one stack of BENCH_N OctopusDeployConnections. Run by `cdktf synth|deploy`
 * from a scratch project directory (cdktf.json `app: node <this file compiled>`). Everything comes
 * from the environment so one compiled file serves every row:
 *   BENCH_N            number of connections
 *   BENCH_PREFIX       connection name prefix (unique per repetition, so creates never collide)
 *   BENCH_KMS_URL      local KMS base URL
 *   BENCH_OCTOPUS_URL  fake Octopus instance URL
 *   BENCH_DESCRIPTION  description of every connection (changing it drives the update row)
 *   BENCH_STATE        local backend state file
 *   BENCH_HOOKLESS     "1": the same resources without their hooks (what Terraform alone costs, P7)
 */
import { App, LocalBackend, TerraformStack, TerraformVariable } from "../../lib/cdk";
import { OctopusDeployConnection } from "../../lib";

const env = process.env;
const n = Number(env.BENCH_N ?? "1");
const app = new App();
const stack = new TerraformStack(app, "bench");
if (env.BENCH_STATE) new LocalBackend(stack, { path: env.BENCH_STATE });
const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
for (let i = 0; i < n; i++) {
  const connection = new OctopusDeployConnection(stack, `c${i}`, {
    name: `${env.BENCH_PREFIX ?? "bench"}-${i}`,
    description: env.BENCH_DESCRIPTION ?? "benchmark",
    instanceUrl: env.BENCH_OCTOPUS_URL ?? "https://example.octopus.app",
    kmsUrl: env.BENCH_KMS_URL ?? "https://app.kms.hanzo.ai",
    apiKey: apiKey.value,
    engine: (env.BENCH_ENGINE as "provider" | "terraform_data" | undefined) ?? "terraform_data",
  });
  if (env.BENCH_HOOKLESS === "1") {
    connection.connectionResource.addOverride("provisioner", undefined);
    connection.syncResource!.addOverride("provisioner", undefined);
  }
}
app.synth();
