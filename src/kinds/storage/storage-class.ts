// StorageClass (storage.k8s.io/v1): pkg/apis/storage/v1 defaults and validation. Parameters,
// provisioner, reclaimPolicy and volumeBindingMode are fixed after create.

import { FieldError, fieldErr } from '../../api/errors.js';
import { isQualifiedName } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { deepEqual } from '../../api/equality.js';
import { obj, str } from '../core/json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from '../core/table-cells.js';

const DEFAULT_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

export const storageClassKind: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  defaults(sc) {
    if (!sc.reclaimPolicy) sc.reclaimPolicy = 'Delete';
    if (!sc.volumeBindingMode) sc.volumeBindingMode = 'Immediate';
  },
  validate(sc) {
    const errs: FieldError[] = [];
    const prov = str(sc.provisioner);
    if (!prov) errs.push(fieldErr.required('provisioner'));
    else errs.push(...isQualifiedName(prov.toLowerCase()).map((m) => fieldErr.invalid('provisioner', prov, m)));
    const params = obj(sc.parameters);
    if (Object.keys(params).length > 512) errs.push(fieldErr.tooLong('parameters', '', 512));
    let size = 0;
    for (const [k, v] of Object.entries(params)) {
      if (!k) errs.push(fieldErr.invalid('parameters', k, 'field can not be empty.'));
      size += k.length + str(v).length;
    }
    if (size > 256 * 1024) errs.push(fieldErr.tooLong('parameters', '', 256 * 1024));
    const rp = str(sc.reclaimPolicy);
    if (rp !== 'Delete' && rp !== 'Retain') errs.push(fieldErr.notSupported('reclaimPolicy', rp, ['Delete', 'Retain']));
    const vbm = str(sc.volumeBindingMode);
    if (vbm !== 'Immediate' && vbm !== 'WaitForFirstConsumer') errs.push(fieldErr.notSupported('volumeBindingMode', vbm, ['Immediate', 'WaitForFirstConsumer']));
    return errs;
  },
  validateUpdate(sc, old) {
    const errs: FieldError[] = [];
    if (!deepEqual(obj(sc.parameters), obj(old.parameters))) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (str(sc.provisioner) !== str(old.provisioner)) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (str(sc.reclaimPolicy) !== str(old.reclaimPolicy)) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (str(sc.volumeBindingMode) !== str(old.volumeBindingMode)) errs.push(fieldErr.invalid('volumeBindingMode', str(sc.volumeBindingMode), 'field is immutable'));
    return errs;
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
      col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      AGE_COLUMN,
    ],
    row(sc, now) {
      const ann = sc.metadata.annotations ?? {};
      const isDefault = DEFAULT_ANNOTATIONS.some((k) => ann[k] === 'true');
      return [
        (sc.metadata.name ?? '') + (isDefault ? ' (default)' : ''),
        str(sc.provisioner),
        str(sc.reclaimPolicy) || 'Delete',
        str(sc.volumeBindingMode) || 'Immediate',
        sc.allowVolumeExpansion === true,
        since(sc.metadata.creationTimestamp, now),
      ];
    },
  },
};
