/**
 * `npm run bench`: every benchmark in turn, each in its own process (so one's peak RSS is not another's).
 * `npm run bench -- <name> [flags]` runs one benchmark with its flags, e.g. `npm run bench -- package-model --4gib`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['package-model', 'batch-transform'] as const;

const [first, ...rest] = process.argv.slice(2);
const chosen = BENCHMARKS.find((name) => name === first);
if (first !== undefined && chosen === undefined) {
  console.error(`unknown benchmark '${first}' (one of ${BENCHMARKS.join(', ')})`);
  process.exit(2);
}
for (const name of chosen ? [chosen] : BENCHMARKS) {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  console.log(`\n# ${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...(chosen ? rest : [])], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
