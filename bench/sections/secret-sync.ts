/**
 * P15 and P16: an OctopusDeploySecretSync (bench/apps/secret-sync-app.ts: one connection on the
 * provider engine and its sync of the KMS's "dev" environment to the fake Octopus's default project).
 *
 * P15: requests to the sync routes per operation, over one lifecycle run by terraform in the stack
 * directory (StackSteps): apply (create), plan (nothing to change: read), apply of a changed
 * description (update), destroy (delete). Reads before the command's first write to the sync are
 * Terraform's refresh; reads after it are the provider's polls of the sync's status while it waits
 * for the KMS's sync result: counted separately (countSyncRequests). The KMS's own calls to the fake
 * Octopus go to another server and are in no KMS request log: they cannot count.
 *
 * P16: `cdktf deploy --auto-approve` of a new stack (new names, a new key schema: a new variable
 * name) from spawn to the synced variable being present in the fake Octopus, polled through its REST
 * API every 20 ms; median over repetitions. The deploy's own wall time is in the note.
 */
import { randomBytes } from "node:crypto";
import { DevServer, RequestCounts, SyncRequestCounts, countRequests, countSyncRequests } from "../lib/kms";
import { Project } from "../lib/project";
import { summarize } from "../lib/stats";
import { addRow, log, raw } from "../lib/report";
import { interleave } from "../lib/budget";
import { ROOT } from "../lib/paths";
import { StackSteps } from "../lib/stack-steps";
import { createKmsSecret, whenVariableAppears } from "../lib/octopus";

/** The secret every sync of the section pushes. */
const SECRET_KEY = "DB_PASSWORD";

/** P15, then P16 with `reps` repetitions. */
export async function benchSecretSync(scratch: string, kms: DevServer, reps: number): Promise<void> {
  // The value is random and only ever sent to the KMS; nothing prints it.
  await createKmsSecret(kms.info, SECRET_KEY, randomBytes(18).toString("base64url"));
  await lifecycle(scratch, kms);
  await timeToVariable(scratch, kms, reps);
}

function syncEnv(project: Project, kms: DevServer, prefix: string, keySchema: string, description: string): NodeJS.ProcessEnv {
  return project.env(1, prefix, kms.info, { BENCH_PROJECT_ID: kms.info.projectId, BENCH_KEY_SCHEMA: keySchema, BENCH_DESCRIPTION: description });
}

async function lifecycle(scratch: string, kms: DevServer): Promise<void> {
  log("P15: requests per secret sync operation (terraform apply, plan, apply, destroy in the stack directory)");
  const prefix = "p15";
  const project = new Project(ROOT, scratch, prefix, "secret-sync");
  const steps = new StackSteps(project, kms, (description) => syncEnv(project, kms, prefix, "P15_{{secretKey}}", description));
  const { create, read, update, destroy } = await steps.lifecycle();
  const ops: [string, string, SyncRequestCounts, RequestCounts, number][] = [
    ["create", "apply (create)", countSyncRequests(create.requests), countRequests(create.requests), 0],
    ["read", "plan (nothing to change)", countSyncRequests(read.requests), countRequests(read.requests), 1],
    ["update", "apply (description changed)", countSyncRequests(update.requests), countRequests(update.requests), 1],
    ["delete", "destroy", countSyncRequests(destroy.requests), countRequests(destroy.requests), 1],
  ];
  raw.P15 = Object.fromEntries(ops.map(([op, , sync, connection]) => [op, { sync, connection }]));
  for (const [op, command, sync, connection, refreshReads] of ops) {
    // The plan's read is the operation itself; every other command may read the sync first (refresh) and then writes once.
    const value = op === "read" ? sync.reads : sync.writes;
    const extraReads = op === "read" ? 0 : sync.reads - refreshReads;
    const kinds = Object.entries(sync.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    addRow({
      id: "P15",
      what: `secret sync ${op}: requests to the sync in ${command}${refreshReads && op !== "read" ? ", beyond the refresh read" : ""}`,
      unit: "req",
      subject: summarize([value]),
      target: "1 (+ 1 login)",
      pass: value === 1 && extraReads === 0 && sync.logins === 1 && sync.failed === 0,
      note: `${kinds || "none"}; status polls while waiting (not counted) ${sync.statusPolls}; logins ${sync.logins}; the connection's requests ${connection.connection}${sync.failed ? `; ${sync.failed} FAILED requests` : ""}`,
    });
  }
}

async function timeToVariable(scratch: string, kms: DevServer, reps: number): Promise<void> {
  log(`P16: cdktf deploy of a new secret sync to its variable present in the fake Octopus, ${reps} repetitions`);
  const [samples] = await interleave(
    reps,
    [
      async (rep) => {
        const prefix = `p16r${rep}`;
        const project = new Project(ROOT, scratch, prefix, "secret-sync");
        const env = syncEnv(project, kms, prefix, `P16_${rep}_{{secretKey}}`, "benchmark");
        const started = performance.now();
        const deploy = project.cdktf(["deploy", "--auto-approve"], env);
        const seen = await whenVariableAppears(kms.info, `P16_${rep}_${SECRET_KEY}`, deploy.catch(() => undefined));
        const r = await deploy;
        project.remove();
        if (seen === undefined) throw new Error(`P16: cdktf deploy ended and the variable P16_${rep}_${SECRET_KEY} is not in the fake Octopus`);
        return { toVariableMs: seen - started, deployMs: r.wallMs };
      },
    ],
    Math.min(reps, 2),
    "P16",
  );
  raw.P16 = samples;
  const toVariable = summarize(samples!.map((s) => s.toVariableMs / 1000));
  const deploy = summarize(samples!.map((s) => s.deployMs / 1000));
  addRow({
    id: "P16",
    what: "cdktf deploy of a new secret sync: start to the synced variable present in the fake Octopus",
    unit: "s",
    subject: toVariable,
    target: "reported",
    note: `the whole cdktf deploy: median ${deploy.median.toFixed(2)} s (the provider waits for the sync's result before apply ends)`,
  });
}
