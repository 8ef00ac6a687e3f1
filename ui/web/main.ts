// The web UI's entry: navigation and one page per path, rendered into #app.
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { h } from "./dom.js";
import { NameSource } from "./editor.js";
import { alertsPage, cardinalityPage, explainPage, rulesPage, statusPage, storesPage } from "./pages.js";
import { defaultPanel, panelsFromUrl, panelsToUrl, QueryPanel, type PanelState } from "./panel.js";

const NAV: [path: string, title: string][] = [
  ["/graph", "Query"],
  ["/explain", "Explain"],
  ["/stores", "Stores"],
  ["/rules", "Rules"],
  ["/alerts", "Alerts"],
  ["/cardinality", "Cardinality"],
  ["/status", "Status"],
];

function queryPage(root: HTMLElement, names: NameSource): void {
  const states = panelsFromUrl(new URLSearchParams(location.search));
  const list = h("div", { class: "panels" });
  const sync = (): void => history.replaceState(null, "", `/graph?${panelsToUrl(states)}`);
  const add = (state: PanelState): QueryPanel => {
    const panel: QueryPanel = new QueryPanel(state, names, sync, () => {
      states.splice(states.indexOf(state), 1);
      panel.element.remove();
      sync();
    });
    list.append(panel.element);
    return panel;
  };
  const addButton = h("button", { class: "add-panel" }, "Add panel");
  addButton.addEventListener("click", () => {
    const s = defaultPanel();
    states.push(s);
    add(s);
    sync();
  });
  root.append(list, addButton);
  for (const s of states) {
    const panel = add(s);
    if (s.expr !== "") void panel.run();
  }
}

function render(app: HTMLElement, names: NameSource): void {
  const path = location.pathname;
  const nav = h("nav", {}, h("a", { href: "/graph", class: "brand" }, "orrery"), ...NAV.map(([p, title]) => h("a", { href: p, class: p === path ? "active" : "" }, title)));
  const main = h("main", {});
  app.replaceChildren(nav, main);
  nav.addEventListener("click", (e) => {
    const a = (e.target as HTMLElement).closest("a");
    if (a === null || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    history.pushState(null, "", a.getAttribute("href")!);
    render(app, names);
  });
  const pages: Record<string, () => void> = {
    "/explain": () => explainPage(main, names),
    "/stores": () => storesPage(main),
    "/rules": () => rulesPage(main),
    "/alerts": () => alertsPage(main),
    "/cardinality": () => cardinalityPage(main),
    "/status": () => statusPage(main),
  };
  (pages[path] ?? (() => queryPage(main, names)))();
}

const app = document.getElementById("app")!;
const names = new NameSource();
window.addEventListener("popstate", () => render(app, names));
render(app, names);
