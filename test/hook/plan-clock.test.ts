/** lib/hook/plan-clock.ts: "born in this plan" and the wait for the end of the plan's second. */
import { bornInThisPlan, msUntilBornSecondEnds } from "../../lib/hook/plan-clock";

const BORN = "2026-11-26T17:57:20Z";
const SECOND = Date.parse(BORN);

describe("bornInThisPlan", () => {
  test.each([
    ["the same timestamp", BORN, BORN, true],
    ["an earlier plan", "2026-11-26T17:57:19Z", BORN, false],
    ["born unset", undefined, BORN, false],
    ["planned unset", BORN, undefined, false],
    ["both empty", "", "", false],
    ["both unset", undefined, undefined, false],
  ])("%s", (_what, born, planned, expected) => {
    expect(bornInThisPlan(born, planned)).toBe(expected);
  });
});

describe("msUntilBornSecondEnds", () => {
  test.each([
    ["at the start of the second", SECOND, 1000],
    ["in the middle", SECOND + 400, 601],
    ["1 ms before its end", SECOND + 999, 2],
    ["at the next second's first ms: the 1 ms margin", SECOND + 1000, 1],
    ["1 ms into the next second", SECOND + 1001, 0],
    ["long after", SECOND + 60_000, 0],
    ["a clock behind the plan's: at most 1 s", SECOND - 5_000, 1000],
  ])("%s", (_what, now, expected) => {
    expect(msUntilBornSecondEnds(BORN, now)).toBe(expected);
  });

  test.each([undefined, "", "not a time"])("%p: 0, nothing to wait for", (born) => {
    expect(msUntilBornSecondEnds(born, SECOND)).toBe(0);
  });
});
