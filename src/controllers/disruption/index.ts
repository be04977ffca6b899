// The disruption controller: PodDisruptionBudget status from the budget's pods and their controllers' scale.

import type { ControllerFactory } from '../runtime/manager.js';
import { DisruptionController } from './disruption-controller.js';

export const disruptionControllerFactory: ControllerFactory = (ctx) => new DisruptionController(ctx);

export { DisruptionController, STALE_POD_DISRUPTION_TIMEOUT_MS } from './disruption-controller.js';
export * from './status.js';
