/** The part of autocannon (no types of its own) that serve-load.ts uses. */
declare module 'autocannon' {
  interface Result {
    errors: number;
    timeouts: number;
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    amount?: number;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
