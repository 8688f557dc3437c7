import { PrismaPg } from '@prisma/adapter-pg';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Prisma, PrismaClient } from '../src/generated/prisma/client.js';
import { ensureDatabase, migrate } from '../src/database/migrator.js';
import { dropDatabase, testDatabaseUrl } from './support/app.js';

/**
 * prisma/schema.prisma against the database its migrations build. Every change to the schema comes with a
 * hand-written migration (README, "Migrations"); this fails when the two disagree: a table or column missing
 * on either side, a type, nullability or default that differs, a declared key, unique or index or foreign
 * key the migrations never created, an enum with other values. Migrations may add what the schema cannot say
 * (partial indexes, triggers, functions); they may not add tables or columns the schema does not know.
 */

// ---- the schema's DMMF -------------------------------------------------------------------------------------

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isRequired: boolean;
  isList: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  schema?: string | null;
  fields: DmmfField[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string;
  fields: { name: string }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

const ROOT = process.cwd();
const GENERATOR = join(ROOT, 'test', 'support', 'dmmf-generator.mjs');

/** The full DMMF of a schema text: `prisma generate` with only the DMMF-dumping generator, offline. */
async function dmmfOf(schema: string): Promise<Datamodel> {
  const dir = mkdtempSync(join(tmpdir(), 'ntm-dmmf-'));
  try {
    const withoutGenerators = schema.replace(/^generator\s+\w+\s*\{[\s\S]*?^\}/gm, '');
    const generator = `generator dmmf {\n  provider = ${JSON.stringify(`node ${GENERATOR}`)}\n  output   = ${JSON.stringify(join(dir, 'out'))}\n}\n`;
    writeFileSync(join(dir, 'schema.prisma'), `${generator}\n${withoutGenerators}`);
    const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [cli, 'generate', '--schema', join(dir, 'schema.prisma')],
        {
          // Outside the project, so prisma.config.ts does not point it back at the real schema.
          cwd: dir,
          timeout: 60_000,
          env: {
            ...process.env,
            PRISMA_HIDE_UPDATE_MESSAGE: '1',
            CHECKPOINT_DISABLE: '1',
            // `generate` only checks that a schema engine exists (prisma/generate.mjs does the same).
            PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
          },
        },
        (err, stdout, stderr) => (err ? reject(new Error(`prisma generate failed: ${stdout}\n${stderr}`)) : resolve()),
      ),
    );
    return JSON.parse(readFileSync(join(dir, 'out', 'dmmf.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the database ------------------------------------------------------------------------------------------

interface DbColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
}
interface DbIndex {
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  partial: boolean;
}
interface DbForeignKey {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}
interface DbShape {
  tables: string[];
  columns: DbColumn[];
  enums: Map<string, string[]>;
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
}

async function readDatabase(url: string): Promise<DbShape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const columns = await client.query<DbColumn>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
              character_maximum_length, numeric_precision, numeric_scale, datetime_precision
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    const enums = await client.query<{ name: string; label: string }>(
      `SELECT t.typname AS name, e.enumlabel AS label FROM pg_type t
         JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
    );
    const indexes = await client.query<{
      table: string;
      name: string;
      columns: string[];
      unique: boolean;
      primary: boolean;
      partial: boolean;
    }>(
      `SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
              x.indpred IS NOT NULL AS partial,
              array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'`,
    );
    const foreignKeys = await client.query<DbForeignKey>(
      `SELECT t.relname AS table, r.relname AS "refTable",
              array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
              array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "refColumns"
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    const enumMap = new Map<string, string[]>();
    for (const row of enums.rows) enumMap.set(row.name, [...(enumMap.get(row.name) ?? []), row.label]);
    return {
      tables: tables.rows.map((r) => r.table_name),
      columns: columns.rows,
      enums: enumMap,
      indexes: indexes.rows,
      foreignKeys: foreignKeys.rows,
    };
  } finally {
    await client.end();
  }
}

// ---- the comparison ----------------------------------------------------------------------------------------

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;

/** The PostgreSQL type (udt_name of the element) and type parameters Prisma Migrate gives a scalar field. */
function expectedType(field: DmmfField, enums: Map<string, DmmfEnum>): { udt: string; params?: Partial<DbColumn> } | { error: string } {
  if (field.kind === 'enum') {
    const e = enums.get(field.type);
    return { udt: e?.dbName ?? field.type };
  }
  const [native, args = []] = field.nativeType ?? [null, []];
  const n = (i: number) => (args[i] === undefined ? undefined : Number(args[i]));
  switch (field.type) {
    case 'String':
      switch (native) {
        case null:
        case 'Text':
          return { udt: 'text' };
        case 'VarChar':
          return { udt: 'varchar', params: n(0) === undefined ? {} : { character_maximum_length: n(0)! } };
        case 'Char':
          return { udt: 'bpchar', params: { character_maximum_length: n(0) ?? 1 } };
        case 'Uuid':
          return { udt: 'uuid' };
        case 'Xml':
          return { udt: 'xml' };
        case 'Inet':
          return { udt: 'inet' };
        case 'Citext':
          return { udt: 'citext' };
        default:
          return { error: `String @db.${native} is not mapped by this test` };
      }
    case 'Int':
      if (native === null || native === 'Integer') return { udt: 'int4' };
      if (native === 'SmallInt') return { udt: 'int2' };
      if (native === 'Oid') return { udt: 'oid' };
      return { error: `Int @db.${native} is not mapped by this test` };
    case 'BigInt':
      return { udt: 'int8' };
    case 'Float':
      if (native === null || native === 'DoublePrecision') return { udt: 'float8' };
      if (native === 'Real') return { udt: 'float4' };
      return { error: `Float @db.${native} is not mapped by this test` };
    case 'Decimal':
      if (native === 'Money') return { udt: 'money' };
      // Prisma's default for Decimal is decimal(65,30).
      return { udt: 'numeric', params: { numeric_precision: n(0) ?? 65, numeric_scale: n(1) ?? 30 } };
    case 'Boolean':
      return { udt: 'bool' };
    case 'DateTime':
      switch (native) {
        case null:
          return { udt: 'timestamp', params: { datetime_precision: 3 } };
        case 'Timestamp':
          return { udt: 'timestamp', params: { datetime_precision: n(0) ?? 6 } };
        case 'Timestamptz':
          return { udt: 'timestamptz', params: { datetime_precision: n(0) ?? 6 } };
        case 'Date':
          return { udt: 'date' };
        case 'Time':
          return { udt: 'time', params: { datetime_precision: n(0) ?? 6 } };
        case 'Timetz':
          return { udt: 'timetz', params: { datetime_precision: n(0) ?? 6 } };
        default:
          return { error: `DateTime @db.${native} is not mapped by this test` };
      }
    case 'Json':
      return { udt: native === 'Json' ? 'json' : 'jsonb' };
    case 'Bytes':
      return { udt: 'bytea' };
    default:
      return { error: `type ${field.type} is not mapped by this test` };
  }
}

/** Defaults Prisma fills in on the client side, which leave no DEFAULT in the database. */
const CLIENT_SIDE_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

function dbHasDefault(field: DmmfField): boolean {
  if (!field.hasDefaultValue) return false;
  const d = field.default as { name?: string } | undefined;
  return !(d && typeof d === 'object' && !Array.isArray(d) && d.name && CLIENT_SIDE_DEFAULTS.has(d.name));
}

/** Every disagreement between the datamodel and the database, one line each (none when they agree). */
export function drift(dm: Datamodel, db: DbShape): string[] {
  const out: string[] = [];
  const enums = new Map(dm.enums.map((e) => [e.name, e]));
  const models = new Map(dm.models.map((m) => [m.name, m]));
  const modelTables = new Set(dm.models.map(tableOf));

  for (const table of db.tables) {
    if (table !== '_prisma_migrations' && !modelTables.has(table)) out.push(`table ${table} is in the database but no model maps to it`);
  }
  if (!db.tables.includes('_prisma_migrations')) out.push('table _prisma_migrations is missing');

  for (const model of dm.models) {
    const table = tableOf(model);
    if (model.schema && model.schema !== 'public') out.push(`model ${model.name}: schema ${model.schema} is not checked by this test`);
    if (!db.tables.includes(table)) {
      out.push(`table ${table} (model ${model.name}) is missing from the database`);
      continue;
    }
    const dbColumns = new Map(db.columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c]));
    const fields = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum' || f.kind === 'unsupported');
    const wanted = new Set(fields.map(columnOf));
    for (const name of dbColumns.keys()) {
      if (!wanted.has(name)) out.push(`${table}.${name} is in the database but not in model ${model.name}`);
    }
    for (const field of fields) {
      const column = columnOf(field);
      const where = `${table}.${column} (${model.name}.${field.name})`;
      const c = dbColumns.get(column);
      if (!c) {
        out.push(`${where} is missing from the database`);
        continue;
      }
      if (field.kind === 'unsupported') continue;
      const type = expectedType(field, enums);
      if ('error' in type) {
        out.push(`${where}: ${type.error}`);
        continue;
      }
      const dataType = field.isList ? 'ARRAY' : field.kind === 'enum' ? 'USER-DEFINED' : null;
      const udt = field.isList ? `_${type.udt}` : type.udt;
      if (c.udt_name !== udt || (dataType && c.data_type !== dataType)) {
        out.push(
          `${where}: type is ${c.data_type} (${c.udt_name}) in the database, ${udt}${field.isList ? ' (a list)' : ''} in the schema`,
        );
      }
      for (const [key, value] of Object.entries(type.params ?? {})) {
        const actual = c[key as keyof DbColumn];
        if (!field.isList && actual !== value) out.push(`${where}: ${key} is ${actual} in the database, ${value} in the schema`);
      }
      // Prisma lists are required in the DMMF but nullable columns in SQL, so they are exempt.
      if (!field.isList) {
        const nullable = c.is_nullable === 'YES';
        if (nullable !== !field.isRequired) {
          out.push(
            `${where}: ${nullable ? 'nullable' : 'NOT NULL'} in the database, ${field.isRequired ? 'required' : 'optional'} in the schema`,
          );
        }
      }
      if (!field.isUpdatedAt && dbHasDefault(field) !== (c.column_default !== null)) {
        out.push(
          `${where}: ${c.column_default === null ? 'no default' : `default ${c.column_default}`} in the database, ${field.hasDefaultValue ? `@default(${JSON.stringify(field.default)})` : 'no default'} in the schema`,
        );
      }
    }

    // Foreign keys of the relations this model holds.
    for (const rel of model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
      const target = models.get(rel.type);
      if (!target) continue;
      const byName = (m: DmmfModel, names: string[]) => names.map((n) => columnOf(m.fields.find((f) => f.name === n)!));
      const columns = byName(model, rel.relationFromFields!);
      const refColumns = byName(target, rel.relationToFields!);
      const found = db.foreignKeys.some(
        (fk) =>
          fk.table === table &&
          fk.refTable === tableOf(target) &&
          fk.columns.join() === columns.join() &&
          fk.refColumns.join() === refColumns.join(),
      );
      if (!found)
        out.push(
          `${table}(${columns.join(', ')}) -> ${tableOf(target)}(${refColumns.join(', ')}): foreign key of ${model.name}.${rel.name} is missing`,
        );
    }
  }

  // Primary keys, uniques and indexes the schema declares.
  for (const index of dm.indexes ?? []) {
    const model = models.get(index.model);
    if (!model || !db.tables.includes(tableOf(model))) continue;
    const table = tableOf(model);
    const columns = index.fields.map((f) => columnOf(model.fields.find((x) => x.name === f.name) ?? ({ name: f.name } as DmmfField)));
    const candidates = db.indexes.filter((i) => i.table === table && !i.partial && i.columns.join() === columns.join());
    const ok = candidates.some(
      (i) =>
        (index.type === 'id' ? i.primary : index.type === 'unique' ? i.unique && !i.primary : index.type === 'normal' ? !i.unique : true) &&
        (!index.dbName || i.name === index.dbName),
    );
    if (!ok)
      out.push(
        `${table}(${columns.join(', ')}): ${index.type === 'id' ? 'primary key' : index.type === 'normal' ? 'index' : index.type}${index.dbName ? ` ${index.dbName}` : ''} is missing`,
      );
  }

  // Enums: same values in the same order.
  for (const e of dm.enums) {
    const name = e.dbName ?? e.name;
    const values = e.values.map((v) => v.dbName ?? v.name);
    const actual = db.enums.get(name);
    if (!actual) out.push(`enum ${name} is missing from the database`);
    else if (actual.join() !== values.join())
      out.push(`enum ${name} is (${actual.join(', ')}) in the database, (${values.join(', ')}) in the schema`);
  }
  return out;
}

// ---- the tests ---------------------------------------------------------------------------------------------

describe('schema drift: prisma/schema.prisma against the migrated database', () => {
  const url = testDatabaseUrl('schema_drift');
  const schemaText = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
  let dm: Datamodel;
  let db: DbShape;

  beforeAll(async () => {
    await dropDatabase(url);
    await ensureDatabase(url);
    await migrate(url);
    [dm, db] = await Promise.all([dmmfOf(schemaText), readDatabase(url)]);
  }, 120_000);
  afterAll(async () => dropDatabase(url));

  it('the migrations build exactly the tables, columns, types, nullability, defaults, keys and enums the schema declares', () => {
    expect(dm.models.length).toBeGreaterThan(0);
    expect(drift(dm, db)).toEqual([]);
  });

  it('the generated client is the current schema (run `npm run prisma:generate` if not)', async () => {
    expect(Object.values(Prisma.ModelName).sort()).toEqual(dm.models.map((m) => m.name).sort());
    const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      const runtime = (
        client as unknown as {
          _runtimeDataModel?: {
            models: Record<
              string,
              { dbName: string | null; fields: { name: string; kind: string; type: string; dbName?: string | null }[] }
            >;
          };
        }
      )._runtimeDataModel;
      expect(runtime).toBeDefined();
      const shape = (
        models: { name: string; dbName: string | null; fields: { name: string; kind: string; type: string; dbName?: string | null }[] }[],
      ) =>
        Object.fromEntries(
          models.map((m) => [
            m.name,
            { table: m.dbName ?? m.name, fields: m.fields.map((f) => `${f.name}:${f.kind}:${f.type}:${f.dbName ?? f.name}`).sort() },
          ]),
        );
      expect(shape(Object.entries(runtime!.models).map(([name, m]) => ({ name, ...m })))).toEqual(shape(dm.models));
    } finally {
      await client.$disconnect();
    }
  });

  it('notices a column, a model, a nullability change and an enum value added to the schema without a migration', async () => {
    const changed = schemaText
      .replace(/^model Fund \{\n/m, 'model Fund {\n  extraNote String? @map("extra_note")\n')
      .replace(/^(\s+email\s+)String(\s)/m, '$1String?$2')
      .replace(/^enum Role \{\n/m, 'enum Role {\n  AUDITOR\n')
      .concat('\nmodel Unmigrated {\n  id String @id\n\n  @@map("unmigrated")\n}\n');
    expect(changed).not.toBe(schemaText);
    const problems = drift(await dmmfOf(changed), db);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^funds\.extra_note .*missing from the database/),
        expect.stringMatching(/^users\.email .*NOT NULL in the database, optional in the schema/),
        expect.stringMatching(/^enum Role is/),
        expect.stringMatching(/^table unmigrated .*missing/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('notices a column or table the migrations add that the schema does not know, and a changed type or index', async () => {
    const changed = schemaText
      .replace(/^(\s+baseline\s+)Int(\s)/m, '$1BigInt$2')
      .replace(/^(model SeedRun \{[\s\S]*?)(\n\s*@@map\("seed_runs"\))/m, '$1\n  @@index([appliedAt])$2')
      .replace(/^model Plan \{[\s\S]*?^\}\n/m, '')
      .replace(/^(\s+)placeholder(\s+)Boolean(\s+)@default\(false\)\n/m, '');
    expect(changed).not.toBe(schemaText);
    const problems = drift(await dmmfOf(changed), db);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^criteria\.baseline .*type is integer \(int4\) in the database, int8/),
        expect.stringMatching(/^seed_runs\(applied_at\): index is missing/),
        'table plans is in the database but no model maps to it',
        'units.placeholder is in the database but not in model Unit',
      ]),
    );
  });
});
