// The EndpointSlice controller: EndpointSlices per Service with a selector.

import type { ControllerFactory } from '../runtime/manager.js';
import { EndpointSliceController } from './endpointslice-controller.js';

export const endpointSliceControllerFactory: ControllerFactory = (ctx) => new EndpointSliceController(ctx);

export { EndpointSliceController, SliceTracker } from './endpointslice-controller.js';
export { reconcileSlices, sliceLabels, slicePrefix, CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, MAX_ENDPOINTS_PER_SLICE } from './slices.js';
