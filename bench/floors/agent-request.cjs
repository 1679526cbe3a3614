// The floor under `get`: a Node program that asks the agent one question over its socket
// and prints the reply, with nothing of kamal-secret loaded (bench/run.js times it).
const conn = require('node:net').createConnection(process.env.KAMAL_SECRET_AGENT_SOCK);
conn.on('connect', () => conn.write(`${JSON.stringify({ op: 'get', name: process.argv[2], chain: [''] })}\n`));
conn.on('data', (reply) => {
  require('node:fs').writeSync(1, reply);
  process.exit();
});
