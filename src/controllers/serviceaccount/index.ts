// ServiceAccounts: the controller that gives every namespace its `default` ServiceAccount, and
// the root CA publisher that gives every namespace the `kube-root-ca.crt` ConfigMap.

import type { ControllerFactory } from '../runtime/manager.js';
import { RootCACertPublisher } from './root-ca-cert-publisher.js';
import { ServiceAccountsController } from './serviceaccounts-controller.js';

export const serviceAccountsControllerFactory: ControllerFactory = (ctx) => new ServiceAccountsController(ctx);

/** The publisher of `rootCA` (PEM: the CA of the API server's serving certificate). */
export function rootCACertPublisherFactory(rootCA: string): ControllerFactory {
  return (ctx) => new RootCACertPublisher(ctx, rootCA);
}

export { ServiceAccountsController, SERVICE_ACCOUNTS_TO_ENSURE, missingServiceAccounts } from './serviceaccounts-controller.js';
export { RootCACertPublisher, ROOT_CA_CONFIG_MAP, DESCRIPTION_ANNOTATION, ROOT_CA_DESCRIPTION, rootCAConfigMap, repairedRootCAConfigMap } from './root-ca-cert-publisher.js';
