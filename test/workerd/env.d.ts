import type { Env as ChainEnv } from '../../workers/env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends ChainEnv {}
  }
}
