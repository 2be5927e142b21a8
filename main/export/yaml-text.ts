/**
 * YAML text for files that other tools read: Kubernetes (YAML 1.1 via go-yaml), GitHub Actions,
 * PyYAML. A string that a YAML 1.1 or 1.2 reader would take for something else (`on`, `yes`,
 * `0777`, `12:30`, `1.10`) is double-quoted, so every reader gets the same values.
 */
import YAML, { isScalar, type Scalar } from 'yaml';

/** True when a YAML 1.1 reader would read the plain scalar `s` as something other than `s`. */
export function misreadByYaml11(s: string): boolean {
  if (s === '' || s.includes('\n')) return false;
  try {
    return YAML.parse(s, { version: '1.1', logLevel: 'silent' }) !== s;
  } catch {
    return true;
  }
}

/**
 * Serialises a JSON-safe value: block style, two-space indentation, multi-line strings as
 * literal blocks, no line folding, and an optional `# comment` header.
 */
export function toYamlText(value: unknown, header?: string): string {
  const doc = new YAML.Document(value, { version: '1.2', aliasDuplicateObjects: false });
  YAML.visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value !== 'string') return;
      if (node.value.includes('\n')) node.type = 'BLOCK_LITERAL';
      else if (misreadByYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && misreadByYaml11(pair.key.value)) pair.key.type = 'QUOTE_DOUBLE';
    },
  });
  if (header) doc.commentBefore = header.split('\n').map((l) => (l ? ` ${l}` : '')).join('\n');
  return doc.toString({ indent: 2, indentSeq: true, lineWidth: 0, blockQuote: 'literal', nullStr: 'null' });
}
