/**
 * Terraform commands as this package prints them for a stack's directory: `(cd DIR && terraform ...)`.
 * Never `terraform -chdir=DIR`: -chdir does not apply to the implied local mirror
 * (DIR/terraform.d/plugins, where the provider engine's provider lives), so `init` would not find the
 * provider there (hashicorp/terraform#31442).
 */

/** `(cd DIR && terraform ARGS)`, DIR quoted for a POSIX shell when it needs to be. */
export function terraformIn(dir: string, args: string): string {
  return `(cd ${shellWord(dir)} && terraform ${args})`;
}

/** A word a POSIX shell reads back unchanged. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
