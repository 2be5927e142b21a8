/**
 * The example gallery: the bundled pipelines (resources/examples) with what each is about, and
 * opening one as a copy in the workspace that never replaces user work. A workspace copy or a
 * project pipeline of the same name that differs from the bundled text is the user's: the example
 * then goes under a free name (`iris-2`), in the file and in its `metadata.name`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RpcError } from '../../shared/api/rpc';
import type { ExampleInfo } from '../../shared/api/contract';
import { parsePipelineText } from '../../shared/pipeline';
import type { NodeRegistry } from '../../nodes/registry';

const SUFFIX = '.pipeline.yaml';

interface Bundled {
  file: string;
  text: string;
  info: ExampleInfo;
}

function readBundled(resourcesDir: string, registry: NodeRegistry): Bundled[] {
  const dir = join(resourcesDir, 'examples');
  if (!existsSync(dir)) return [];
  const out: Bundled[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const parsed = parsePipelineText(text);
    const p = parsed.pipeline ?? parsed.partial;
    if (!p) continue;
    const data = new Set<string>();
    for (const n of p.nodes) {
      for (const param of registry.get(n.type)?.readsFiles ?? []) {
        const v = n.params[param];
        if (typeof v === 'string') data.add(basename(v));
      }
    }
    const name = p.metadata.name;
    out.push({
      file,
      text,
      info: {
        name,
        title: name.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase()),
        description: typeof p.metadata.description === 'string' ? p.metadata.description : '',
        nodes: p.nodes.length,
        data: [...data],
      },
    });
  }
  return out;
}

export function listExamples(resourcesDir: string | null, registry: NodeRegistry): ExampleInfo[] {
  return resourcesDir ? readBundled(resourcesDir, registry).map((b) => b.info) : [];
}

/**
 * Where example `name` opens: the workspace copy when it is still the bundled text and the project
 * has no other text under its name (`projectText`: the project's latest version of a pipeline
 * name, null when it has none), else a new copy under the first free name. Never writes over a file.
 */
export function openExample(opts: {
  resourcesDir: string | null;
  workspaceDir: string | null;
  registry: NodeRegistry;
  name: string;
  projectText: (pipeline: string) => string | null;
}): { path: string; name: string; copied: boolean } {
  const { resourcesDir, workspaceDir } = opts;
  if (!resourcesDir || !workspaceDir) throw new RpcError('this app has no bundled examples or no workspace folder', 'unavailable');
  const ex = readBundled(resourcesDir, opts.registry).find((b) => b.info.name === opts.name);
  if (!ex) throw new RpcError(`no bundled example "${opts.name}"`, 'not_found');
  const folder = join(workspaceDir, 'examples');
  mkdirSync(folder, { recursive: true });
  // Examples name their data `../data/x.csv`: the copy goes beside the others, over data/.
  const dataFrom = join(resourcesDir, 'data');
  const dataTo = join(workspaceDir, 'data');
  if (existsSync(dataFrom)) {
    mkdirSync(dataTo, { recursive: true });
    for (const f of ex.info.data) {
      if (existsSync(join(dataFrom, f)) && !existsSync(join(dataTo, f))) writeFileSync(join(dataTo, f), readFileSync(join(dataFrom, f)), { flag: 'wx' });
    }
  }
  const unchanged = (name: string, file: string) => {
    const own = opts.projectText(name);
    return (own === null || own === ex.text) && (!existsSync(file) || readFileSync(file, 'utf8') === ex.text);
  };
  const first = join(folder, ex.file);
  if (unchanged(ex.info.name, first)) {
    const copied = !existsSync(first);
    if (copied) writeFileSync(first, ex.text, { flag: 'wx' });
    return { path: first, name: ex.info.name, copied };
  }
  for (let i = 2; i < 1000; i++) {
    const name = `${ex.info.name}-${i}`;
    const file = join(folder, `${name}${SUFFIX}`);
    if (existsSync(file) || opts.projectText(name) !== null) continue;
    const text = renamed(ex.text, ex.info.name, name);
    writeFileSync(file, text, { flag: 'wx' });
    return { path: file, name, copied: true };
  }
  throw new RpcError(`no free name left for a copy of ${ex.info.name} in ${folder}`, 'refused');
}

/** The example's text with `metadata.name` changed, checked by parsing it back. */
function renamed(text: string, from: string, to: string): string {
  const out = text.replace(/^(metadata:\n(?:[ \t]+.*\n)*?[ \t]+name:[ \t]*)(\S.*)$/m, (_m, head: string) => `${head}${to}`);
  const parsed = parsePipelineText(out);
  if ((parsed.pipeline ?? parsed.partial)?.metadata.name !== to) throw new RpcError(`cannot rename the example ${from}: its metadata.name is not on a line of its own`, 'error');
  return out;
}
