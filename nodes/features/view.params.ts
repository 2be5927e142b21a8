import { z } from 'zod';
import { defineParams } from '../params';
import { DURATION_RE, durationSeconds } from './time-text';

const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

export default defineParams({
  type: 'features.view',
  version: 1,
  params: z.object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'letters, digits and _ only, starting with a letter').describe('view name (features are looked up as name:feature)'),
    entity: names.describe('entity key column(s)'),
    timestamp: z.string().min(1).describe('event timestamp column'),
    createdTimestamp: z.string().min(1).optional().describe('created timestamp column: breaks ties between rows with the same event time'),
    ttl: z.string().regex(DURATION_RE, 'must be a duration such as 30d, 12h, 90m or 45s').optional().describe('how old a feature row may be (s, m, h, d, w); none: no limit'),
    features: z.array(z.string().min(1)).min(1).optional().describe('feature columns (default: every other column)'),
  }).strict(),
  check: (p) => {
    const out: { param: string; message: string }[] = [];
    if (p.ttl !== undefined && DURATION_RE.test(p.ttl) && durationSeconds(p.ttl) === null) out.push({ param: 'ttl', message: 'is too long' });
    const keys = list(p.entity);
    const time = [p.timestamp, ...(p.createdTimestamp ? [p.createdTimestamp] : [])];
    for (const f of p.features ?? []) if (keys.includes(f) || time.includes(f)) out.push({ param: 'features', message: `"${f}" is an entity or time column` });
    if (keys.includes(p.timestamp)) out.push({ param: 'timestamp', message: 'is also an entity column' });
    if (p.createdTimestamp && (p.createdTimestamp === p.timestamp || keys.includes(p.createdTimestamp))) out.push({ param: 'createdTimestamp', message: 'must be another column than entity and timestamp' });
    return out;
  },
});
