// The frontend as a stage inside an orrery process: api's QueryStage, with the
// engine's own route handler as the downstream.
import type { QueryStage } from "../api/index.js";
import type { QueryFrontend } from "./frontend.js";
import { asksNoStore, tenantOf } from "./http.js";

export function frontendStage(frontend: QueryFrontend): QueryStage {
  return (request, next, signal) =>
    frontend.handle(
      { path: request.path, params: request.params, tenant: tenantOf(request.headers), noStore: asksNoStore(request.headers) },
      (_path, params, s) => next(params, s),
      signal,
    );
}
