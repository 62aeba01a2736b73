/**
 * CPU profile of a workerd process through its DevTools inspector (scripts/serve.ts
 * --inspector-port / --sequencer-inspector-port / --prover-inspector-port): samples for S seconds,
 * then prints the functions with the most self time, grouped by function and source.
 *
 *   node scripts/profile.ts --port N [--seconds S] [--top K] [--inclusive] [--save DIR]
 *
 * With --inclusive, functions are ranked by total time (self plus callees), each function counted
 * once per sample even when it recurses: where a call tree spends its time, not only its leaves.
 * With --save, each busy worker's raw profile is also written to DIR as a .cpuprofile file, which
 * Chrome DevTools and other profile viewers open (callers, call trees, timelines).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    top: { type: 'string', default: '30' },
    inclusive: { type: 'boolean', default: false },
    save: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values.port) {
  console.log(
    "usage: node scripts/profile.ts --port N [--seconds S] [--top K] [--inclusive] [--save DIR]\n\nSamples a workerd process started with an inspector port and prints the top functions by self time\n(--inclusive: by total time, callees included; --save DIR: also write each busy worker's raw\nprofile to DIR as a .cpuprofile file for Chrome DevTools).",
  );
  process.exit(values.help ? 0 : 2);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function keyOf(n: ProfileNode): string {
  const file = n.callFrame.url.split('/').slice(-1)[0] || '(native)';
  return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
}

/** Samples per function, counting a sample once for every distinct function on its stack. */
function inclusiveHits(nodes: ProfileNode[], hits: Map<number, number>): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>();
  for (const [id, h] of hits) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node) seen.add(keyOf(node));
    }
    for (const k of seen) out.set(k, (out.get(k) ?? 0) + h);
  }
  return out;
}

const targets = (await (await fetch(`http://127.0.0.1:${values.port}/json/list`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
for (const target of targets) {
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r, j) => {
    ws.addEventListener('open', r);
    ws.addEventListener('error', j);
  });
  let id = 0;
  const pending = new Map<number, (v: unknown) => void>();
  ws.addEventListener('message', (m: MessageEvent) => {
    const msg = JSON.parse(String(m.data));
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((r) => {
      pending.set(++id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 500 });
  await send('Profiler.start');
  await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
  const { profile } = (await send('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples: number[] } };
  ws.close();
  const hits = new Map<number, number>();
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const h = hits.get(n.id) ?? 0;
    total += h;
    byFn.set(keyOf(n), (byFn.get(keyOf(n)) ?? 0) + h);
  }
  const idle = [...byFn].filter(([k]) => k.startsWith('(idle)') || k.startsWith('(program)')).reduce((a, [, v]) => a + v, 0);
  if (values.save && total - idle > 0) {
    mkdirSync(values.save, { recursive: true });
    const file = join(values.save, `${(target.title ?? `target-${targets.indexOf(target)}`).replace(/[^\w.-]+/g, '_')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`profile written to ${file}`);
  }
  console.log(`${target.title ?? target.webSocketDebuggerUrl}: ${total} samples, ${((100 * (total - idle)) / Math.max(1, total)).toFixed(1)}% busy`);
  const ranked = values.inclusive ? inclusiveHits(profile.nodes, hits) : byFn;
  if (values.inclusive) ranked.delete('(root) (native):0');
  for (const [k, v] of [...ranked].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}
