// Tenants as Thanos and Mimir name them: which tenant a request is for (one resolver, used by
// the API, the results cache key and the remote_write receiver), and the store view that lets a
// tenant's request read only series carrying its tenant label.
import type { EstimateOptions, LabelNamesRequest, LabelValuesRequest, Matcher, SeriesRequest, Store } from "../storeapi/index.js";

export interface TenancyConfig {
  /** The request header naming the tenant (Thanos's THANOS-TENANT by default). */
  readonly header: string;
  /** The tenant of a request that names none. */
  readonly defaultTenant: string;
  /** The series label that carries the tenant. */
  readonly labelName: string;
  /** Whether every read is limited to the request's tenant. */
  readonly enforce: boolean;
}

export const DEFAULT_TENANCY: TenancyConfig = { header: "THANOS-TENANT", defaultTenant: "default-tenant", labelName: "tenant_id", enforce: false };

/** Mimir's and Cortex's tenant header, accepted beside the configured one. */
const MIMIR_TENANT_HEADER = "x-scope-orgid";

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The request's tenant: the configured header, else X-Scope-OrgID, else the default tenant. */
export function tenantOf(headers: Headers, tenancy: TenancyConfig = DEFAULT_TENANCY): string {
  for (const name of [tenancy.header.toLowerCase(), MIMIR_TENANT_HEADER]) {
    const h = headers[name];
    const value = (Array.isArray(h) ? h.join(",") : (h ?? "")).trim();
    if (value !== "") return value;
  }
  return tenancy.defaultTenant;
}

/** `matchers` and the tenant's own: a query's matcher on the tenant label is ANDed with it, never replaces it. */
export function withTenantMatcher(matchers: readonly Matcher[], labelName: string, tenant: string): Matcher[] {
  return [{ name: labelName, op: "=", value: tenant }, ...matchers];
}

/** `store` as the tenant sees it: every request carries the tenant's matcher. */
export function tenantStore(store: Store, labelName: string, tenant: string): Store {
  const scoped = <R extends SeriesRequest | LabelNamesRequest | LabelValuesRequest>(request: R): R => ({ ...request, matchers: withTenantMatcher(request.matchers, labelName, tenant) });
  return {
    info: () => store.info(),
    series: (request, signal) => store.series(scoped(request), signal),
    labelNames: (request, signal) => store.labelNames(scoped(request), signal),
    labelValues: (request, signal) => store.labelValues(scoped(request), signal),
    // Without an estimate of its own, the store is estimated through `series` above, scoped too.
    ...(store.estimate === undefined ? {} : { estimate: (request: SeriesRequest, signal?: AbortSignal, options?: EstimateOptions) => store.estimate!(scoped(request), signal, options) }),
  };
}
