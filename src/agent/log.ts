import path from 'node:path';

/** The agent's log, next to the vault (it never holds a value). */
export const agentLogPath = (vaultPath: string) => path.join(path.dirname(vaultPath), 'agent.log');
