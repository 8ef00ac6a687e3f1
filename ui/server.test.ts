import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Registry } from "prom-client";
import { buildApi } from "../api/index.js";
import { LabelsStore } from "../api/testkit.js";
import { Engine } from "../engine/index.js";
import { uiRoutes, UI_PAGES } from "./index.js";

function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "orrery-ui-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/app-ABC123.js"></script>');
  writeFileSync(join(dir, "assets", "app-ABC123.js"), "console.log('orrery');".repeat(50));
  return dir;
}

function app(dir: string) {
  return buildApi({ engine: new Engine(), store: new LabelsStore([]), registry: new Registry(), uiRoutes: uiRoutes(dir) });
}

test("/ redirects to /graph (keeping the query string) and every page serves index.html uncached", async () => {
  const dir = fakeBuild();
  const server = app(dir);
  try {
    const root = await server.inject({ url: "/?g0.expr=up" });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, "/graph?g0.expr=up");
    for (const page of UI_PAGES) {
      const res = await server.inject({ url: page });
      assert.equal(res.statusCode, 200, page);
      assert.equal(res.headers["cache-control"], "no-cache");
      assert.match(String(res.headers["content-type"]), /^text\/html/);
      assert.match(res.body, /app-ABC123\.js/);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("hashed assets are cached for a year, gzipped when accepted; unknown assets 404; the API still answers", async () => {
  const dir = fakeBuild();
  const server = app(dir);
  try {
    const js = await server.inject({ url: "/assets/app-ABC123.js", headers: { "accept-encoding": "gzip" } });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(js.headers["content-encoding"], "gzip");
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
    assert.match(gunzipSync(js.rawPayload).toString(), /^console\.log/);
    assert.equal((await server.inject({ url: "/assets/app-OLD.js" })).statusCode, 404);
    assert.equal((await server.inject({ url: "/api/v1/labels" })).statusCode, 200);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without a build the pages say how to build the UI instead of a bare 404", async () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-ui-none-"));
  const server = app(dir);
  try {
    const res = await server.inject({ url: "/graph" });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /web UI is not built.*npm run build/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
