// The Endpoints controller: an Endpoints object per Service with a selector.

import type { ControllerFactory } from '../runtime/manager.js';
import { EndpointsController } from './endpoints-controller.js';

export const endpointsControllerFactory: ControllerFactory = (ctx) => new EndpointsController(ctx);

export { EndpointsController, desiredEndpoints, endpointsLabels } from './endpoints-controller.js';
export { computeSubsets, repackSubsets, truncateSubsets, MAX_ENDPOINTS_CAPACITY, OVER_CAPACITY_ANNOTATION } from './endpoints.js';
export { LAST_CHANGE_TRIGGER_TIME, HEADLESS_LABEL, TriggerTimeTracker, findPort } from './pod-endpoints.js';
