import type { WorkflowDefinition } from '../src/engine/definition.js';
import { certificationV1 } from './certification/v1.js';
import { fundingV1 } from './funding/v1.js';

/**
 * Every workflow version this build runs. A workflow is a folder here (its machine per version, deadlines,
 * delays, effects and permissions) listed in this array; the engine needs nothing else.
 */
export const workflowDefinitions: WorkflowDefinition[] = [certificationV1, fundingV1];
