/** The service as the HTTP benchmark talks to it: its own process, configured by the environment, printing its port. */
import 'reflect-metadata';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { benchWorkflows } from './bench-workflow.js';

const config = loadConfig();
await prepareDatabase(config);
// The first row's instances are open in this database: a worker refuses to start on a workflow it lacks.
const app = await createApp(config, { workflows: benchWorkflows });
const server = await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
