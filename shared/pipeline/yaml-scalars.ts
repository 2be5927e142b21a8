/**
 * How one scalar is written so that YAML 1.2 readers (the `yaml` package, GitHub) and YAML 1.1
 * readers (PyYAML) all read back the same value. A string is plain unless some reader would take
 * it for something else; then it is double-quoted.
 */

/** Words some reader (YAML 1.1 or 1.2) resolves to null, a boolean, or a special key. */
const SPECIAL_WORDS = new Set([
  '', '~', 'null', 'Null', 'NULL',
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF',
  'y', 'Y', 'n', 'N',
  '<<', '=',
]);

/** ±.inf and .nan in every spelling a reader accepts. */
const INF_NAN_RE = /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/;

/**
 * Number-like text: a sign, then a digit (or a dot and a digit), then only characters that
 * appear in ints, floats, sexagesimals (`12:30`), hex/octal/binary literals and timestamps.
 * Deliberately broad: it may quote a harmless string ("3 apples"), never miss a number.
 */
const NUMBERISH_RE = /^[-+]?\.?[0-9][0-9A-Za-z_.:+\- \t]*$/;

/**
 * Float spellings of YAML 1.1 readers that NUMBERISH_RE does not cover because they start with
 * a letter or hold no digit at all: `e0`, `E5`, `.`, `-.`, `._` (the `yaml` package's 1.1 schema
 * and PyYAML's resolver).
 */
const FLOAT_11_RES = [/^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/, /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/, /^[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?$/];

/** Characters that are written escaped inside double quotes (and so never plain). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE_RE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
const FIRST_CHAR_INDICATORS = new Set([...'?:,[]{}#&*!|>\'"%@`']);

export type ScalarContext = 'block' | 'flow' | 'key';

/** Can `s` be written as a plain scalar in this context and read back as the same string everywhere? */
export function isPlainSafe(s: string, ctx: ScalarContext = 'block'): boolean {
  if (SPECIAL_WORDS.has(s) || INF_NAN_RE.test(s) || NUMBERISH_RE.test(s) || FLOAT_11_RES.some((re) => re.test(s))) return false;
  if (/^[\s]|[\s]$/.test(s)) return false;
  if (/[\n\r\t]/.test(s) || NEEDS_ESCAPE_RE.test(s)) return false;
  const c0 = s[0];
  if (FIRST_CHAR_INDICATORS.has(c0)) return false;
  if (c0 === '-' && (s.length === 1 || s[1] === ' ' || s.startsWith('---'))) return false;
  if (s.startsWith('...')) return false;
  if (s.includes(': ') || s.includes(' #') || s.endsWith(':')) return false;
  // In flow context PyYAML also stops at any `?` (`[a?b]` fails to parse there).
  if (ctx !== 'block' && /[,[\]{}:#?]/.test(s)) return false;
  // Implicit keys are limited to 1024 characters; quoting keeps long keys readable as keys.
  if (ctx === 'key' && s.length > 200) return false;
  return true;
}

function hex(c: number, width: number): string {
  return c.toString(16).toUpperCase().padStart(width, '0');
}

/** A YAML double-quoted scalar that YAML 1.1 and 1.2 readers decode identically. */
export function doubleQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${hex(c, 2)}`;
    else if (c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0xfffe || c === 0xffff || (c >= 0xd800 && c <= 0xdfff)) {
      const next = s.charCodeAt(i + 1);
      if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += ch + s[i + 1]; // a well-formed pair is an ordinary character
        i++;
      } else out += `\\u${hex(c, 4)}`;
    } else out += ch;
  }
  return out + '"';
}

/** A string scalar on one line: plain when safe, else double-quoted. */
export function inlineString(s: string, ctx: ScalarContext = 'block'): string {
  return isPlainSafe(s, ctx) ? s : doubleQuoted(s);
}

/**
 * A number both YAML 1.1 and 1.2 readers read as that number. PyYAML needs a dot in a float
 * with an exponent (`1.0e-7`, not `1e-7`).
 */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  const e = s.indexOf('e');
  if (e >= 0 && !s.slice(0, e).includes('.')) return `${s.slice(0, e)}.0${s.slice(e)}`;
  return s;
}

/**
 * Whether a multi-line string reads back exactly from a literal block (`|-` or `|`), written
 * with its lines indented: no characters that need escapes, no leading blank on the first line,
 * no trailing blanks, at most one final newline.
 */
export function literalBlockHeader(s: string): '|-' | '|' | null {
  if (!s.includes('\n')) return null;
  if (/\r/.test(s) || NEEDS_ESCAPE_RE.test(s)) return null;
  let body = s;
  let header: '|-' | '|' = '|-';
  if (s.endsWith('\n')) {
    body = s.slice(0, -1);
    header = '|';
    if (body.endsWith('\n') || body === '') return null;
  }
  const lines = body.split('\n');
  if (lines[0] === '' || /^[ \t]/.test(lines[0])) return null;
  if (lines.some((l) => /[ \t]$/.test(l))) return null;
  return header;
}
