// orrery's web UI: browser sources in ui/web/ (bundled by scripts/build-ui.mjs into dist/ui/,
// using promql/ in the page), and the routes that serve the bundle (uiRoutes, passed to
// buildApi as `uiRoutes` by `orrery start` and `orrery query`).
export { defaultUiDir, uiRoutes, UI_PAGES } from "./server.js";
