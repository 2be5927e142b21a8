/**
 * A small real pipeline for the trigger and watcher tests: `weather` reads the bundled
 * seattle-weather.csv (1,461 days), uncached so every firing does the work again, followed by
 * the caller's nodes and anything after them (`triggers:`).
 */
import { join } from 'node:path';

export const WEATHER_CSV = join(__dirname, '..', '..', 'resources', 'data', 'seattle-weather.csv');

/** `nodes`: further entries under `nodes:`, indented by two spaces, reading `weather.table`. */
export function weatherJob(name: string, nodes: string, tail = ''): string {
  return `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: ${name}
nodes:
  weather:
    type: data.csv
    params:
      path: ${WEATHER_CSV}
    cache: false
${nodes}${tail}`;
}

/** A features.code node on `weather.table` that never returns: only cancelling ends it before its 10-minute limit. */
export const SPIN_NODE = `  spin:
    type: features.code
    inputs:
      table: weather.table
    params:
      code: "(t) => { for (;;) {} }"
      timeoutMs: 600000
`;
