// orrery's Prometheus-compatible HTTP API (/api/v1/*, /-/healthy, /-/ready,
// /metrics, remote_write), built on fastify, and the self-scrape that feeds a
// process's own metrics into its head.
export { buildApi, buildWriteApi, type WriteApiDeps } from "./server.js";
export { loadWebConfig, parseWebConfig, WebConfigError, type ClientAuthType, type TlsServerSettings, type WebConfig } from "./webconfig.js";
export { DEFAULT_TENANCY, tenantOf, tenantStore, withTenantMatcher, type TenancyConfig } from "./tenancy.js";
export { BasicAuthVerifier, basicCredentials, LiveWebConfig, type WebConfigDeps } from "./webserver.js";
export { filterGroups, type ApiAlert, type ApiRule, type ApiRuleGroup, type RulesSource } from "./rules.js";
export { RuleConfigError, ruleConfigRoutes, type RuleConfigSource } from "./rules_config.js";
export type {
  ApiDeps,
  BuildInfo,
  Exemplar,
  ExemplarQuerier,
  ExemplarSeries,
  MetadataQuerier,
  MetricMetadata,
  QueryStage,
  RemoteWriteHandler,
  StageAnswer,
  StoreEndpointStatus,
  TextAnswer,
  NamedStore,
} from "./context.js";
export { ApiError, parseDuration, parseTime, type StoreViewOptions } from "./params.js";
export { formatFloatF, formatSampleTime, formatSampleValue, formatScalarTime, jsonString } from "./format.js";
export { encodeQueryResponse, errorJson, formatAnnotation, labelsJson, queryResponseText, stringArrayJson, successJson } from "./encode.js";
export { QueryGate } from "./gate.js";
export { MAX_POINTS_PER_SERIES } from "./query.js";
export { astToJson } from "./ast_json.js";
export { parseExposition, SelfScraper, withTargetLabels } from "./selfscrape.js";
export type { ScrapedSample, SelfScrapeOptions, Exposition } from "./selfscrape.js";
// Per-tenant limits (Mimir-like overrides file, reloaded): ingestion rate and series, query concurrency, series, samples, length, response size.
export { TenantLimiter, parseLimitsOverrides, LimitsConfigError, UNLIMITED, LIMIT_KEYS, type TenantLimits, type TenantLimiterOptions, type IngestionRefusal } from "./limits.js";
