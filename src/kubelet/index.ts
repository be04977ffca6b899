// Public surface of the node agent for the CLI (`k8ts up`, `k8ts agent`) and benchmarks.

export { Kubelet, type KubeletOptions } from './kubelet.js';
export { KUBELET_VERSION } from './node-object.js';
export { createRuntime, nodeRuntimes, hasRuntimeState, type NodeRuntimes, RUNTIME_NAMES, IMPLEMENTED_RUNTIMES, UnknownRuntimeError, type RuntimeName, type CreateRuntimeOptions } from './runtime/create-runtime.js';
export { SimRuntime, SIM_RUNTIME_VERSION } from './runtime/sim/sim-runtime.js';
export { SIM_START_DELAY, SIM_READY_DELAY, SIM_READY, SIM_LIVE } from './runtime/sim/sim-annotations.js';
export * from './runtime/runtime.js';
