/**
 * The runner image cannot be built here (no Docker engine), so its Dockerfile is parsed: the
 * instructions it needs are there, and every path it copies from the build context exists in the
 * repository, or is built by `npm run build:node`, and is not excluded by .dockerignore.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Dockerfile instructions, with `\` continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i])) continue;
      line = `${line.slice(0, -1)} ${lines[i].trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`line ${start + 1}: not an instruction: ${line}`);
    out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 });
  }
  return out;
}

/** A COPY's flags, sources and destination (JSON form or shell form). */
function copyParts(args: string): { flags: string[]; sources: string[]; dest: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}

/** What `npm run build:node` writes: scripts/build-node.mjs bundles into dist/. */
function builtByBuildNode(path: string): boolean {
  const script = readFileSync(join(root, 'scripts', 'build-node.mjs'), 'utf8');
  const outdir = /outdir:\s*'([^']+)'/.exec(script)?.[1];
  return outdir !== undefined && (path === outdir || path === `${outdir}/` || path.startsWith(`${outdir}/`));
}

/** .dockerignore as ordered (negated?, pattern) rules; the last match wins, as Docker does. */
function ignored(path: string): boolean {
  const rules = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const clean = path.replace(/\/+$/, '');
  let out = false;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = (negate ? rule.slice(1) : rule).replace(/\/+$/, '');
    const re = new RegExp(
      `^${pattern
        .split('/')
        .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')}(/.*)?$`,
    );
    if (re.test(clean)) out = !negate;
  }
  return out;
}

describe('Dockerfile of the runner image', () => {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const ins = parseDockerfile(text);
  const ops = (op: string) => ins.filter((i) => i.op === op);

  it('has the instructions a runner image needs', () => {
    for (const op of ['FROM', 'ARG', 'COPY', 'RUN', 'USER', 'ENTRYPOINT', 'WORKDIR']) expect(ops(op).length, op).toBeGreaterThan(0);
    // the base is swappable for a CUDA image, and node:20-bookworm-slim by default
    const baseArg = ins.find((i) => i.op === 'ARG' && i.args.startsWith('BASE_IMAGE='));
    expect(baseArg?.args).toBe('BASE_IMAGE=node:20-bookworm-slim');
    const froms = ops('FROM').map((i) => i.args);
    expect(froms[froms.length - 1]).toBe('${BASE_IMAGE}');
    // ARG before the first FROM is what FROM may use
    expect(baseArg && baseArg.line < ops('FROM')[0].line).toBe(true);
    expect(ops('RUN').some((i) => /npm ci --omit=dev/.test(i.args))).toBe(true);
    expect(JSON.parse(ops('ENTRYPOINT')[0].args)).toEqual(['pipewright']);
  });

  it('runs as a numeric non-root user, set after the last root-only step', () => {
    const users = ops('USER');
    const last = users[users.length - 1];
    const uidArg = ins.find((i) => i.op === 'ARG' && i.args.startsWith('UID='));
    const user = last.args.replaceAll('${UID}', uidArg ? uidArg.args.slice(4) : '');
    expect(user).toMatch(/^[1-9][0-9]*(:[1-9][0-9]*)?$/);
    expect(ops('RUN').every((r) => r.line < last.line)).toBe(true);
  });

  it('copies only paths that exist or that npm run build:node builds, and that .dockerignore lets in', () => {
    const copies = ops('COPY').map((i) => ({ ...copyParts(i.args), line: i.line }));
    const fromContext = copies.filter((c) => !c.flags.some((f) => f.startsWith('--from=')));
    expect(fromContext.length).toBeGreaterThan(0);
    const sources = fromContext.flatMap((c) => c.sources);
    for (const src of sources) {
      expect(existsSync(join(root, src)) || builtByBuildNode(src), `${src} exists or is built`).toBe(true);
      expect(ignored(src), `${src} is not excluded by .dockerignore`).toBe(false);
    }
    for (const needed of ['dist/', 'bin/', 'resources/', 'package.json', 'package-lock.json']) expect(sources).toContain(needed);
    // a multi-stage COPY names a stage that exists
    const stages = ops('FROM').map((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1]).filter(Boolean);
    for (const c of copies) {
      const from = c.flags.find((f) => f.startsWith('--from='));
      if (from) expect(stages).toContain(from.slice('--from='.length));
    }
  });

  it('the ignore matcher itself follows Docker: the last matching rule wins', () => {
    expect(ignored('node_modules')).toBe(true);
    expect(ignored('dist/cli.cjs')).toBe(false);
    expect(ignored('dist/electron/main.cjs')).toBe(true);
    expect(ignored('resources/examples/x.pwproj')).toBe(true);
  });

  it('the CLI that the image runs is the package bin', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.pipewright).toBe('bin/pipewright.cjs');
    expect(text).toContain('/app/bin/pipewright.cjs');
  });
});
