// Which value to store for each name a deploy gets: what the old files delivered (on the
// app's dotenv version, or as real Kamal printed it), unless dotenv altered it and the
// model knows the value the line meant; then the person decides (or, without a
// terminal, the meant value is stored and the output says so).

import type { DotenvVersion } from '../dotenv-model.js';
import type { Delivered, DeployEvaluation, Origin, Problem } from './evaluate.js';

export type Pick = 'intended' | 'delivered';

export interface Alteration {
  name: string;
  origin: Origin;
  why: string;
  /** false when the old files deliver different values on dotenv 3.1 and 3.2 and nothing says which the app uses */
  deliveredKnown: boolean;
}

export interface Stored {
  value: string;
  origin: Origin;
  common: boolean;
  altered?: { why: string; stored: Pick };
}

/**
 * What each deploy delivered, name by name, when the model and (if given) real Kamal
 * agree; every disagreement or version-dependent value without a meant one is a problem.
 */
export function deliveredValues(
  evaluation: DeployEvaluation,
  versions: DotenvVersion[],
  printed: Map<string, string> | undefined,
): { delivered: Map<string, string | undefined>; problems: Problem[] } {
  const delivered = new Map<string, string | undefined>();
  const problems: Problem[] = [];
  for (const [name, d] of evaluation.names) {
    const byVersion = versions.map((v) => d.values.get(v));
    const real = printed?.get(name);
    if (printed && real === undefined)
      problems.push({ name, origin: d.origin, what: 'real kamal secrets print does not deliver it' });
    else if (real !== undefined && !byVersion.includes(real))
      problems.push({
        name,
        origin: d.origin,
        what: "real kamal secrets print delivers another value than kamal-secret's model of it",
      });
    const value = real ?? (byVersion.every((v) => v === byVersion[0]) ? (byVersion[0] ?? undefined) : undefined);
    if (value === undefined && d.intended === undefined && byVersion.every((v) => v !== null))
      problems.push({
        name,
        origin: d.origin,
        what: 'dotenv 3.1 and 3.2 deliver it differently, and neither Gemfile.lock nor a kamal executable says which the app uses',
      });
    delivered.set(name, value);
  }
  if (printed)
    for (const name of printed.keys())
      if (!evaluation.names.has(name) && !evaluation.intermediates.some((d) => d.name === name))
        problems.push({
          name,
          origin: null,
          what: "real kamal secrets print delivers it, and kamal-secret's model does not",
        });
  return { delivered, problems };
}

/** The names (among those `migrated` accepts) whose delivered value is not the one their line meant, once each. */
export function alterations(
  evaluations: { evaluation: DeployEvaluation; delivered: Map<string, string | undefined> }[],
  migrated: (d: Delivered) => boolean,
): Alteration[] {
  const found = new Map<string, Alteration>();
  for (const { evaluation, delivered } of evaluations) {
    for (const [name, d] of evaluation.names) {
      const value = delivered.get(name);
      if (d.intended === undefined || d.intended === value || found.has(name) || !migrated(d)) continue;
      found.set(name, { name, origin: d.origin, why: whyAltered(d, value), deliveredKnown: value !== undefined });
    }
  }
  return [...found.values()];
}

/** The value each name is stored with, for one deploy, given the picks for altered names. */
export function storedValues(
  evaluation: DeployEvaluation,
  delivered: Map<string, string | undefined>,
  picks: Map<string, Pick>,
): Map<string, Stored> {
  const stored = new Map<string, Stored>();
  for (const [name, d] of evaluation.names) {
    const value = delivered.get(name);
    const base = { origin: d.origin, common: d.common };
    if (d.intended !== undefined && d.intended !== value) {
      const pick = value === undefined ? 'intended' : (picks.get(name) ?? 'intended');
      stored.set(name, {
        ...base,
        value: pick === 'intended' ? d.intended : value!,
        altered: { why: whyAltered(d, value), stored: pick },
      });
    } else if (value !== undefined) stored.set(name, { ...base, value });
  }
  return stored;
}

function whyAltered(d: Delivered, value: string | undefined): string {
  const versions = [...d.altered.keys()].filter((v) => value === undefined || d.values.get(v) === value);
  return [...new Set(versions.map((v) => d.altered.get(v)!))].join('; ');
}
