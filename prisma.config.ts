// Prisma CLI configuration. The service applies migrations itself at start (src/database/migrator.ts);
// `prisma migrate deploy` with this file does the same for anyone who can download Prisma's engines.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm' },
});
