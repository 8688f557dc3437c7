/**
 * `npm run docs`: writes what is generated from the code into docs/: one page per workflow version (from its
 * definition) and the OpenAPI document (from the controllers). test/docs.e2e.spec.ts fails when a checked-in file
 * differs from what this would write.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createApp, prepareDatabase } from '../app.factory.js';
import { loadConfig } from '../config/config.js';
import { describeWorkflow, workflowDocPath } from '../../workflows/describe.js';
import { workflowDefinitions } from '../../workflows/index.js';
import { openApiDocument, stableJson } from './openapi.js';

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}

for (const def of workflowDefinitions) write(workflowDocPath(def), describeWorkflow(def));

const config = loadConfig({ ...process.env, PROCESS_ROLE: 'api', LOG_LEVEL: 'silent', SEED: 'none' });
await prepareDatabase(config);
const app = await createApp(config);
try {
  write('docs/openapi.json', stableJson(openApiDocument(app)));
} finally {
  await app.close();
}
