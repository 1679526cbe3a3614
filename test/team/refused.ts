// The one assertion every refusal test makes.
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';
import { FILE } from './fixtures.js';

/** Expects `promise` to be refused as a UserError with `code`: one line, naming the file, matching `message`. */
export async function expectRefused(promise: Promise<unknown>, message: RegExp, code = 'team_refused'): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected a refusal').toBeInstanceOf(UserError);
  expect((error as UserError).code).toBe(code);
  expect((error as UserError).message).toContain(FILE);
  expect((error as UserError).message).toMatch(message);
  expect((error as UserError).line).not.toContain('\n');
}
