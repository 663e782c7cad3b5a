/**
 * The server's counters in Prometheus's text exposition format (version 0.0.4):
 *
 *   ghostnet_requests_total{route,status}        counter: answered requests
 *   ghostnet_request_duration_seconds{route}     histogram: arrival → response ready
 *   ghostnet_batch_size                          histogram: images per model run
 *   ghostnet_images_total                        counter: images classified
 *   ghostnet_images_per_second                   gauge: images over the last `rateWindowMs`
 *   ghostnet_queue_depth                         gauge: requests admitted, not yet answered
 *   ghostnet_queue_limit                         gauge: the admission limit (503 beyond)
 *
 * A histogram keeps, per label set, a count per bucket (`le` = "less than or equal"),
 * exposed cumulatively as Prometheus expects, plus `_sum` and `_count`.
 */

/** Request-duration buckets in seconds: 5 ms … 30 s. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Batch-size buckets: powers of two up to 64. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64];

/** One histogram's counts for one label set. */
class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    // Counted in the first bucket that holds it; cumulated when written out.
    const bucket = this.bounds.findIndex((bound) => value <= bound);
    if (bucket !== -1) this.counts[bucket]!++;
  }
}

/** Escapes a label value for the text format (backslash, quote, line break). */
function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  const entries = Object.entries(pairs);
  return entries.length === 0 ? "" : `{${entries.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;
}

/** A number as Prometheus writes it (`+Inf`, integers without a fraction). */
function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

/** The server's counters and histograms, rendered in Prometheus's text format (see the file comment). */
/** The serving counters (requests, durations, batches, images) and their Prometheus text. */
export class ServerMetrics {
  private readonly requests = new Map<string, { route: string; status: string; count: number }>();
  private readonly durations = new Map<string, HistogramSeries>();
  private readonly batches = new HistogramSeries(BATCH_BUCKETS);
  private imagesTotal = 0;
  /** (time, images) of recent model runs, for the images-per-second gauge. */
  private readonly recentRuns: { at: number; images: number }[] = [];

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** The window the images-per-second gauge averages over. */
    readonly rateWindowMs = 10_000,
  ) {}

  /** One answered request: its route (the path, or "other"), status and duration. */
  recordRequest(route: string, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    const entry = this.requests.get(key) ?? { route, status: String(status), count: 0 };
    entry.count++;
    this.requests.set(key, entry);
    let series = this.durations.get(route);
    if (series === undefined) this.durations.set(route, (series = new HistogramSeries(DURATION_BUCKETS)));
    series.observe(seconds);
  }

  /** One model run over `size` images. */
  recordBatch(size: number, images = size): void {
    this.batches.observe(size);
    this.imagesTotal += images;
    this.recentRuns.push({ at: this.now(), images });
    this.forgetOldRuns();
  }

  /** Images per second over the last window (0 when nothing ran). */
  imagesPerSecond(): number {
    this.forgetOldRuns();
    const images = this.recentRuns.reduce((sum, run) => sum + run.images, 0);
    return images / (this.rateWindowMs / 1000);
  }

  /** Requests answered with `status` on `route` (for tests and /readyz-style checks). */
  requestCount(route: string, status: number): number {
    return this.requests.get(`${route} ${status}`)?.count ?? 0;
  }

  private forgetOldRuns(): void {
    const oldest = this.now() - this.rateWindowMs;
    while (this.recentRuns.length > 0 && this.recentRuns[0]!.at < oldest) this.recentRuns.shift();
  }

  /** Everything in Prometheus's text format; `gauges` are the caller's live values. */
  render(gauges: { queueDepth: number; queueLimit: number }): string {
    const lines: string[] = [];
    lines.push("# HELP ghostnet_requests_total Requests answered, by route and HTTP status.");
    lines.push("# TYPE ghostnet_requests_total counter");
    for (const { route, status, count } of this.requests.values()) {
      lines.push(`ghostnet_requests_total${labels({ route, status })} ${count}`);
    }
    lines.push("# HELP ghostnet_request_duration_seconds Time from a request's arrival to its response, by route.");
    lines.push("# TYPE ghostnet_request_duration_seconds histogram");
    for (const [route, series] of this.durations) writeHistogram(lines, "ghostnet_request_duration_seconds", series, { route });
    lines.push("# HELP ghostnet_batch_size Images per model run.");
    lines.push("# TYPE ghostnet_batch_size histogram");
    writeHistogram(lines, "ghostnet_batch_size", this.batches, {});
    lines.push("# HELP ghostnet_images_total Images run through the model.");
    lines.push("# TYPE ghostnet_images_total counter");
    lines.push(`ghostnet_images_total ${this.imagesTotal}`);
    lines.push(`# HELP ghostnet_images_per_second Images run through the model per second, averaged over the last ${this.rateWindowMs / 1000} s.`);
    lines.push("# TYPE ghostnet_images_per_second gauge");
    lines.push(`ghostnet_images_per_second ${formatNumber(this.imagesPerSecond())}`);
    lines.push("# HELP ghostnet_queue_depth Requests admitted and not yet answered.");
    lines.push("# TYPE ghostnet_queue_depth gauge");
    lines.push(`ghostnet_queue_depth ${gauges.queueDepth}`);
    lines.push("# HELP ghostnet_queue_limit Requests that may be admitted at once (503 beyond).");
    lines.push("# TYPE ghostnet_queue_limit gauge");
    lines.push(`ghostnet_queue_limit ${gauges.queueLimit}`);
    return `${lines.join("\n")}\n`;
  }
}

/** `name_bucket{…,le="…"}` lines (cumulative), then `name_sum` and `name_count`. */
function writeHistogram(lines: string[], name: string, series: HistogramSeries, pairs: Record<string, string>): void {
  let cumulative = 0;
  series.bounds.forEach((bound, i) => {
    cumulative += series.counts[i]!;
    lines.push(`${name}_bucket${labels({ ...pairs, le: formatNumber(bound) })} ${cumulative}`);
  });
  lines.push(`${name}_bucket${labels({ ...pairs, le: "+Inf" })} ${series.count}`);
  lines.push(`${name}_sum${labels(pairs)} ${formatNumber(series.sum)}`);
  lines.push(`${name}_count${labels(pairs)} ${series.count}`);
}
