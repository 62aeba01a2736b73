/**
 * The architecture as the folder layout promises it, checked on the import graph of the runtime
 * code (core/, workers/, durable-objects/, migrations/), parsed with the TypeScript compiler:
 * - core/ is runtime-free: it imports nothing from workers/, durable-objects/ or `cloudflare:*`, and
 *   does no network I/O of its own (no viem transport, no fetch, no WebSocket);
 * - workers/ and durable-objects/ do not import each other in a circle: the only module of workers/
 *   that names durable-objects/ is the bindings module (workers/env.ts, by type only) and the entry
 *   point (workers/index.ts, which exports the classes), and no cycle of value imports exists;
 * - the public edge (workers/rpc/) reaches the sequencer only through `publicSequencer`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const FOLDERS = ['core', 'workers', 'durable-objects', 'migrations'];

interface Import {
  from: string;
  /** A project file (relative to the root) or a bare specifier. */
  to: string;
  typeOnly: boolean;
  names: string[];
}

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return files(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest);
  const out: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, names: string[]) => {
    const to = specifier.startsWith('.') ? relative(root, resolve(root, dirname(file), specifier)) : specifier;
    out.push({ from: file, to, typeOnly, names });
  };
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) {
      const clause = s.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(s.moduleSpecifier.text, typeOnly, named?.map((e) => e.name.text) ?? []);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      add(s.moduleSpecifier.text, s.isTypeOnly, []);
    }
  }
  return out;
}

const all = FOLDERS.flatMap(files);
const imports = all.flatMap(importsOf);
const under = (folder: string) => (path: string) => path === folder || path.startsWith(`${folder}/`);

/** Cycles of value imports (Tarjan's strongly connected components of more than one module, or a self-import). */
function valueCycles(): string[][] {
  const edges = new Map<string, string[]>(all.map((f) => [f, []]));
  for (const i of imports) if (!i.typeOnly && edges.has(i.to)) edges.get(i.from)?.push(i.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (;;) {
        const w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1 || edges.get(v)?.includes(v)) cycles.push(component.sort());
    }
  };
  for (const f of all) if (!index.has(f)) visit(f);
  return cycles;
}

describe('architecture', () => {
  it('parses the imports of every runtime module', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(imports.some((i) => i.from === 'workers/index.ts' && i.to === 'durable-objects/sequencer.ts')).toBe(true);
  });

  it('keeps core/ free of the runtime', () => {
    const bad = imports.filter((i) => under('core')(i.from) && (under('workers')(i.to) || under('durable-objects')(i.to) || i.to.startsWith('cloudflare:')));
    expect(bad.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('keeps core/ off the network: L1 and everything else are reached through ports', () => {
    const transports = ['createPublicClient', 'createWalletClient', 'createClient', 'http', 'webSocket', 'fallback'];
    const bad = imports.filter((i) => under('core')(i.from) && i.to === 'viem' && i.names.some((n) => transports.includes(n)));
    expect(bad.map((i) => `${i.from} imports ${i.names.join(', ')} from viem`)).toEqual([]);
    // A call of the global fetch (a method named fetch, declared without arguments, is not one).
    const calls = files('core').filter((f) => /(?<![.\w])fetch\(\s*[^)\s]|\bnew WebSocket\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(calls).toEqual([]);
  });

  it('has no cycle of value imports', () => {
    expect(valueCycles()).toEqual([]);
  });

  it('lets workers/ name durable-objects/ only in the entry point and, by type, in the bindings module', () => {
    const bad = imports.filter(
      (i) => under('workers')(i.from) && under('durable-objects')(i.to) && !(i.from === 'workers/index.ts') && !(i.from === 'workers/env.ts' && i.typeOnly),
    );
    expect(bad.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('keeps the sequencer privileged methods out of the public edge', () => {
    const privileged = ['sequencerStub', 'l1Sequencer', 'SequencerStub', 'L1Sequencer'];
    const bad = imports.filter((i) => under('workers/rpc')(i.from) && i.names.some((n) => privileged.includes(n)));
    expect(bad.map((i) => `${i.from} imports ${i.names.join(', ')}`)).toEqual([]);
    // ...and nothing there reaches the namespace directly.
    const direct = files('workers/rpc').filter((f) => /\bSEQUENCER\.(get|idFromName)\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(direct).toEqual([]);
  });
});
