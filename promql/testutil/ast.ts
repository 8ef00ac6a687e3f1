// Test helper: an AST without its positions, for comparing trees.
export function stripPos(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripPos);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== "pos") out[k] = stripPos(v);
    return out;
  }
  return value;
}
