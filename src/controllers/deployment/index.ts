// The Deployment controller (apps/v1): ReplicaSets per pod template, RollingUpdate and Recreate
// rollouts, proportional scaling, revisions and status.

export { DeploymentController, deploymentControllerFactory } from './deployment-controller.js';
