export interface Migration {
  version: number;
  statements: string[];
}

const applied = new WeakMap<D1Database, number>();

/**
 * Applies pending schema migrations to a D1 database, each atomically with its version row,
 * so that `wrangler deploy` alone brings a new database up (no separate migration step).
 * Statements are idempotent: two writers racing on a fresh database both succeed.
 */
export async function migrate(db: D1Database, migrations: Migration[]): Promise<void> {
  const latest = migrations[migrations.length - 1].version;
  if (applied.get(db) === latest) return;
  await db.prepare(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`).run();
  const done = await db.prepare(`SELECT MAX(version) AS v FROM schema_migrations`).first<{ v: number | null }>();
  for (const m of migrations) {
    if ((done?.v ?? 0) >= m.version) continue;
    await db.batch([...m.statements.map((s) => db.prepare(s)), db.prepare(`INSERT OR IGNORE INTO schema_migrations (version) VALUES (?)`).bind(m.version)]);
  }
  applied.set(db, latest);
}
