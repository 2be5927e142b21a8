import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from './args';
import { HelpRequested, UsageError } from './io';
import { main } from './main';

const OPTS = { project: { type: 'string' }, param: { type: 'string', multiple: true }, json: { type: 'boolean' }, out: { type: 'string', short: 'o' } } as const;
const parse = (argv: string[]) => parseCommandArgs(argv, OPTS, 'usage: x');

describe('parseCommandArgs (every command parses with it)', () => {
  it('reads both value forms, repeats, short aliases, files in order and files after --', () => {
    expect(parse(['a.yaml', '--project', 'p', '--param', 'k=1', '--param=j=2', '-o', 'out', '--json', '--', '-odd.yaml'])).toEqual({
      values: { project: 'p', param: ['k=1', 'j=2'], out: 'out', json: true },
      positionals: ['a.yaml', '-odd.yaml'],
    });
  });

  it('says what is wrong and appends the usage', () => {
    const error = (argv: string[]) => {
      try {
        parse(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(error(['--nope'])).toBe("unknown option '--nope'\nusage: x");
    expect(error(['-z'])).toBe("unknown option '-z'\nusage: x");
    expect(error(['--project'])).toBe('--project needs a value\nusage: x');
    expect(error(['--project='])).toBe('--project needs a value\nusage: x');
    expect(error(['--json=yes'])).toBe('--json takes no value\nusage: x');
    expect(error(['--project', '-x'])).toBe('--project needs a value (write --project=VALUE for a value that starts with -)\nusage: x');
  });

  it('--help and -h ask for the usage (exit 0 on stdout)', async () => {
    expect(() => parse(['--help'])).toThrow(HelpRequested);
    let out = '';
    const code = await main(['validate', '-h'], { stdout: (t) => void (out += t), stderr: () => {}, isTTY: false, cwd: '.' });
    expect([code, out]).toEqual([0, 'usage: pipewright validate FILE... [--json]\n']);
  });
});
