// A few DOM helpers: elements from a tag, attributes and children; no framework.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** A table with a header row and rows of cells. */
export function table(headers: string[], rows: Child[][], cls = "data"): HTMLTableElement {
  return h(
    "table",
    { class: cls },
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
  );
}

/** `name{a="b", c="d"}` as Prometheus prints a label set. */
export function formatLabels(metric: Record<string, string>): string {
  const name = metric["__name__"] ?? "";
  const pairs = Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 && name !== "" ? name : `${name}{${pairs.join(", ")}}`;
}

/** Unix seconds as an ISO-like UTC time. */
export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.000Z$/, "Z");
}

export function emptyState(text: string): HTMLElement {
  return h("p", { class: "empty" }, text);
}
