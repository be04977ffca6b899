// The remote command protocol of exec and attach over WebSocket (k8s.io/apimachinery
// pkg/util/remotecommand, wsstream): every message is binary, byte 0 the channel. 0 stdin
// (client to server), 1 stdout, 2 stderr, 3 error (a Status once the command ended), 4 resize
// (JSON {"Width","Height"}); v5 adds 255 = close of a channel ([255, 0] is the client's end of
// input). The server sends the Status on channel 3, then closes the socket normally (1000).

import type { WebSocket } from 'ws';
import type { StreamSession } from '../runtime/runtime.js';

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
export const SUPPORTED_PROTOCOLS = [V5, V4];

const HIGH_WATER = 4 * 1024 * 1024;

/** The Status on the error channel for an exit code (kubectl exits with the code it carries). */
export function exitStatus(exitCode: number, cmd: string[]): object {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export interface ChannelOptions {
  protocol: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The command, for the Status message. */
  cmd: string[];
}

/** Wires a session to a WebSocket until the command ends or the client goes away. */
export function serveRemoteCommand(ws: WebSocket, session: StreamSession, o: ChannelOptions): void {
  let closed = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = isBinary ? data : Buffer.from(data);
    if (buf.length === 0) return;
    const ch = buf[0];
    if (ch === 0) {
      if (o.stdin && buf.length > 1) session.stdin?.write(buf.subarray(1));
    } else if (ch === 4) {
      try {
        const size = JSON.parse(buf.subarray(1).toString('utf8')) as { Width?: number; Height?: number };
        if (size.Width && size.Height) session.resize(size.Width, size.Height);
      } catch {
        /* a malformed resize is ignored, as upstream does */
      }
    } else if (ch === 255 && buf[1] === 0) session.stdin?.end();
  });
  ws.on('close', () => {
    closed = true;
    session.stdin?.end();
    session.close();
  });
  ws.on('error', () => undefined);

  const pipe = (stream: NodeJS.ReadableStream | undefined, ch: number, wanted: boolean): Promise<void> =>
    new Promise((resolve) => {
      if (!stream) return resolve();
      stream.on('end', resolve);
      stream.on('error', () => resolve());
      stream.on('data', (d: Buffer) => {
        if (closed || !wanted) return;
        ws.send(Buffer.concat([Buffer.from([ch]), d]), () => {
          if (ws.bufferedAmount < HIGH_WATER && stream.isPaused()) stream.resume();
        });
        if (ws.bufferedAmount >= HIGH_WATER) stream.pause();
      });
    });
  const outputs = Promise.all([pipe(session.stdout, 1, o.stdout), pipe(session.stderr, 2, o.stderr)]);
  void Promise.all([outputs, session.exit]).then(([, r]) => {
    if (closed) return;
    ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(exitStatus(r.exitCode, o.cmd)))]), () => ws.close(1000));
  });
}
