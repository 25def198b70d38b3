/**
 * The benchmark's results: the rows of the table (one per target or profile line), the raw samples
 * for --json, the errors of sections that failed, and how they are printed: the plain-text table on
 * stdout, the Markdown table (--markdown), the JSON file (--json) and the machine facts beside them.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Summary } from "./stats";

/** Unit of a row's values: "req" counts requests (or logins), "proc" processes. */
export type Unit = "ms" | "s" | "MB" | "req" | "proc";

/** One line of the table. */
export interface Row {
  readonly id: string;
  readonly what: string;
  readonly unit: Unit;
  readonly subject?: Summary;
  readonly baseline?: Summary;
  /** Subject median / baseline median. */
  readonly ratio?: number;
  /** Same ratio of CPU time (user + system of the process tree), when measured. */
  readonly cpuRatio?: number;
  readonly target: string;
  /** undefined: an informational row. */
  readonly pass?: boolean;
  readonly note?: string;
}

/** Every row so far, in the order added. */
export const rows: Row[] = [];
/** Raw samples by row id, for --json. */
export const raw: Record<string, unknown> = {};
/** "section: message" of every section that failed. */
export const errors: string[] = [];

/** A progress line on stderr. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Adds a row and logs it. */
export function addRow(row: Row): void {
  rows.push(row);
  const verdict = row.pass === undefined ? "info" : row.pass ? "PASS" : "FAIL";
  const ratio = row.ratio !== undefined ? `  ratio ${row.ratio.toFixed(2)}` : "";
  log(`  -> ${row.id} ${row.what}: ${fmt(row.subject, row.unit)}${row.baseline ? ` vs ${fmt(row.baseline, row.unit)}` : ""}${ratio}  [${verdict}]${row.note ? `  ${row.note}` : ""}`);
}

/** A number in a unit's usual precision. */
export function num(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return "-";
  if (unit === "req" || unit === "proc") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (unit === "ms") return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Milliseconds with a sign. */
export function signed(ms: number): string {
  return `${ms >= 0 ? "+" : "-"}${num(Math.abs(ms), "ms")}`;
}

/** "median unit (min-max)". */
export function fmt(s: Summary | undefined, unit: Unit): string {
  if (!s || s.n === 0) return "-";
  const range = s.n > 1 ? ` (${num(s.min, unit)}-${num(s.max, unit)})` : "";
  return `${num(s.median, unit)} ${unit}${range}`;
}

/** Orders the rows by target number (P1 < P1@50ms < prof < P2 < ... < P16). */
export function sortRows(): void {
  const order = (id: string) => (id === "prof" ? 1.5 : Number(/^P(\d+)/.exec(id)?.[1] ?? 99) + (id.includes("@") ? 0.1 : 0));
  rows.sort((a, b) => order(a.id) - order(b.id));
}

/** Facts about the machine and the tools, for the report. */
export function machine(root: string): Record<string, string> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CHECKPOINT_DISABLE: "1" } })
        .split("\n")[0]!
        .trim();
    } catch {
      return "unavailable";
    }
  };
  const pkg = (name: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  return {
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    terraform: version("terraform", ["version"]),
    curl: version("curl", ["--version"]).split(" ").slice(0, 2).join(" "),
    cdktf: `cdktf ${pkg("cdktf")}, cdktf-cli ${pkg("cdktf-cli")}, cdktn ${pkg("cdktn")}`,
    loadavg: os.loadavg().map((x) => x.toFixed(1)).join(" "),
  };
}

/** The table, plain text (aligned columns) or Markdown. */
export function table(markdown: boolean): string {
  const header = ["#", "what", "subject median (min-max)", "baseline median (min-max)", "ratio", "cpu ratio", "target", "result"];
  const body = rows.map((r) => [
    r.id,
    r.what,
    fmt(r.subject, r.unit),
    fmt(r.baseline, r.unit),
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : "-",
    r.cpuRatio !== undefined ? `${r.cpuRatio.toFixed(2)}x` : "-",
    r.target,
    r.pass === undefined ? "info" : r.pass ? "PASS" : "FAIL",
  ]);
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The notes rows carry (the markdown table has no room for them): "id: note" lines. */
export function notes(): string[] {
  return rows.filter((r) => r.note).map((r) => `${r.id} ${r.what}: ${r.note}`);
}
