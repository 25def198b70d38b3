/** "Created in this run" markers: round trip, private files, and ids that could escape the run directory. */
import * as fs from "node:fs";
import * as path from "node:path";
import os = require("node:os");
import { createdInThisRun, markCreated } from "../../lib/hook/markers";

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-markers-"));
  jest.spyOn(os, "tmpdir").mockReturnValue(tmp);
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ID = "6f1c0d8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f";

test("a marked resource is created in this run; others are not", () => {
  expect(createdInThisRun(ID)).toBe(false);
  markCreated(ID);
  expect(createdInThisRun(ID)).toBe(true);
  expect(createdInThisRun("6f1c0d8e-1b2a-4c3d-9e8f-000000000000")).toBe(false);
});

test("marking twice is fine", () => {
  markCreated(ID);
  markCreated(ID);
  expect(createdInThisRun(ID)).toBe(true);
});

test("the marker is a private file inside the run directory", () => {
  markCreated(ID);
  const found = (fs.readdirSync(tmp, { recursive: true }) as string[]).filter((f) => f.endsWith(ID));
  expect(found).toHaveLength(1);
  const file = path.join(tmp, found[0]);
  expect(path.basename(path.dirname(file))).toBe("created");
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
});

test.each([undefined, "", "../../escape", "a/b", "..", "x".repeat(65), "id with space", "id\nnewline"])("id %p is ignored: no file, never 'created'", (id) => {
  markCreated(id);
  expect(createdInThisRun(id)).toBe(false);
  const files = (fs.readdirSync(tmp, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(tmp, f)).isFile());
  expect(files).toEqual([]);
  expect(fs.existsSync(path.join(tmp, "..", "escape"))).toBe(false);
});

test("without a usable run directory nothing is marked (the update hook then checks the KMS)", () => {
  const base = path.join(tmp, `cdktf-kms-octopus-${process.getuid!()}`);
  fs.mkdirSync(base, { mode: 0o700 });
  fs.chmodSync(base, 0o777);
  markCreated(ID);
  expect(createdInThisRun(ID)).toBe(false);
});
