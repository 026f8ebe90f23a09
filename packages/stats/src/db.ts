// One small database interface over node:sqlite and PostgreSQL (pg), so the store runs the same SQL
// on both. SQL is written with `?` placeholders and portable syntax; PgDatabase numbers them ($1...).
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface Database {
  readonly dialect: 'sqlite' | 'postgres';
  exec(sql: string): Promise<void>;
  run(sql: string, params?: SqlValue[]): Promise<void>;
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** Insert many rows of one statement quickly (prepared once in SQLite, multi-row VALUES in PostgreSQL). */
  insertMany(table: string, columns: string[], rows: SqlValue[][]): Promise<void>;
  /** Run `body` in one transaction: all of it is committed, or none. */
  transaction<T>(body: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite';
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    // WAL: readers (the dashboard, a query) never block the collector's writes.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  }

  private prepare(sql: string): ReturnType<DatabaseSync['prepare']> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  // node:sqlite is synchronous; the interface is async for PostgreSQL.
  exec(sql: string): Promise<void> {
    this.db.exec(sql);
    return Promise.resolve();
  }
  run(sql: string, params: SqlValue[] = []): Promise<void> {
    this.prepare(sql).run(...params);
    return Promise.resolve();
  }
  all<T = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return Promise.resolve(this.prepare(sql).all(...params) as T[]);
  }
  insertMany(table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const stmt = this.prepare(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    for (const row of rows) stmt.run(...row);
    return Promise.resolve();
  }
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN');
    try {
      const result = await body();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }
  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/** `?` → `$1, $2...` outside string literals. */
function numberPlaceholders(sql: string): string {
  let n = 0;
  let inString = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") inString = !inString;
    out += ch === '?' && !inString ? `$${++n}` : ch;
  }
  return out;
}

// Large integers (BIGINT) and COUNT(*) come back as strings from pg: turn them into numbers, which
// is what node:sqlite gives, so both stores answer with the same JavaScript values.
const INT8 = 20;
const NUMERIC = 1700;
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(NUMERIC, (v) => Number(v));

export class PgDatabase implements Database {
  readonly dialect = 'postgres';
  private readonly client: pg.Client;
  private constructor(client: pg.Client) {
    this.client = client;
  }

  static async connect(connectionString: string): Promise<PgDatabase> {
    const client = new pg.Client({ connectionString });
    await client.connect();
    return new PgDatabase(client);
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }
  async run(sql: string, params: SqlValue[] = []): Promise<void> {
    await this.client.query(numberPlaceholders(sql), params.map(toPg));
  }
  async all<T = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const result = await this.client.query(numberPlaceholders(sql), params.map(toPg));
    return result.rows.map(fromPg) as T[];
  }
  async insertMany(table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
    // PostgreSQL takes at most 65,535 parameters per statement.
    const perStatement = Math.max(1, Math.floor(60_000 / columns.length));
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const values = chunk.map(
        (_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
      );
      await this.client.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`,
        chunk.flat().map(toPg),
      );
    }
  }
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const result = await body();
      await this.client.query('COMMIT');
      return result;
    } catch (err) {
      await this.client.query('ROLLBACK');
      throw err;
    }
  }
  async close(): Promise<void> {
    await this.client.end();
  }
}

function toPg(v: SqlValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

function fromPg(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = Buffer.isBuffer(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : (v as SqlValue);
  }
  return out;
}

/** Open a store database: a PostgreSQL URL (postgres://...) or a SQLite file path. */
export async function openDatabase(location: string): Promise<Database> {
  if (/^postgres(ql)?:\/\//.test(location)) return PgDatabase.connect(location);
  return new SqliteDatabase(location);
}
