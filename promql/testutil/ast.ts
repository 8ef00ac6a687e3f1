// Test helpers: an AST without its positions, for comparing trees.
export function stripPos(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripPos);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== "pos") out[k] = stripPos(v);
    return out;
  }
  return value;
}

/**
 * An AST without positions and with each selector's matchers in a fixed order: what a
 * printed-and-reparsed tree must keep (Prometheus's printer sorts matchers, which changes
 * nothing a selector selects).
 */
export function sameMeaning(value: unknown): unknown {
  const stripped = stripPos(value);
  sortMatchers(stripped);
  return stripped;
}

function sortMatchers(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(sortMatchers);
  if (value === null || typeof value !== "object") return;
  const node = value as Record<string, unknown>;
  for (const v of Object.values(node)) sortMatchers(v);
  if (node["type"] === "VectorSelector" && Array.isArray(node["matchers"])) {
    (node["matchers"] as unknown[]).sort((a, b) => {
      const x = JSON.stringify(a);
      const y = JSON.stringify(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
}
