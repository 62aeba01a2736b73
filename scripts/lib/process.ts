import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const projectRoot = new URL('../..', import.meta.url).pathname;
export const bin = (name: string) => join(projectRoot, 'node_modules', '.bin', name);

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  /** Last lines the process printed, for error messages. */
  output: () => string;
  alive: () => boolean;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Spawns a long-running process in its own process group so stop() ends its children too. */
export function spawnService(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Spawned {
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    if (opts.echo) process.stdout.write(text);
    lines.push(text);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    child,
    output: () => lines.join('').split('\n').slice(-40).join('\n'),
    alive: () => !exited,
    stop: async (signal = 'SIGTERM') => {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
