// ControllerRevision history shared by the DaemonSet and StatefulSet controllers.

export { ControllerHistory } from './controller-history.js';
export { goJsonMarshal } from './go-json.js';
export {
  CONTROLLER_REVISION_HASH_LABEL,
  CONTROLLER_REVISION_HASH_LABEL_KEY,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  hashControllerRevision,
  maxRevision,
  newControllerRevision,
  nextRevision,
  rawRevisionData,
  revisionData,
  revisionDataEqual,
  revisionsToTruncate,
  sortRevisions,
  templateOfRevision,
  type ControllerRevision,
} from './revision.js';
