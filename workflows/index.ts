import type { WorkflowDefinition } from '../src/engine/definition.js';
import { assessmentV1 } from './assessment/v1.js';
import { certificationV2 } from './certification/v2.js';
import { fundingV2 } from './funding/v2.js';

/**
 * Every workflow version this build runs. A workflow is a folder here (its machine per version, with its
 * deadlines, effects, permissions, rules and labels) listed in this array; the engine needs nothing else.
 */
export const workflowDefinitions: readonly WorkflowDefinition[] = [certificationV2, fundingV2, assessmentV1];
