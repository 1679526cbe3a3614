// The floor under `run`: a Node program that starts `true` and waits for it, with nothing
// of kamal-secret loaded (bench/run.js times it): the fork and exec alone, before any secret
// is fetched. It starts the child through Node's process handle, as run does on Node 20
// (src/light/node-handles.ts).
const { Process } = process.binding('process_wrap');

const child = new Process();
child.onexit = (code) => process.exit(code);
child.spawn({
  file: 'true',
  args: ['true'],
  envPairs: Object.entries(process.env).map(([name, value]) => `${name}=${value}`),
  stdio: [0, 1, 2].map((fd) => ({ type: 'inherit', fd })),
});
