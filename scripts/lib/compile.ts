/**
 * Compiles self-contained Solidity files from contracts/ with the npm `solc` (soljson) compiler,
 * through its standard JSON interface: optimizer on, evmVersion prague.
 *
 * The output is cached under `.data/artifacts/` keyed by a hash of the source, the solc version
 * and the settings, so repeated test runs skip the compiler (and do not even load it).
 * Imports are not resolved: a file must be self-contained.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, isAbsolute, join } from 'node:path';
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
  compile(input: string): string;
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

/** Compiles every contract of one .sol file; returns { [contractName]: { abi, bytecode, deployedBytecode } }. */
export function compileFile(file: string, opts: CompileOptions = {}): CompiledFile {
  const path = contractPath(file);
  const source = readFileSync(path, 'utf8');
  const sourceName = basename(path);
  const settings = {
    optimizer: { enabled: true, runs: opts.optimizerRuns ?? 200 },
    evmVersion: opts.evmVersion ?? 'prague',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  };
  const key = createHash('sha256')
    .update(JSON.stringify({ solc: solcVersion(), sourceName, source, settings }))
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(artifactsDir, `${sourceName.replace(/\.sol$/, '')}-${key}.json`);

  if (!opts.noCache) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as CompiledFile;
    } catch {
      // not cached yet (or unreadable): compile below
    }
  }

  const input = { language: 'Solidity', sources: { [sourceName]: { content: source } }, settings };
  const output = JSON.parse(loadSolc().compile(JSON.stringify(input))) as SolcOutput;
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

  if (!opts.noCache) {
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
