#!/usr/bin/env node
// Thin launcher: `get` takes a fast path that asks a running agent and loads nothing
// heavy; everything else (and `get` when the agent cannot answer) runs the full CLI.
const { main } = await import('../dist/cli/main.js');
await main();
