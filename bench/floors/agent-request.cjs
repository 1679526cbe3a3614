// The floor under `get`: a Node program that asks the agent one question over its socket
// and prints the reply, with nothing of kamal-secret loaded (bench/run.js times it). It talks
// through Node's pipe handle, as get does on Node 20 (src/light/node-handles.ts).
const { Pipe, PipeConnectWrap, constants } = process.binding('pipe_wrap');
const { WriteWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset } = process.binding('stream_wrap');

const pipe = new Pipe(constants.SOCKET);
const connecting = new PipeConnectWrap();
connecting.oncomplete = () => {
  const write = new WriteWrap();
  write.handle = pipe;
  write.oncomplete = () => {};
  pipe.writeUtf8String(write, `${JSON.stringify({ op: 'get', name: process.argv[2], chain: [''] })}\n`);
  pipe.onread = (buffer) => {
    const read = streamBaseState[kReadBytesOrError];
    require('node:fs').writeSync(1, Buffer.from(buffer, streamBaseState[kArrayBufferOffset], Math.max(read, 0)));
    process.exit();
  };
  pipe.readStart();
};
pipe.connect(connecting, process.env.KAMAL_SECRET_AGENT_SOCK);
