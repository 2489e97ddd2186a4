import { CheckViolationError, ForeignKeyViolationError, UniqueViolationError } from '@parley/db';
import { HttpProblem } from '@parley/http-api';

/** The schema's rules as API answers: a taken name is 409, a broken rule 422 naming it. */
export function dbProblem(error: unknown): unknown {
  if (error instanceof UniqueViolationError) {
    return new HttpProblem(409, `That already exists (${error.constraint ?? 'unique rule'}); choose another name or id.`);
  }
  if (error instanceof CheckViolationError) return new HttpProblem(422, `A value breaks the rule ${error.constraint ?? 'of the schema'}.`);
  if (error instanceof ForeignKeyViolationError) return new HttpProblem(422, 'A value refers to something that does not exist.');
  return error;
}
