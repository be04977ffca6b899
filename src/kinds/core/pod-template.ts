// PodTemplate (core/v1): a stored PodTemplateSpec under `template`; tracks generation.

import { FieldPath } from '../../api/errors.js';
import type { KindDef } from '../types.js';
import { formatLabels, isObject, obj } from './json-shape.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { podTemplateWarnings } from './pod-warnings.js';
import { NAME_COLUMN, col, containerCells } from './table-cells.js';

export const podTemplateKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  listKind: 'PodTemplateList',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  generation: true,
  defaults(pt) {
    if (isObject(pt.template)) defaultPodTemplateSpec(pt.template);
  },
  validate: (pt) => validatePodTemplateSpec(obj(pt.template), FieldPath.root('template')),
  warnings: (pt) => podTemplateWarnings(obj(pt.template), FieldPath.root('template')),
  table: {
    columns: [
      NAME_COLUMN,
      col('Containers', 'string', 'Names of each container in the template.'),
      col('Images', 'string', 'Images referenced by each container in the template.'),
      col('Pod Labels', 'string', 'The labels for the pod template.'),
    ],
    row(pt) {
      const tpl = obj(pt.template);
      const [names, images] = containerCells(tpl.spec);
      return [pt.metadata.name, names, images, formatLabels(obj(tpl.metadata).labels)];
    },
  },
};
