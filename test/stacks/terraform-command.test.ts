import { execFileSync } from "node:child_process";
import { shellWord, terraformIn } from "../../lib/stacks/terraform-command";

describe("terraformIn", () => {
  test("cd into the stack's directory, never -chdir (hashicorp/terraform#31442)", () => {
    expect(terraformIn("cdktf.out/stacks/app", "init -input=false")).toBe("(cd cdktf.out/stacks/app && terraform init -input=false)");
  });

  test.each(["/tmp/with space", "it's", "$(touch /tmp/x)", "a\"b`c`", ""])("quotes %j so a POSIX shell reads it back unchanged", (dir) => {
    expect(execFileSync("/bin/sh", ["-c", `printf %s ${shellWord(dir)}`], { encoding: "utf8" })).toBe(dir);
  });
});
