// A Prisma generator that writes the DMMF datamodel (models, enums, indexes, with isRequired, isList,
// nativeType, dbName) to <output>/dmmf.json. The generated client keeps only a reduced runtime data model,
// so test/schema-drift.e2e.spec.ts runs `prisma generate` with this generator to read the full one.
// Protocol: JSON-RPC requests on stdin, one per line; responses on stderr, one per line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import process from 'node:process';

const reply = (id, result) => process.stderr.write(`${JSON.stringify({ jsonrpc: '2.0', id, result })}\n`);
const fail = (id, err) =>
  process.stderr.write(
    `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: String(err?.message ?? err), data: { stack: err?.stack } } })}\n`,
  );

createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  try {
    if (message.method === 'getManifest') {
      reply(message.id, { manifest: { prettyName: 'DMMF dump (schema drift test)', defaultOutput: '.', requiresEngines: [] } });
    } else if (message.method === 'generate') {
      const output = message.params.generator.output?.value;
      if (!output) throw new Error('the dmmf generator needs an output folder');
      mkdirSync(output, { recursive: true });
      writeFileSync(join(output, 'dmmf.json'), JSON.stringify(message.params.dmmf.datamodel));
      reply(message.id, null);
    }
  } catch (err) {
    fail(message.id, err);
  }
});
