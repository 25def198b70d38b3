/**
 * Benchmark app (baseline): one stack of BENCH_N bare `terraform_data` resources with one local-exec
 * provisioner each. With BENCH_BASELINE=curl the provisioner creates the same connection the subject
 * would, with one `curl` POST against the local KMS (token and API key from the environment, never on
 * the command line); otherwise it runs `true` (the synth baseline). Same BENCH_* variables as
 * connections-app.
 */
import { App, DataResource, LocalBackend, TerraformStack } from "../../lib/cdk";

const env = process.env;
const n = Number(env.BENCH_N ?? "1");
const curl = env.BENCH_BASELINE === "curl";
const app = new App();
const stack = new TerraformStack(app, "bench");
if (env.BENCH_STATE) new LocalBackend(stack, { path: env.BENCH_STATE });
const route = `${env.BENCH_KMS_URL ?? "http://127.0.0.1:1"}/api/v1/app-connections/octopus-deploy`;
/** Escapes a string for a double-quoted curl config value. */
const curlQuoted = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
// The secrets reach curl through its config on stdin (`-K -`), written by the shell's printf builtin
// from the environment: they are in neither the Terraform configuration nor any process's argv.
const CURL_COMMAND =
  `printf 'header = "authorization: Bearer %s"\\ndata-binary = "%s%s%s"\\n' "$KMS_TOKEN" "$BODY_HEAD" "$OCTOPUS_API_KEY" "$BODY_TAIL" | ` +
  `exec curl -sS --fail -o /dev/null -K - -H 'content-type: application/json' '${route}'`;
for (let i = 0; i < n; i++) {
  const name = `${env.BENCH_PREFIX ?? "bench"}-${i}`;
  const body = JSON.stringify({
    name,
    description: env.BENCH_DESCRIPTION ?? "benchmark",
    method: "api-key",
    credentials: { instanceUrl: env.BENCH_OCTOPUS_URL ?? "https://example.octopus.app", apiKey: "\u0000" },
  });
  const [head, tail] = body.split("\\u0000");
  const resource = new DataResource(stack, `c${i}`, {
    input: { name },
    provisioners: [
      curl
        ? {
            type: "local-exec",
            interpreter: ["/bin/sh", "-c"],
            command: CURL_COMMAND,
            environment: { BODY_HEAD: curlQuoted(head!), BODY_TAIL: curlQuoted(tail!) },
          }
        : { type: "local-exec", command: "true" },
    ],
  });
  // Like the subject's hooks: Terraform does not echo the command.
  resource.addOverride("provisioner.0.local-exec.quiet", true);
}
app.synth();
