// The HTTP API as the pages read it: JSON bodies, Prometheus's error shape turned into an Error.

export interface ApiAnswer<T> {
  data: T;
  warnings: string[];
}

export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly errorType: string,
  ) {
    super(message);
  }
}

export async function apiGet<T>(path: string, params: Record<string, string | string[]> = {}, signal?: AbortSignal): Promise<ApiAnswer<T>> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  const url = q.size === 0 ? path : `${path}?${q}`;
  const res = await fetch(url, { signal });
  const text = await res.text();
  performance.mark("orrery:body");
  let body: { status?: string; data?: T; error?: string; errorType?: string; warnings?: string[] };
  try {
    body = JSON.parse(text) as typeof body;
    performance.mark("orrery:parsed");
  } catch {
    throw new ApiFailure(`${path}: HTTP ${res.status}: ${text.slice(0, 200)}`, "http");
  }
  if (body.status !== "success") throw new ApiFailure(body.error ?? `HTTP ${res.status}`, body.errorType ?? "http");
  return { data: body.data as T, warnings: body.warnings ?? [] };
}

export interface SeriesMatrix {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface SeriesSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A range query's series in orrery's grid layout (`layout=grid`): values on the step grid, null where missing. */
export interface GridSeries {
  metric: Record<string, string>;
  values: (number | string | null)[];
}

export type QueryData =
  | { resultType: "matrix"; result: SeriesMatrix[] }
  | { resultType: "vector"; result: SeriesSample[] }
  | { resultType: "scalar" | "string"; result: [number, string] };

/** A range query's answer: the grid layout when the server speaks it, else Prometheus's. */
export type RangeData = { resultType: "matrix"; layout: "grid"; start: number; step: number; result: GridSeries[] } | (QueryData & { layout?: undefined });
