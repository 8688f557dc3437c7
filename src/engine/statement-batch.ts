import pg from 'pg';

/** node-postgres's own conversion of a JavaScript value to the text PostgreSQL receives for a parameter. */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

/** A parameter as an SQL literal: the text node-postgres would send for it, quoted (or NULL). */
export function sqlLiteral(value: unknown): string {
  const text = prepareValue(value);
  if (text === null || text === undefined) return 'NULL';
  if (Buffer.isBuffer(text)) return `'\\x${text.toString('hex')}'::bytea`;
  return pg.escapeLiteral(String(text));
}

/**
 * Statements of the hot path, PREPAREd on the server once per connection and then run by name, several in one
 * round trip. node-postgres sends one statement per round trip; an event's transaction has about six, and on
 * this service each round trip costs more than the statement (a write syscall, a wake-up of both processes).
 * A simple-protocol query string may carry many `EXECUTE name(literals)`; the plans stay cached as with
 * named statements.
 */
let registries = 0;

export class PreparedStatements {
  /** Server-side names carry the registry's number: two registries may share a pooled connection. */
  private readonly prefix = `batch${++registries}:`;
  private readonly texts = new Map<string, string>();
  private readonly order: string[] = [];
  /** How many of `order` each connection has prepared. */
  private readonly preparedCount = new WeakMap<object, number>();
  private readonly broken = new WeakSet<object>();

  /** Defines a statement by name ($1, $2... as with node-postgres). Defining the same text twice is harmless. */
  define(name: string, text: string): void {
    const existing = this.texts.get(name);
    if (existing !== undefined) {
      if (existing !== text) throw new Error(`statement ${name} is already defined with another text`);
      return;
    }
    this.texts.set(name, text);
    this.order.push(name);
  }

  /**
   * PREPAREs on this connection what it lacks, in one round trip (the first time a connection is used). A
   * PREPARE is not undone by a rollback, so the count is only advanced once the server has them all; if this
   * fails the caller must discard the connection (release it with the error).
   */
  async prepare(client: pg.ClientBase): Promise<void> {
    const done = this.preparedCount.get(client) ?? 0;
    if (done === this.order.length) return;
    const missing = this.order.slice(done);
    try {
      await client.query(missing.map((name) => `PREPARE ${this.serverName(name)} AS ${this.texts.get(name)}`).join(';\n'));
    } catch (err) {
      this.broken.add(client);
      throw err;
    }
    this.preparedCount.set(client, this.order.length);
  }

  /** Whether a PREPARE failed part-way on this connection: what it has is unknown, so it must be discarded. */
  isBroken(client: pg.ClientBase): boolean {
    return this.broken.has(client);
  }

  /** `EXECUTE name(literals)` for a batch. */
  execute(name: string, values: readonly unknown[]): string {
    if (!this.texts.has(name)) throw new Error(`statement ${name} is not defined`);
    const server = this.serverName(name);
    return values.length ? `EXECUTE ${server}(${values.map(sqlLiteral).join(', ')})` : `EXECUTE ${server}`;
  }

  /** Distinct from node-postgres's own named statements, which share the connection's namespace. */
  private serverName(name: string): string {
    return pg.escapeIdentifier(this.prefix + name);
  }
}

/** Runs several statements in one round trip and returns one result per statement. */
export async function runBatch(client: pg.ClientBase, sql: readonly string[]): Promise<pg.QueryResult[]> {
  if (!sql.length) return [];
  const res = (await client.query(sql.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
  return Array.isArray(res) ? res : [res];
}

/**
 * Writes of one transaction whose results nobody waits for, queued and sent together with the next statement
 * that is awaited (typically COMMIT). `tx` is the connection for work that needs results now: it sends what is
 * queued first, so statements still reach the server in the order they were issued.
 */
export class StatementBatch {
  private readonly queued: string[];
  readonly tx: pg.PoolClient;
  /** Whether anything has been sent to the server yet. */
  sent = false;
  /** The immediate queries in flight, one after another: a later one never overtakes an earlier one's flush. */
  private chain: Promise<unknown> = Promise.resolve();

  /** `first`: SQL to send ahead of everything queued (e.g. BEGIN). */
  constructor(
    private readonly client: pg.PoolClient,
    private readonly statements: PreparedStatements,
    first: string[] = [],
  ) {
    this.queued = [...first];
    const run = (args: unknown[]) => {
      this.sent = true;
      return (client.query as (...a: unknown[]) => unknown)(...args);
    };
    const query = (...args: unknown[]) => {
      const result = this.chain.then(() => (this.queued.length ? this.send([]).then(() => run(args)) : run(args)));
      this.chain = result.catch(() => undefined);
      return result;
    };
    this.tx = new Proxy(client, {
      get(target, prop) {
        if (prop === 'query') return query;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Queues `EXECUTE name(values)`. */
  defer(name: string, values: readonly unknown[]): void {
    this.queued.push(this.statements.execute(name, values));
  }

  /**
   * Sends the queued statements followed by `then`, after any immediate query in flight; resolves with the
   * results of `then`'s statements.
   */
  async flush(...then: string[]): Promise<pg.QueryResult[]> {
    await this.chain;
    return this.send(then);
  }

  private async send(then: string[]): Promise<pg.QueryResult[]> {
    const queued = this.queued.splice(0);
    this.sent = true;
    const results = await runBatch(this.client, [...queued, ...then]);
    return results.slice(queued.length);
  }
}
