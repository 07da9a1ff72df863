/**
 * The site's CLI page reads the command registry in-process: the commands, their arguments and
 * options are those `nfwalk --help` and `nfwalk COMMAND --help` print.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { cliCommands } from '../../src/site/cli.ts';
import { capture } from '../support/io.ts';

async function help(...argv: string[]): Promise<string> {
  const io = capture();
  expect(await run([...argv, '--help'], io)).toBe(0);
  return io.stdout;
}

describe('the CLI page', () => {
  it('lists the commands nfwalk --help lists, in its order', async () => {
    const listed = (await help())
      .split(/^Commands:\n/m)[1]!
      .split('\n')
      .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined && n !== 'help');
    expect(cliCommands().map((c) => c.name)).toEqual(listed);
  });

  it("gives each command's usage, arguments and options as its own --help does", async () => {
    for (const c of cliCommands()) {
      const text = await help(c.name);
      expect(text, c.name).toContain(`Usage: ${c.usage}\n`);
      // Help text is wrapped to the terminal: compare with white space run together.
      const flat = text.replace(/\s+/g, ' ');
      for (const a of c.arguments) expect(flat).toContain(` ${a.name} ${a.description} `);
      for (const o of c.options) expect(flat).toContain(` ${o.flags} ${o.description} `);
      expect(c.options.length + c.arguments.length, c.name).toBeGreaterThan(0);
    }
  });

  it('carries the choices and defaults of an option', () => {
    const explain = cliCommands().find((c) => c.name === 'explain');
    expect(explain?.arguments).toEqual([
      { name: 'scenario', required: true, description: 'the scenario YAML file' },
    ]);
    expect(explain?.options.find((o) => o.flags === '--format <format>')?.description).toBe(
      'md: GFM Markdown; mdx: the site body; html: one self-contained HTML file (choices: "md", "mdx", "html", default: "md")',
    );
  });
});
