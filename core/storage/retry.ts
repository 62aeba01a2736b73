/**
 * Attempts of one read of D1 (the index and the state shards): its reads fail now and then
 * (locally, SQLITE_BUSY while another workerd process writes the same file; in production, a
 * replica or the network), and a failed read is usually gone milliseconds later.
 */
const INDEX_READ_ATTEMPTS = 4;

/** Runs a read, retried after 10, 40 and 160 ms when it throws; the last failure is thrown. */
export async function retryRead<R>(read: () => Promise<R>, attempts = INDEX_READ_ATTEMPTS): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (e) {
      if (attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 10 * 4 ** (attempt - 1)));
    }
  }
}
