import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const STOREAPI_INDEX = fileURLToPath(new URL("../index.js", import.meta.url));

/** Whether grpc-js is among a fresh process's loaded modules after it runs `then` on the storeapi module. */
function grpcJsLoaded(then: string): boolean {
  const script = `
    import { createRequire } from "node:module";
    const storeapi = await import(${JSON.stringify(STOREAPI_INDEX)});
    ${then}
    const cache = createRequire(import.meta.url).cache;
    console.log(Object.keys(cache).some((k) => k.includes("@grpc/grpc-js")));`;
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim() === "true";
}

test("importing the storeapi module does not load grpc-js; the first client made does", () => {
  assert.equal(grpcJsLoaded(""), false, "loaded by the import alone");
  assert.equal(grpcJsLoaded("new storeapi.GrpcStoreClient('127.0.0.1:1').close();"), true, "not loaded on first use");
});
