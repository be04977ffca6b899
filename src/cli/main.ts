// The `k8ts` command.

import { DataDirLockedError } from './data-dir-lock.js';
import { UsageError } from './flags.js';
import { EtcdUnreachableError } from '../storage/etcd/etcd-store.js';
import { RuncUnavailableError } from '../kubelet/runtime/runc/preflight.js';
import { UnknownRuntimeError } from '../kubelet/runtime/create-runtime.js';
import { up } from './up.js';
import { agent } from './agent.js';
import { image } from './image.js';
import { SERVER_VERSION } from '../apiserver/server.js';

const HELP = `k8ts: a lightweight Kubernetes-compatible workload orchestrator

Usage:
  k8ts up [--data-dir DIR] [--port N] [--host ADDR] [--nodes N]
          [--runtime sim|process|runc] [--storage sqlite|etcd|memory]
                                                      start a cluster in the foreground
  k8ts agent --kubeconfig FILE --name NODE [--runtime sim|process|runc] [--data-dir DIR]
                                                      run one more node agent
  k8ts image import|ls|rm|pull [--data-dir DIR] ...   manage the node's images (runc runtime)
  k8ts version                                        print the version
Run 'k8ts <command> --help' for a command's flags.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      return up(rest);
    case 'agent':
      return agent(rest);
    case 'image':
      return image(rest);
    case 'version':
    case '--version':
      console.log(`k8ts ${SERVER_VERSION.gitVersion}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command "${cmd}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // Errors that say what to do are printed as they are; anything else with its stack.
    const known = [UsageError, DataDirLockedError, EtcdUnreachableError, RuncUnavailableError, UnknownRuntimeError];
    if (known.some((k) => err instanceof k)) console.error(`error: ${err.message}`);
    else console.error('error:', err);
    process.exit(1);
  },
);
