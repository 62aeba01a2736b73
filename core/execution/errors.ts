/** EthereumJS appends its VM and block context to messages; clients get the reason alone. */
export function ethereumjsReason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split(' -> ')[0].split(' (vm hf=')[0].split(' (block=')[0].trim();
}
