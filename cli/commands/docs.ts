import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../infra/project-root.ts';
import { generatedDocs } from '../docs.ts';
import { parseOptions } from './args.ts';

/** Help of `smwf docs`. */
const docsHelp = `Usage: smwf docs [--check]

Regenerates the committed copies of generated documentation: each state machine's input JSON Schema
under schemas/, its example input under examples/inputs/, and the generated blocks of README.md
(the table of state machines, their diagrams and examples).

Options:
  --check    write nothing; exit 1 and name the stale files if any differ
  -h, --help show this help
`;

/** `smwf docs [--check]`. */
export async function docs(args: string[]): Promise<number> {
  const values = parseOptions(args, { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(docsHelp);
    return 0;
  }
  const stale: string[] = [];
  for (const file of await generatedDocs()) {
    const path = join(projectRoot, file.path);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === file.content) continue;
    stale.push(file.path);
    if (!values.check) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    }
  }
  if (values.check) {
    if (stale.length > 0) console.error(`stale: ${stale.join(', ')} (run 'npx smwf docs')`);
    return stale.length > 0 ? 1 : 0;
  }
  console.log(stale.length > 0 ? `updated ${stale.join(', ')}` : 'up to date');
  return 0;
}
