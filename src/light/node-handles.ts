// Node's own pipe and process handles: the bindings its net and child_process modules are
// built on. The fast paths need one pipe connection (the agent) and one child (run's
// command); loading net for that costs about 10% of Node's start-up and child_process 3% more
// (they bring Node's whole stream stack), which is more than get and run do besides.
//
// process.binding is deprecated (DEP0111, in the documentation only) and the shapes behind
// it are not a public contract. So the handles are used only on the Node majors our tests run
// on, and not when the user asked Node to report pending deprecations; everywhere else the
// callers use net and child_process (src/light/pipe-connection.ts, spawn-inherited.ts).

/** The Node majors whose bindings these shapes were checked against (CI runs the suite on them). */
export const CHECKED_NODE_MAJORS = ['20'];

export interface NodeHandles {
  Pipe: new (type: number) => PipeHandle;
  PipeConnectWrap: new () => { oncomplete: (status: number) => void };
  pipeSocketType: number;
  WriteWrap: new () => { handle: PipeHandle; oncomplete: (status: number) => void };
  /** after a read: the bytes read or an error (negative), and where they start in the buffer */
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  Process: new () => ProcessHandle;
}

export interface PipeHandle {
  connect(req: object, path: string): number;
  onread: (buffer: ArrayBuffer | undefined) => void;
  readStart(): number;
  writeUtf8String(req: object, text: string): number;
  close(): void;
}

export interface ProcessHandle {
  onexit: (exitCode: number, signal: NodeJS.Signals | '') => void;
  spawn(options: {
    file: string;
    args: string[];
    envPairs: string[];
    stdio: { type: 'inherit'; fd: number }[];
  }): number;
  kill(signal: number): number;
  close(): void;
}

let loaded: NodeHandles | null | undefined;

/** The handles, or null where the public modules must be used. */
export function nodeHandles(): NodeHandles | null {
  if (loaded === undefined) loaded = loadHandles();
  return loaded;
}

function loadHandles(): NodeHandles | null {
  const binding = (process as unknown as { binding?(name: string): Record<string, unknown> }).binding;
  // Under --pending-deprecation (in any spelling Node takes, or NODE_PENDING_DEPRECATION=1) Node
  // wraps process.binding to warn, or to throw later with --throw-deprecation: then, or if anything
  // else wrapped it, the public modules serve.
  if (!CHECKED_NODE_MAJORS.includes(process.versions.node.split('.')[0]) || binding?.name !== 'binding') return null;
  try {
    const pipe = binding('pipe_wrap') as { Pipe: unknown; PipeConnectWrap: unknown; constants: { SOCKET: number } };
    const stream = binding('stream_wrap');
    const handles = {
      Pipe: pipe.Pipe,
      PipeConnectWrap: pipe.PipeConnectWrap,
      pipeSocketType: pipe.constants.SOCKET,
      WriteWrap: stream.WriteWrap,
      streamBaseState: stream.streamBaseState,
      kReadBytesOrError: stream.kReadBytesOrError,
      kArrayBufferOffset: stream.kArrayBufferOffset,
      Process: binding('process_wrap').Process,
    };
    const complete =
      [handles.Pipe, handles.PipeConnectWrap, handles.WriteWrap, handles.Process].every(
        (f) => typeof f === 'function',
      ) &&
      handles.streamBaseState instanceof Int32Array &&
      [handles.pipeSocketType, handles.kReadBytesOrError, handles.kArrayBufferOffset].every(
        (n) => typeof n === 'number',
      );
    return complete ? (handles as NodeHandles) : null;
  } catch {
    return null; // the permission model refuses it, or a binding is not what it was
  }
}
