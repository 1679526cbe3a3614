// Values that will not reach a Kamal deploy intact, and why (reference/kamal-secrets.md).

export interface ValueRisk {
  code: 'dollar' | 'command-text' | 'multiline' | 'backslash';
  message: string;
}

export function kamalValueRisks(value: string): ValueRisk[] {
  const risks: ValueRisk[] = [];
  if (value.includes('$(')) {
    risks.push({
      code: 'command-text',
      message: 'contains "$(": dotenv 3.1 (Kamal < 2.11) runs it as a command even through NAME=$NAME',
    });
  } else if (value.includes('$')) {
    risks.push({
      code: 'dollar',
      message:
        'contains "$": through $(kamal-secret get …) dotenv 3.2 expands it; use env mode (NAME=$NAME with kamal-secret run)',
    });
  }
  if (/[\r\n]/.test(value)) {
    risks.push({
      code: 'multiline',
      message:
        'spans several lines: Kamal writes it escaped into the container env file (basecamp/kamal#1467), so the app sees \\n, not newlines',
    });
  } else if (value.includes('\\')) {
    risks.push({
      code: 'backslash',
      message: 'contains a backslash: Kamal writes it escaped into the container env file, so the app sees it doubled',
    });
  }
  return risks;
}
