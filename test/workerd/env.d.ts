/// <reference types="@cloudflare/vitest-plugin/types" />
import type { Env as ChainEnv } from '../../workers/env.ts';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../../workers/index.ts');
    }
    interface Env extends ChainEnv {}
  }
}
