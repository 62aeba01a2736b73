// The work of scripts/bin/solc: npm solc's standard JSON interface behind solc's command line.
// Plain JavaScript so that any Node runs it, whichever forge finds first on the PATH.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';

const solc = createRequire(import.meta.url)('solc');
const args = process.argv.slice(2);

if (args.includes('--version')) {
  // solc's own format: forge reads the version from the `Version:` line.
  console.log(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}`);
} else if (args.includes('--standard-json')) {
  // forge passes the sources inline and allows reading under these roots for imports it did not inline.
  const roots = [];
  for (let i = 0; i < args.length; i++) {
    if (['--base-path', '--include-path', '--allow-paths'].includes(args[i]) && args[i + 1]) roots.push(...args[++i].split(','));
  }
  const findImports = (path) => {
    for (const root of isAbsolute(path) ? [''] : [...roots, process.cwd()]) {
      try {
        return { contents: readFileSync(resolve(root, path), 'utf8') };
      } catch {}
    }
    return { error: `file not found: ${path}` };
  };
  process.stdout.write(solc.compile(readFileSync(0, 'utf8'), { import: findImports }));
} else {
  console.error('this solc wrapper answers only --version and --standard-json');
  process.exit(1);
}
