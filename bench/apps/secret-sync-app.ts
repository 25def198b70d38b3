/**
 * Benchmark app (P15, P16): one stack like examples/main.ts, an OctopusDeployConnection on the
 * provider engine and an OctopusDeploySecretSync of the KMS project's "dev" environment, folder "/",
 * to the fake Octopus's default project. Besides connections-app's BENCH_* variables:
 *   BENCH_PROJECT_ID   KMS project id (the dev-server's default project)
 *   BENCH_KEY_SCHEMA   the sync's key schema (a new one per repetition gives new variable names)
 *   BENCH_DESCRIPTION  the sync's description (changing it drives the update row)
 */
import { App, LocalBackend, TerraformStack, TerraformVariable } from "../../lib/cdk";
import { OctopusDeployConnection, OctopusDeploySecretSync } from "../../lib";
import { OCTOPUS_DESTINATION } from "../lib/octopus";

const env = process.env;
const prefix = env.BENCH_PREFIX ?? "bench";
const app = new App();
const stack = new TerraformStack(app, "bench");
if (env.BENCH_STATE) new LocalBackend(stack, { path: env.BENCH_STATE });
const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
const connection = new OctopusDeployConnection(stack, "octopus", {
  name: `${prefix}-connection`,
  instanceUrl: env.BENCH_OCTOPUS_URL ?? "https://example.octopus.app",
  kmsUrl: env.BENCH_KMS_URL ?? "https://app.kms.hanzo.ai",
  apiKey: apiKey.value,
});
new OctopusDeploySecretSync(stack, "sync", {
  name: `${prefix}-sync`,
  description: env.BENCH_DESCRIPTION ?? "benchmark",
  connection,
  projectId: env.BENCH_PROJECT_ID ?? "00000000-0000-4000-8000-000000000000",
  environment: "dev",
  secretPath: "/",
  destination: OCTOPUS_DESTINATION,
  syncOptions: { keySchema: env.BENCH_KEY_SCHEMA ?? "BENCH_{{secretKey}}" },
});
app.synth();
