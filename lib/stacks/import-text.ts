/**
 * Text helpers shared by the code `import` writes (import-code.ts for connections, import-syncs.ts
 * for secret syncs): string literals, comment-safe text, unique identifiers, the KMS id check.
 */

/** A TypeScript string literal (JSON plus the two line separators JSON leaves raw). */
export function str(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Text that is safe inside a line comment: printable ASCII only. */
export function commentSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

/** `base`, or `base<sep>2`, `base<sep>3`, ... : the first not in `used` (which it joins). */
export function unique(base: string, used: Set<string>, sep: string): string {
  let candidate = base;
  for (let i = 2; used.has(candidate); i++) candidate = `${base}${sep}${i}`;
  used.add(candidate);
  return candidate;
}

/** Why `id` cannot be written into code as a KMS id (it reaches a comment and an importFrom call), or undefined. */
export function kmsIdVerdict(id: string): string | undefined {
  return /^[A-Za-z0-9-]{1,64}$/.test(id) ? undefined : "is not a KMS id";
}

/** "1 connection", "2 connections". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
