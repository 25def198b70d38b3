/** How props errors name a bad value: its kind, and a short printable preview. */

/** "null", "an array", "an object" or the typeof name. */
export function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

/** A short, printable rendering of a bad value (never used for a secret). */
export function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
