/**
 * Compiles Solidity files from contracts/ with the npm `solc` (soljson) compiler,
 * through its standard JSON interface: optimizer on, evmVersion prague.
 *
 * The output is cached under `.data/artifacts/` keyed by a hash of every source involved, the solc
 * version and the settings, so repeated test runs skip the compiler (and do not even load it).
 *
 * Imports resolve within the compiled file's directory: the file is the source unit `Name.sol`,
 * and `import {X} from "./Types.sol";` (or `"Types.sol"`) in it names the unit `Types.sol`, read
 * from that same directory. A self-contained file therefore compiles with
 * exactly the input (and bytecode, metadata hash included) it had before imports were supported.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';
import type { Abi, Hex } from 'viem';
import { projectRoot } from './process.ts';

export interface CompiledContract {
  abi: Abi;
  /** Creation code, 0x-prefixed. */
  bytecode: Hex;
  /** Runtime code, 0x-prefixed. */
  deployedBytecode: Hex;
}

export type CompiledFile = Record<string, CompiledContract>;

export interface CompileOptions {
  evmVersion?: string;
  optimizerRuns?: number;
  /** Skip the cache under .data/artifacts (neither read nor written). */
  noCache?: boolean;
}

interface SolcError {
  severity: 'error' | 'warning' | 'info';
  type: string;
  formattedMessage?: string;
  message: string;
}

interface SolcOutput {
  errors?: SolcError[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

interface Solc {
  version(): string;
  compile(input: string, callbacks?: { import: (path: string) => { contents: string } | { error: string } }): string;
}

export const contractsDir = join(projectRoot, 'contracts');
export const artifactsDir = join(projectRoot, '.data', 'artifacts');

const require = createRequire(import.meta.url);

/** The npm solc version, read from its package.json so a cache hit does not load the compiler. */
export function solcVersion(): string {
  return (require('solc/package.json') as { version: string }).version;
}

let solcInstance: Solc | undefined;
function loadSolc(): Solc {
  solcInstance ??= require('solc') as Solc;
  return solcInstance;
}

/** Resolves a name like `Token.sol` (relative to contracts/) or an absolute path. */
export function contractPath(file: string): string {
  return isAbsolute(file) ? file : join(contractsDir, file);
}

/** Import paths named by `import "...";` / `import ... from "...";` statements (comments stripped). */
function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  return [...code.matchAll(/\bimport\s+(?:[^'";]*?\bfrom\s+)?["']([^"']+)["']/g)].map((m) => m[1]);
}

/** solc's source unit name for `path` imported from unit `from`: relative paths resolve against the importer's directory. */
function resolveImport(from: string, path: string): string {
  return path.startsWith('./') || path.startsWith('../') ? posix.normalize(posix.join(posix.dirname(from), path)) : posix.normalize(path);
}

/** Every source unit `sourceName` needs (itself first), read from `baseDir`, following imports. */
function collectSources(baseDir: string, sourceName: string): Record<string, { content: string }> {
  const sources: Record<string, { content: string }> = {};
  const pending = [sourceName];
  while (pending.length > 0) {
    const unit = pending.pop()!;
    if (sources[unit]) continue;
    let content: string;
    try {
      content = readFileSync(join(baseDir, unit), 'utf8');
    } catch (e) {
      throw new Error(`cannot read Solidity source ${unit} (imports resolve within ${baseDir}): ${(e as Error).message}`);
    }
    sources[unit] = { content };
    for (const imported of importsOf(content)) pending.push(resolveImport(unit, imported));
  }
  return sources;
}

/** Compiles every contract of one .sol file; returns { [contractName]: { abi, bytecode, deployedBytecode } }. */
export function compileFile(file: string, opts: CompileOptions = {}): CompiledFile {
  const path = contractPath(file);
  const baseDir = dirname(path);
  const sourceName = basename(path);
  const sources = collectSources(baseDir, sourceName);
  const settings = {
    optimizer: { enabled: true, runs: opts.optimizerRuns ?? 200 },
    evmVersion: opts.evmVersion ?? 'prague',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  };
  // A self-contained file keeps the key it had before imports were resolved (same cache entry).
  const others = Object.keys(sources)
    .filter((unit) => unit !== sourceName)
    .sort()
    .map((unit) => [unit, sources[unit].content]);
  const keyed = { solc: solcVersion(), sourceName, source: sources[sourceName].content, settings, ...(others.length > 0 ? { imports: others } : {}) };
  const key = createHash('sha256').update(JSON.stringify(keyed)).digest('hex').slice(0, 16);
  const cacheFile = join(artifactsDir, `${sourceName.replace(/\.sol$/, '')}-${key}.json`);

  if (!opts.noCache) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as CompiledFile;
    } catch {
      // not cached yet (or unreadable): compile below
    }
  }

  // Every import was read above; the callback only catches one the scan missed, and then the
  // result is not cached, since its key would not cover that source.
  let missed = false;
  const findImports = (unit: string) => {
    missed = true;
    try {
      return { contents: readFileSync(join(baseDir, unit), 'utf8') };
    } catch {
      return { error: `not found: ${unit} (imports resolve within ${baseDir})` };
    }
  };
  const input = { language: 'Solidity', sources, settings };
  const output = JSON.parse(loadSolc().compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    const text = errors.map((e) => e.formattedMessage ?? `${e.type}: ${e.message}`).join('\n');
    throw new Error(`solc ${solcVersion()} failed to compile ${path}:\n${text}`);
  }

  const result: CompiledFile = {};
  for (const [name, c] of Object.entries(output.contracts?.[sourceName] ?? {})) {
    result[name] = {
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
  }
  if (Object.keys(result).length === 0) throw new Error(`solc produced no contracts for ${path}`);

  if (!opts.noCache && !missed) {
    mkdirSync(artifactsDir, { recursive: true });
    // Write then rename, so a concurrent reader never sees a half-written file.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(result));
    renameSync(tmp, cacheFile);
  }
  return result;
}

/** Compiles `file` and returns the contract called `name` (defaults to the file's base name). */
export function compileContract(file: string, name?: string, opts: CompileOptions = {}): CompiledContract {
  const contracts = compileFile(file, opts);
  const wanted = name ?? basename(file).replace(/\.sol$/, '');
  const found = contracts[wanted];
  if (!found) throw new Error(`no contract ${wanted} in ${file}; found ${Object.keys(contracts).join(', ')}`);
  return found;
}
