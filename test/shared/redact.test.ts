/** lib/shared/redact.ts */
import { redact } from "../../lib/shared/redact";

describe("redact", () => {
  test("replaces every occurrence of every secret of 4+ characters", () => {
    expect(redact("a SECRET b SECRET c TOKEN", ["SECRET", "TOKEN"])).toBe("a [redacted] b [redacted] c [redacted]");
  });
  test("ignores empty and very short values (they would mangle ordinary text)", () => {
    expect(redact("abc def", ["", "abc", "de"])).toBe("abc def");
  });
  test("secrets with regex characters are matched literally", () => {
    expect(redact("key a.b*c(d) end", ["a.b*c(d)"])).toBe("key [redacted] end");
    expect(redact("axbbc", ["a.b*c"])).toBe("axbbc");
  });
});
