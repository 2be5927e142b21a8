/**
 * The one argument parser of every command (node:util parseArgs, strict): `--opt value`,
 * `--opt=value`, short aliases, repeated options, `--` before a file that starts with `-`.
 * Every problem is a UsageError (exit code 2) whose message names the option, then the usage.
 */
import { parseArgs } from 'node:util';
import { HelpRequested, UsageError } from './io';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** may be given more than once; the values come back as a list */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed value of each option: a string (list when `multiple`) or a boolean; absent when not given. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
};

export interface CommandArgs<O extends OptionSpecs> {
  values: OptionValues<O>;
  /** files and other plain arguments, in order */
  positionals: string[];
}

function optionName(argv: readonly string[], message: string): string {
  const quoted = /'(-{1,2}[^'\s,]+)/.exec(message)?.[1];
  if (quoted) return quoted;
  return argv.find((a) => a.startsWith('-') && a !== '-') ?? 'option';
}

/**
 * Parses `argv` against `options`. `usage` is appended to every error message. A string option
 * needs a non-empty value; an unknown option, a value given to a boolean option, or a missing
 * value is a UsageError. `--help` / `-h` throws HelpRequested (main prints the usage, exit 0).
 */
export function parseCommandArgs<O extends OptionSpecs>(argv: readonly string[], options: O, usage: string): CommandArgs<O> {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as OptionSpecs;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = optionName(argv, err.message);
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const arg = /'([^']+)'/.exec(err.message)?.[1] ?? name;
      throw new UsageError(`unknown option '${arg}'\n${usage}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const long = /--([A-Za-z][\w-]*)/.exec(err.message)?.[0] ?? name;
      const spec = all[long.replace(/^--/, '')];
      if (spec?.type === 'boolean') throw new UsageError(`${long} takes no value\n${usage}`);
      const dash = /ambiguous/.test(err.message) ? ` (write ${long}=VALUE for a value that starts with -)` : '';
      throw new UsageError(`${long} needs a value${dash}\n${usage}`);
    }
    throw new UsageError(`${err.message}\n${usage}`);
  }
  for (const [key, spec] of Object.entries(options)) {
    const v = parsed.values[key];
    if (spec.type !== 'string' || v === undefined) continue;
    for (const s of Array.isArray(v) ? v : [v]) if (s === '') throw new UsageError(`--${key} needs a value\n${usage}`);
  }
  const { help, ...values } = parsed.values;
  if (help === true) throw new HelpRequested(usage);
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}
