// Serves the bundled web UI (dist/ui, made by scripts/build-ui.mjs): index.html at every
// page path (no-cache, so a new build is picked up) and content-hashed assets cached for a year.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** The pages of the single-page app; `/graph` is Prometheus's entry, `/` redirects to it as Prometheus does. */
export const UI_PAGES = ["/graph", "/explain", "/stores", "/rules", "/alerts", "/cardinality", "/status"] as const;

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
}

/** Where the build puts the bundle: dist/ui, beside this compiled file. */
export function defaultUiDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

function asset(path: string): Asset {
  const body = readFileSync(path);
  return { type: CONTENT_TYPES[extname(path)] ?? "application/octet-stream", body, gzipped: gzipSync(body) };
}

function send(request: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string): FastifyReply {
  reply.type(a.type).header("cache-control", cacheControl).header("vary", "Accept-Encoding");
  if (/\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))) return reply.header("content-encoding", "gzip").send(a.gzipped);
  return reply.send(a.body);
}

/**
 * The UI's routes, read once from `dir` (default dist/ui). Without a build, the pages answer
 * 503 with how to build it rather than a bare 404.
 */
export function uiRoutes(dir: string = defaultUiDir()): (app: FastifyInstance) => void {
  const indexPath = join(dir, "index.html");
  const index = existsSync(indexPath) ? asset(indexPath) : undefined;
  const assets = new Map<string, Asset>();
  if (index !== undefined) for (const name of readdirSync(join(dir, "assets"))) assets.set(name, asset(join(dir, "assets", name)));
  return (app) => {
    app.get("/", async (request, reply) => {
      const q = request.url.indexOf("?");
      return reply.redirect(q < 0 ? "/graph" : `/graph${request.url.slice(q)}`, 302);
    });
    for (const page of UI_PAGES) {
      app.get(page, async (request, reply) => {
        if (index === undefined) {
          return reply.code(503).type("text/plain; charset=utf-8").send(`the web UI is not built (no ${indexPath}): run \`npm run build\`\n`);
        }
        return send(request, reply, index, "no-cache");
      });
    }
    app.get("/assets/:name", async (request, reply) => {
      const found = assets.get((request.params as { name: string }).name);
      if (found === undefined) return reply.code(404).type("text/plain; charset=utf-8").send("404 page not found\n");
      return send(request, reply, found, "public, max-age=31536000, immutable");
    });
  };
}
