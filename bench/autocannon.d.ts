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
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
