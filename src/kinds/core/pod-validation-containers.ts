// Container validation for PodSpecs (validateContainers / validateInitContainers /
// validateEphemeralContainers / validateContainerCommon and helpers in upstream's
// pkg/apis/core/validation). Messages and field paths follow upstream, including its quirks
// (e.g. subPath errors are reported on `volumeMounts.subPath`, request>limit on `resources.requests`).

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { isDNS1123Label, isDNS1123Subdomain, isHTTPHeaderName, isRelaxedEnvVarName, isValidPortName, isValidPortNum } from '../../api/validation/names.js';
import { arr, isObject, num, obj, objs, str } from './json-shape.js';
import { validateContainerSecurityContext } from './pod-validation-scheduling.js';
import { type VolumeInfo, validateKeySelector, validateLocalDescendingPath, validateObjectFieldSelector } from './pod-validation-volumes.js';
import { validateResourceRequirements } from './resource-validation.js';

type Errs = FieldError[];

export interface ContainerContext {
  vols: Map<string, VolumeInfo>;
  podClaimNames: Set<string>;
  /** spec.terminationGracePeriodSeconds (undefined when missing: sleep checks are skipped). */
  gracePeriod: number | undefined;
}

const NEGATIVE_MSG = 'must be greater than or equal to 0';

export function validateContainers(containers: unknown, ctx: ContainerContext, path: FieldPath): Errs {
  const list = objs(containers);
  if (list.length === 0) return [fieldErr.required(String(path))];
  const errs: Errs = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, ctx, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
    else names.add(name);
    if (isObject(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, p.child('lifecycle')));
    errs.push(...validateProbeKind(c.livenessProbe, 'liveness', ctx.gracePeriod, p.child('livenessProbe')));
    errs.push(...validateProbeKind(c.readinessProbe, 'readiness', ctx.gracePeriod, p.child('readinessProbe')));
    errs.push(...validateProbeKind(c.startupProbe, 'startup', ctx.gracePeriod, p.child('startupProbe')));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      errs.push(fieldErr.forbidden(String(p.child('restartPolicy')), 'may not be set for non-init containers'));
    }
  });
  errs.push(...accumulateUniqueHostPorts(list, new Set(), path));
  return errs;
}

export function validateInitContainers(inits: unknown, regular: unknown, ctx: ContainerContext, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>(objs(regular).map((c) => str(c.name)));
  objs(inits).forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, ctx, p));
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(fieldErr.notSupported(String(p.child('restartPolicy')), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
    else if (name) names.add(name);
    // Init containers run one at a time, so host ports only conflict within one container.
    errs.push(...accumulateUniqueHostPorts([c], new Set(), path));
    if (restartAlways) {
      if (isObject(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, p.child('lifecycle')));
      errs.push(...validateProbeKind(c.livenessProbe, 'liveness', ctx.gracePeriod, p.child('livenessProbe')));
      errs.push(...validateProbeKind(c.readinessProbe, 'readiness', ctx.gracePeriod, p.child('readinessProbe')));
      errs.push(...validateProbeKind(c.startupProbe, 'startup', ctx.gracePeriod, p.child('startupProbe')));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) {
          errs.push(fieldErr.forbidden(String(p.child(f)), 'may not be set for init containers without restartPolicy=Always'));
        }
      }
    }
  });
  return errs;
}

const EPHEMERAL_ALLOWED = new Set([
  'name', 'image', 'command', 'args', 'workingDir', 'envFrom', 'env', 'volumeMounts', 'volumeDevices',
  'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce',
  'tty', 'targetContainerName',
]);

export function validateEphemeralContainers(ephemeral: unknown, spec: JsonObject, ctx: ContainerContext, path: FieldPath): Errs {
  const list = objs(ephemeral);
  if (list.length === 0) return [];
  const errs: Errs = [];
  const others = new Set<string>([...objs(spec.containers), ...objs(spec.initContainers)].map((c) => str(c.name)));
  const all = new Set(others);
  list.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, ctx, p));
    errs.push(...validateContainerOnlyForPod(c, p));
    const name = str(c.name);
    if (all.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
    else all.add(name);
    const target = str(c.targetContainerName);
    if (target && !others.has(target)) errs.push(fieldErr.notFound(String(p.child('targetContainerName')), target));
    for (const k of Object.keys(c)) {
      const v = c[k];
      const empty = v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (k === 'resources' && isObject(v) && Object.keys(v).length === 0);
      if (!EPHEMERAL_ALLOWED.has(k) && !empty) errs.push(fieldErr.forbidden(String(p.child(k)), 'cannot be set for an Ephemeral Container'));
    }
    objs(c.volumeMounts).forEach((vm, j) => {
      for (const f of ['subPath', 'subPathExpr']) {
        if (str(vm[f])) errs.push(fieldErr.forbidden(String(p.child('volumeMounts').index(j).child(f)), 'cannot be set for an Ephemeral Container'));
      }
    });
  });
  return errs;
}

/** Pod-only (not template) check: images must not carry surrounding whitespace. */
export function validateContainerOnlyForPod(c: JsonObject, p: FieldPath): Errs {
  const image = str(c.image);
  if (image.length !== image.trim().length) return [fieldErr.invalid(String(p.child('image')), image, 'must not have leading or trailing whitespace')];
  return [];
}

function validateContainerCommon(c: JsonObject, ctx: ContainerContext, p: FieldPath): Errs {
  const errs: Errs = [];
  const name = str(c.name);
  if (!name) errs.push(fieldErr.required(String(p.child('name'))));
  else for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(String(p.child('name')), name, m));
  if (!str(c.image)) errs.push(fieldErr.required(String(p.child('image'))));
  const tmp = str(c.terminationMessagePolicy);
  if (tmp === '') errs.push(fieldErr.required(String(p.child('terminationMessagePolicy'))));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(fieldErr.notSupported(String(p.child('terminationMessagePolicy')), tmp, ['File', 'FallbackToLogsOnError']));
  }
  const mounts = objs(c.volumeMounts);
  const devices = objs(c.volumeDevices);
  errs.push(...validateContainerPorts(c.ports, p.child('ports')));
  errs.push(...validateEnv(c.env, p.child('env')));
  errs.push(...validateEnvFrom(c.envFrom, p.child('envFrom')));
  errs.push(...validateVolumeMounts(mounts, devices, ctx.vols, c, p.child('volumeMounts')));
  errs.push(...validateVolumeDevices(devices, mounts, ctx.vols, p.child('volumeDevices')));
  const pull = str(c.imagePullPolicy);
  if (pull === '') errs.push(fieldErr.required(String(p.child('imagePullPolicy'))));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) {
    errs.push(fieldErr.notSupported(String(p.child('imagePullPolicy')), pull, ['Always', 'IfNotPresent', 'Never']));
  }
  errs.push(...validateResourceRequirements(obj(c.resources), ctx.podClaimNames, p.child('resources')));
  errs.push(...validateContainerSecurityContext(c.securityContext, p.child('securityContext')));
  return errs;
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateContainerPorts(ports: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  objs(ports).forEach((port, i) => {
    const p = path.index(i);
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(fieldErr.invalid(String(p.child('name')), name, m));
      else if (names.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
      else names.add(name);
    }
    const cp = num(port.containerPort);
    if (cp === 0) errs.push(fieldErr.required(String(p.child('containerPort'))));
    else for (const m of isValidPortNum(cp)) errs.push(fieldErr.invalid(String(p.child('containerPort')), cp, m));
    const hp = num(port.hostPort);
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(fieldErr.invalid(String(p.child('hostPort')), hp, m));
    const proto = str(port.protocol);
    if (!proto) errs.push(fieldErr.required(String(p.child('protocol'))));
    else if (!PROTOCOLS.includes(proto)) errs.push(fieldErr.notSupported(String(p.child('protocol')), proto, PROTOCOLS));
  });
  return errs;
}

/** AccumulateUniqueHostPorts: a second use of protocol/hostIP/hostPort is a Duplicate on `hostPort`. */
export function accumulateUniqueHostPorts(containers: JsonObject[], seen: Set<string>, path: FieldPath): Errs {
  const errs: Errs = [];
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((port, pi) => {
      const hp = num(port.hostPort);
      if (hp === 0) return;
      const key = `${str(port.protocol)}/${str(port.hostIP)}/${hp}`;
      if (seen.has(key)) errs.push(fieldErr.duplicate(String(path.index(ci).child('ports').index(pi).child('hostPort')), key));
      else seen.add(key);
    });
  });
  return errs;
}

const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function validateEnv(env: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  objs(env).forEach((e, i) => {
    const p = path.index(i);
    const name = str(e.name);
    if (!name) errs.push(fieldErr.required(String(p.child('name'))));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(fieldErr.invalid(String(p.child('name')), name, m));
    if (!isObject(e.valueFrom)) return;
    const vf = e.valueFrom;
    const vp = p.child('valueFrom');
    let n = 0;
    if (isObject(vf.fieldRef)) {
      n++;
      errs.push(...validateObjectFieldSelector(vf.fieldRef, ENV_FIELD_PATHS, vp.child('fieldRef')));
    }
    if (isObject(vf.resourceFieldRef)) {
      n++;
      const r = str(vf.resourceFieldRef.resource);
      if (!r) errs.push(fieldErr.required(String(vp.child('resourceFieldRef').child('resource'))));
      else if (!RESOURCE_FIELD_PATHS.includes(r) && !r.startsWith('requests.hugepages-') && !r.startsWith('limits.hugepages-')) {
        errs.push(fieldErr.notSupported(String(vp.child('resourceFieldRef').child('resource')), r, RESOURCE_FIELD_PATHS));
      }
    }
    if (isObject(vf.configMapKeyRef)) {
      n++;
      errs.push(...validateKeySelector(vf.configMapKeyRef, vp.child('configMapKeyRef')));
    }
    if (isObject(vf.secretKeyRef)) {
      n++;
      errs.push(...validateKeySelector(vf.secretKeyRef, vp.child('secretKeyRef')));
    }
    if (n === 0) errs.push(fieldErr.invalid(String(vp), '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(e.value)) errs.push(fieldErr.invalid(String(vp), '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(fieldErr.invalid(String(vp), '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  objs(envFrom).forEach((e, i) => {
    const p = path.index(i);
    const prefix = str(e.prefix);
    if (prefix) for (const m of isRelaxedEnvVarName(prefix)) errs.push(fieldErr.invalid(String(p.child('prefix')), prefix, m));
    let n = 0;
    for (const ref of ['configMapRef', 'secretRef'] as const) {
      if (!isObject(e[ref])) continue;
      n++;
      const name = str(e[ref].name);
      if (!name) errs.push(fieldErr.required(String(p.child(ref).child('name'))));
      else {
        // NameIsDNSSubdomain with prefix=true tolerates one trailing '-'.
        const masked = name.length > 1 && name.endsWith('-') ? name.slice(0, -1) + 'a' : name;
        for (const m of isDNS1123Subdomain(masked)) errs.push(fieldErr.invalid(String(p.child(ref).child('name')), name, m));
      }
    }
    if (n === 0) errs.push(fieldErr.invalid(String(path), '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(fieldErr.invalid(String(path), '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: JsonObject[], devices: JsonObject[], vols: Map<string, VolumeInfo>, c: JsonObject, path: FieldPath): Errs {
  const errs: Errs = [];
  const mountPoints = new Set<string>();
  const deviceNames = new Set(devices.map((d) => str(d.name)));
  const devicePaths = new Set(devices.map((d) => str(d.devicePath)));
  mounts.forEach((m, i) => {
    const p = path.index(i);
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(fieldErr.required(String(p.child('name'))));
    if (!vols.has(name)) errs.push(fieldErr.notFound(String(p.child('name')), name));
    if (!mountPath) errs.push(fieldErr.required(String(p.child('mountPath'))));
    if (mountPoints.has(mountPath)) errs.push(fieldErr.invalid(String(p.child('mountPath')), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (deviceNames.has(name)) errs.push(fieldErr.invalid(String(p.child('name')), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) errs.push(fieldErr.invalid(String(p.child('mountPath')), mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = str(m.subPath);
    const subPathExpr = str(m.subPathExpr);
    if (subPath) errs.push(...validateLocalDescendingPath(subPath, path.child('subPath')));
    if (subPathExpr) {
      if (subPath) errs.push(fieldErr.invalid(String(p.child('subPathExpr')), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(subPathExpr, path.child('subPathExpr')));
    }
    const prop = m.mountPropagation;
    if (prop !== undefined && prop !== null) {
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(str(prop))) errs.push(fieldErr.notSupported(String(path.child('mountPropagation')), prop, supported));
      const privileged = isObject(c.securityContext) && c.securityContext.privileged === true;
      if (prop === 'Bidirectional' && !privileged) {
        errs.push(fieldErr.forbidden(String(path.child('mountPropagation')), 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    const rro = m.recursiveReadOnly;
    if (rro !== undefined && rro !== null && rro !== 'Disabled') {
      const rp = path.child('recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true) errs.push(fieldErr.forbidden(String(rp), 'may only be specified when readOnly is true'));
        if (prop !== undefined && prop !== null && prop !== 'None') {
          errs.push(fieldErr.forbidden(String(rp), 'may only be specified when mountPropagation is None or not specified'));
        }
      } else {
        errs.push(fieldErr.notSupported(String(rp), rro, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(devices: JsonObject[], mounts: JsonObject[], vols: Map<string, VolumeInfo>, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  const paths = new Set<string>();
  const mountNames = new Set(mounts.map((m) => str(m.name)));
  const mountPaths = new Set(mounts.map((m) => str(m.mountPath)));
  devices.forEach((d, i) => {
    const p = path.index(i);
    const name = str(d.name);
    const devPath = str(d.devicePath);
    const vol = vols.get(name);
    if (!name) errs.push(fieldErr.required(String(p.child('name'))));
    if (names.has(name)) errs.push(fieldErr.invalid(String(p.child('name')), name, 'must be unique'));
    if (vol && !vol.isPVC) errs.push(fieldErr.invalid(String(p.child('name')), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    if (!vol) errs.push(fieldErr.notFound(String(p.child('name')), name));
    if (!devPath) errs.push(fieldErr.required(String(p.child('devicePath'))));
    if (paths.has(devPath)) errs.push(fieldErr.invalid(String(p.child('devicePath')), devPath, 'must be unique'));
    if (devPath && devPath.split('/').includes('..')) errs.push(fieldErr.invalid(String(p.child('devicePath')), devPath, "can not contain backsteps ('..')"));
    else paths.add(devPath);
    if (mountNames.has(name)) errs.push(fieldErr.invalid(String(p.child('name')), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devPath)) errs.push(fieldErr.invalid(String(p.child('devicePath')), devPath, 'must not already exist as a path in volumeMounts'));
    if (name) names.add(name);
  });
  return errs;
}

function validateProbeKind(probe: unknown, kind: 'liveness' | 'readiness' | 'startup', grace: number | undefined, p: FieldPath): Errs {
  if (!isObject(probe)) return [];
  const errs = validateHandler(probe, false, grace, p);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = num(probe[f]);
    if (v < 0) errs.push(fieldErr.invalid(String(p.child(f)), v, NEGATIVE_MSG));
  }
  const tgp = probe.terminationGracePeriodSeconds;
  if (typeof tgp === 'number' && tgp <= 0) errs.push(fieldErr.invalid(String(p.child('terminationGracePeriodSeconds')), tgp, 'must be greater than 0'));
  if (kind === 'readiness' && tgp !== undefined && tgp !== null) {
    errs.push(fieldErr.invalid(String(p.child('terminationGracePeriodSeconds')), tgp, 'must not be set for readinessProbes'));
  }
  if (kind !== 'readiness' && num(probe.successThreshold) !== 1) {
    errs.push(fieldErr.invalid(String(p.child('successThreshold')), num(probe.successThreshold), 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lc: JsonObject, grace: number | undefined, p: FieldPath): Errs {
  const errs: Errs = [];
  if (isObject(lc.postStart)) errs.push(...validateHandler(lc.postStart, true, grace, p.child('postStart')));
  if (isObject(lc.preStop)) errs.push(...validateHandler(lc.preStop, true, grace, p.child('preStop')));
  return errs;
}

/** validateHandler: exactly one of exec/httpGet/tcpSocket/grpc (probes) or exec/httpGet/tcpSocket/sleep (lifecycle). */
function validateHandler(h: JsonObject, lifecycle: boolean, grace: number | undefined, p: FieldPath): Errs {
  const errs: Errs = [];
  const kinds = lifecycle ? ['exec', 'httpGet', 'tcpSocket', 'sleep'] : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  let n = 0;
  for (const k of kinds) {
    if (!isObject(h[k])) continue;
    if (n > 0) {
      errs.push(fieldErr.forbidden(String(p.child(k)), 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const a = h[k];
    const ap = p.child(k);
    if (k === 'exec' && arr(a.command).length === 0) errs.push(fieldErr.required(String(ap.child('command'))));
    if (k === 'httpGet') {
      if (!str(a.path)) errs.push(fieldErr.required(String(ap.child('path'))));
      errs.push(...validatePortNumOrName(a.port, ap.child('port')));
      if (a.scheme !== 'HTTP' && a.scheme !== 'HTTPS') errs.push(fieldErr.notSupported(String(ap.child('scheme')), str(a.scheme), ['HTTP', 'HTTPS']));
      for (const hd of objs(a.httpHeaders)) {
        for (const m of isHTTPHeaderName(str(hd.name))) errs.push(fieldErr.invalid(String(ap.child('httpHeaders')), str(hd.name), m));
      }
    }
    if (k === 'tcpSocket') errs.push(...validatePortNumOrName(a.port, ap.child('port')));
    if (k === 'grpc') errs.push(...validatePortNumOrName(num(a.port), ap.child('port')));
    if (k === 'sleep' && grace !== undefined) {
      const s = num(a.seconds);
      if (s <= 0 || s > grace) {
        errs.push(
          fieldErr.invalid(
            String(ap),
            s,
            `must be greater than 0 and less than terminationGracePeriodSeconds (${grace}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
          ),
        );
      }
    }
  }
  if (n === 0) errs.push(fieldErr.required(String(p), 'must specify a handler type'));
  return errs;
}

/** ValidatePortNumOrName for an IntOrString port. */
export function validatePortNumOrName(port: unknown, p: FieldPath): Errs {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => fieldErr.invalid(String(p), port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => fieldErr.invalid(String(p), port, m));
  return isValidPortNum(0).map((m) => fieldErr.invalid(String(p), 0, m));
}
