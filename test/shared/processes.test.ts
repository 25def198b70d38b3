import { procStat, processRunning } from "../../lib/shared/processes";
import { zombie } from "./zombie";

describe("processRunning", () => {
  test("this process runs; a pid that does not exist does not", () => {
    expect(processRunning(process.pid)).toBe(true);
    expect(processRunning(99_999_999)).toBe(false);
  });

  test("a zombie (ended, never reaped) does not run, although kill(pid, 0) still succeeds", async () => {
    const z = await zombie();
    try {
      expect(procStat(z.pid)?.[0]).toBe("Z");
      expect(() => process.kill(z.pid, 0)).not.toThrow();
      expect(processRunning(z.pid)).toBe(false);
    } finally {
      z.stop();
    }
  });
});
