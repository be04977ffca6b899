// The controllers `k8ts up` runs, in start order.

import type { ControllerFactory } from './runtime/manager.js';

export function controllerFactories(): ControllerFactory[] {
  return [];
}
