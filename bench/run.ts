// npm run bench [-- NAME...]: runs every benchmark in bench/ (or the named ones) in turn.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url).pathname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'lib.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? all.filter((b) => wanted.includes(b)) : all;
if (chosen.length === 0) {
  console.error(`bench: nothing matches ${wanted.join(' ')}; have ${all.join(', ')}`);
  process.exit(1);
}
for (const bench of chosen) {
  console.log(`\n=== bench/${bench}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `${dir}${bench}.ts`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
