// The part of autocannon's API bench/serve-load.ts uses (the package ships no types).
declare module "autocannon" {
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    connections?: number;
    duration?: number;
    timeout?: number;
  }
  interface Result {
    "2xx": number;
    non2xx: number;
    errors: number;
    timeouts: number;
    latency: { p50: number; p99: number; average: number };
  }
  /** A running load test: its events (e.g. "response": client, status, bytes, ms) and its result. */
  interface Instance extends PromiseLike<Result> {
    on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): Instance;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
