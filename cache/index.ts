// The query frontend and its results cache: range queries step-aligned, split
// by interval and answered from cached extents (in-process LRU or Redis), the
// rest fetched downstream — in `orrery start` as a stage before the engine
// (api's QueryStage) and in `orrery frontend` in front of any Prometheus API.
export { QueryFrontend, type FrontendOptions, type FrontendRequest, type StageResponse, type Downstream } from "./frontend.js";
export { startRedisServer, hasRedis, REDIS_BIN, type RunningRedis, type RedisServerOptions, type RedisServerTls } from "./redis_server.js";
export { RedisBackend, hostPort as redisHostPort, type RedisBackendOptions, type RedisTlsOptions } from "./redis.js";
export { InMemoryBackend, type CacheBackend, type InMemoryOptions } from "./backend.js";
export { buildFrontendServer, httpDownstream, tenantOf, asksNoStore, type FrontendServerOptions } from "./http.js";
export { frontendStage } from "./stage.js";
export { queryShape, type QueryShape } from "./query.js";
export { alignToStep, splitByInterval, type RangePiece } from "./split.js";
export { createFrontendMetrics, type FrontendMetrics } from "./metrics.js";
