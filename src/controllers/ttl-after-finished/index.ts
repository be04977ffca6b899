// The TTL-after-finished controller: deletes finished Jobs ttlSecondsAfterFinished after they finished.

import type { ControllerFactory } from '../runtime/manager.js';
import { TtlAfterFinishedController } from './ttl-after-finished-controller.js';

export const ttlAfterFinishedControllerFactory: ControllerFactory = (ctx) => new TtlAfterFinishedController(ctx);

export { TtlAfterFinishedController, needsCleanup, ttlRemainingMs } from './ttl-after-finished-controller.js';
