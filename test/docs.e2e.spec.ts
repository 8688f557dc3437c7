import { readFileSync } from 'node:fs';
import { openApiDocument, stableJson } from '../src/docs/openapi.js';
import { describeWorkflow, workflowDocPath } from '../workflows/describe.js';
import { workflowDefinitions } from '../workflows/index.js';
import { startTestApp, type TestApp } from './support/app.js';

/**
 * The generated documents under docs/ are what the code says: a change to a workflow or to the HTTP contract
 * that is not followed by `npm run docs` fails here, so the checked-in contract cannot drift from the service.
 */
const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '(missing)';
  }
};

describe('generated documents', () => {
  it.each(workflowDefinitions.map((def) => [workflowDocPath(def), def] as const))(
    '%s is what the workflow says (run npm run docs)',
    (path, def) => {
      expect(read(path)).toBe(describeWorkflow(def));
    },
  );

  it('every workflow page names each state of its machine', () => {
    for (const def of workflowDefinitions) {
      const page = describeWorkflow(def);
      for (const state of Object.keys(def.machine.root.states)) expect(page).toContain(`\`${state}\``);
    }
  });

  describe('the OpenAPI document', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp('docs', { PROCESS_ROLE: 'api', SEED: 'none' });
    });
    afterAll(async () => t?.close());

    it('docs/openapi.json is what the controllers declare (run npm run docs)', () => {
      expect(read('docs/openapi.json')).toBe(stableJson(openApiDocument(t.app)));
    });

    it('/docs-json serves the same contract', async () => {
      const res = await t.http.get('/docs-json');
      expect(res.status).toBe(200);
      expect(stableJson(res.body)).toBe(read('docs/openapi.json'));
    });
  });
});
