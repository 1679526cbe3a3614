// The floor under `run` with its one request: a Node program that asks the agent for the
// secrets a scope sees (argv[2]) and starts `true` with them in its environment, with nothing
// of kamal-secret loaded (bench/run.js times it). Both through Node's handles, as run does on
// Node 20 (src/light/node-handles.ts): what run cannot do without, whatever its code.
const { Pipe, PipeConnectWrap, constants } = process.binding('pipe_wrap');
const { WriteWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset } = process.binding('stream_wrap');
const { Process } = process.binding('process_wrap');

const pipe = new Pipe(constants.SOCKET);
const connecting = new PipeConnectWrap();
connecting.oncomplete = () => {
  const write = new WriteWrap();
  write.handle = pipe;
  write.oncomplete = () => {};
  pipe.writeUtf8String(write, `${JSON.stringify({ op: 'visible', chain: [process.argv[2], ''] })}\n`);
  pipe.onread = (buffer) => {
    const read = streamBaseState[kReadBytesOrError];
    const reply = JSON.parse(Buffer.from(buffer, streamBaseState[kArrayBufferOffset], Math.max(read, 0)).toString());
    pipe.close();
    const env = { ...process.env };
    for (const [name, { value }] of reply.secrets) env[name] = value;
    const child = new Process();
    child.onexit = (code) => process.exit(code);
    child.spawn({
      file: 'true',
      args: ['true'],
      envPairs: Object.entries(env).map(([name, value]) => `${name}=${value}`),
      stdio: [0, 1, 2].map((fd) => ({ type: 'inherit', fd })),
    });
  };
  pipe.readStart();
};
pipe.connect(connecting, process.env.KAMAL_SECRET_AGENT_SOCK);
