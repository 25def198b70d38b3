/**
 * P1 baseline: the least a Node process can do to apply a description change, with built-in fetch and
 * nothing else: GET the connection by name, PATCH its description and credentials. Same requests as
 * the apply hook of a changed connection. Inputs from the environment: BENCH_KMS_URL, KMS_TOKEN,
 * BENCH_NAME, BENCH_DESCRIPTION, BENCH_INSTANCE_URL, BENCH_API_KEY.
 */
const base = `${process.env.BENCH_KMS_URL}/api/v1/app-connections/octopus-deploy`;
const headers = { authorization: `Bearer ${process.env.KMS_TOKEN}`, "content-type": "application/json" };

async function main(): Promise<void> {
  const got = await fetch(`${base}/connection-name/${encodeURIComponent(process.env.BENCH_NAME ?? "")}`, { headers });
  if (!got.ok) throw new Error(`GET ${got.status}`);
  const { appConnection } = (await got.json()) as { appConnection: { id: string; description: string | null } };
  const description = process.env.BENCH_DESCRIPTION ?? "";
  const credentials = { instanceUrl: process.env.BENCH_INSTANCE_URL, apiKey: process.env.BENCH_API_KEY };
  const body = JSON.stringify({ ...(appConnection.description === description ? {} : { description }), credentials });
  const patched = await fetch(`${base}/${appConnection.id}`, { method: "PATCH", headers, body });
  if (!patched.ok) throw new Error(`PATCH ${patched.status}`);
  await patched.arrayBuffer();
  process.stdout.write(`updated ${appConnection.id}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
