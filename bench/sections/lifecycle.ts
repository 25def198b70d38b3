/** P3: requests per operation over a whole lifecycle of N connections (terraform_data engine) with the real CLI. */
import { DevServer, countRequests } from "../lib/kms";
import { Project } from "../lib/project";
import { summarize } from "../lib/stats";
import { addRow, log, raw } from "../lib/report";
import { ROOT } from "../lib/paths";
import { apiCreate } from "../lib/hook-events";
import { p2Logins } from "../lib/tallies";

/** P3; its logins feed P2. */
export async function benchLifecycle(scratch: string, kms: DevServer, n: number): Promise<void> {
  log(`P3: requests per operation over a lifecycle of ${n} connections (one name conflict)`);
  const k = kms.info;
  const prefix = "p3";
  const project = new Project(ROOT, scratch, prefix, "connections");
  // A connection that already exists, identical to the declaration: the create hook meets a name
  // conflict, reads it back (+1 request) and adopts it.
  await apiCreate(k, `${prefix}-0`, "benchmark");
  const step = async (args: string[], extra: NodeJS.ProcessEnv) => {
    const mark = await kms.mark();
    await project.cdktf(args, project.env(n, prefix, k, extra));
    return countRequests(await kms.since(mark));
  };
  const otherUrl = k.octopusUrl.replace("127.0.0.1", "localhost");
  const create = await step(["deploy", "--auto-approve"], {});
  const same = await step(["deploy", "--auto-approve"], {});
  const update = await step(["deploy", "--auto-approve"], { BENCH_DESCRIPTION: "benchmark, changed" });
  const creds = await step(["deploy", "--auto-approve"], { BENCH_DESCRIPTION: "benchmark, changed", BENCH_OCTOPUS_URL: otherUrl });
  const destroy = await step(["destroy", "--auto-approve"], { BENCH_DESCRIPTION: "benchmark, changed", BENCH_OCTOPUS_URL: otherUrl });
  project.remove();
  raw.P3 = { n, create, same, update, creds, destroy };
  const kinds = (c: ReturnType<typeof countRequests>) =>
    Object.entries(c.byKind)
      .map(([key, v]) => `${key} ${v}`)
      .join(", ") || "none";
  const perConn = (c: ReturnType<typeof countRequests>) => c.connection / n;
  // `expectedErrors`: the name conflict is answered with an error status, by design.
  const rowFor = (id: string, what: string, c: ReturnType<typeof countRequests>, expected: number, value: number, logins: number, expectedErrors = 0) =>
    addRow({
      id,
      what,
      unit: "req",
      subject: summarize([value]),
      target: `${expected}`,
      pass: value === expected && c.failed === expectedErrors && c.logins === logins,
      note: `${kinds(c)}; logins ${c.logins}${c.failed !== expectedErrors ? `; ${c.failed} FAILED requests` : ""}`,
    });
  // The conflicting connection takes one more request (the GET that finds it); every other create takes one.
  rowFor("P3", `create: requests per new connection (${n - 1} new)`, create, 1, (create.connection - 2) / (n - 1), 1, 1);
  rowFor("P3", "create on a name conflict: requests for that connection", create, 2, create.connection - (n - 1), 1, 1);
  rowFor("P3", "update (description): requests per connection", update, 2, perConn(update), 1);
  rowFor("P3", "update (instance URL, re-validated credentials): requests per connection", creds, 2, perConn(creds), 1);
  rowFor("P3", "delete (cdktf destroy): requests per connection", destroy, 2, perConn(destroy), 1);
  rowFor("P3", "no change (deploy again): requests", same, 0, same.connection + same.logins, 0);
  for (const [c, where] of [[create, "create"], [update, "update"], [creds, "update URL"], [destroy, "destroy"]] as const) {
    p2Logins.push({ n, logins: c.logins, where: `P3 ${where}` });
  }
}
