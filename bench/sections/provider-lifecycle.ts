/**
 * P9, P12, P13 on the provider engine, over one lifecycle of N connections run by terraform in the
 * synthesized stack's directory after one init: apply (create N), plan (nothing to change: reads N),
 * apply of a changed description (update N), destroy (delete N). Every command is measured by
 * StackSteps: P9 the provider processes started per plan and per apply, P12 their peak RSS, P13 the
 * KMS requests per connection and per command (logins).
 */
import { DevServer, RequestCounts, countRequests } from "../lib/kms";
import { Project } from "../lib/project";
import { summarize } from "../lib/stats";
import { addRow, log, num, raw } from "../lib/report";
import { ROOT } from "../lib/paths";
import { Step, StackSteps } from "../lib/stack-steps";

const kinds = (c: RequestCounts) =>
  Object.entries(c.byKind)
    .map(([key, v]) => `${key} ${v}`)
    .join(", ") || "none";

/** The lifecycle and its rows. */
export async function benchProviderLifecycle(scratch: string, kms: DevServer, n: number): Promise<void> {
  log(`P9/P12/P13: lifecycle of ${n} connections on the provider engine (terraform apply, plan, apply, destroy in the stack directory)`);
  const prefix = "p13";
  const project = new Project(ROOT, scratch, prefix, "connections");
  const steps = new StackSteps(project, kms, (description) => project.env(n, prefix, kms.info, { BENCH_ENGINE: "provider", BENCH_DESCRIPTION: description }));
  const { create, read, update, destroy } = await steps.lifecycle();
  const all: [string, Step][] = [["apply (create)", create], ["plan (no change)", read], ["apply (update)", update], ["destroy", destroy]];
  raw["P9/P12/P13"] = Object.fromEntries(all.map(([what, s]) => [what, { ms: s.run.wallMs, providers: s.providers, requests: countRequests(s.requests) }]));

  // P9: provider processes per command.
  const started = (s: Step) => s.providers.started;
  addRow({ id: "P9", what: `provider processes started per terraform plan (${n} connections, nothing to change)`, unit: "proc", subject: summarize([started(read)]), target: "<= 2", pass: started(read) <= 2, note: `NODE_OPTIONS --require probe; TF_LOG=trace "plugin started" lines: ${read.pluginStartsLogged}` });
  const applies = [create, update];
  addRow({
    id: "P9",
    what: `provider processes started per terraform apply (create ${n}, update ${n})`,
    unit: "proc",
    subject: summarize(applies.map(started)),
    target: "<= 2 each",
    pass: applies.every((s) => started(s) <= 2),
    note: `create ${started(create)}, update ${started(update)}; destroy ${started(destroy)}; TF_LOG=trace "plugin started" lines: ${applies.map((s) => s.pluginStartsLogged).join(", ")}, destroy ${destroy.pluginStartsLogged}`,
  });

  // P12: peak RSS of every provider process of the lifecycle.
  const rss = all.flatMap(([, s]) => s.providers.rssMb);
  const startedAll = all.reduce((t, [, s]) => t + s.providers.started, 0);
  if (rss.length === 0) throw new Error("no provider process reported its peak RSS");
  const worst = Math.max(...rss);
  addRow({
    id: "P12",
    what: `provider peak RSS, every provider process of the lifecycle (${rss.length} processes)`,
    unit: "MB",
    subject: summarize(rss),
    target: "<= 80 MB (max)",
    pass: worst <= 80,
    note: `max ${num(worst, "MB")} MB; by command: ${all.map(([what, s]) => `${what} ${s.providers.rssMb.map((x) => num(x, "MB")).join("/") || "-"}`).join(", ")}${rss.length < startedAll ? `; ${startedAll - rss.length} of ${startedAll} processes did not report` : ""}`,
  });

  // P13: requests per connection and logins per command.
  const c = Object.fromEntries(all.map(([what, s]) => [what, countRequests(s.requests)])) as Record<string, RequestCounts>;
  const kind = (counts: RequestCounts, key: string) => counts.byKind[key] ?? 0;
  const logins = all.map(([what]) => c[what]!.logins);
  addRow({ id: "P13", what: "Universal Auth logins per terraform command (apply, plan, apply, destroy)", unit: "req", subject: summarize(logins), target: "1 each", pass: logins.every((l) => l === 1), note: logins.join(" / ") });
  const perConnection = (id: string, what: string, counts: RequestCounts, value: number, others: number, noteExtra = "") =>
    addRow({
      id,
      what,
      unit: "req",
      subject: summarize([value / n]),
      target: "1",
      pass: value === n && others === 0 && counts.failed === 0,
      note: `${kinds(counts)}; logins ${counts.logins}${noteExtra}${counts.failed ? `; ${counts.failed} FAILED requests` : ""}`,
    });
  const cr = c["apply (create)"]!;
  perConnection("P13", `create: requests per new connection (${n})`, cr, kind(cr, "POST collection"), cr.connection - kind(cr, "POST collection"));
  const rd = c["plan (no change)"]!;
  perConnection("P13", "plan with nothing to change: reads per connection", rd, kind(rd, "GET by-id"), rd.connection - kind(rd, "GET by-id"));
  const up = c["apply (update)"]!;
  perConnection("P13", "update (description): writes per connection, beyond the refresh read", up, kind(up, "PATCH by-id"), up.connection - kind(up, "PATCH by-id") - n, `; refresh reads per connection ${num(kind(up, "GET by-id") / n, "req")}`);
  const de = c.destroy!;
  perConnection("P13", "delete (terraform destroy): requests per connection, beyond the refresh read", de, kind(de, "DELETE by-id"), de.connection - kind(de, "DELETE by-id") - n, `; refresh reads per connection ${num(kind(de, "GET by-id") / n, "req")}`);
}
