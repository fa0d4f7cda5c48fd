// Schemas shared by the route files: the error reply, declared on every route for each status it
// can answer with, so that the OpenAPI document lists them.
import Type from 'typebox';

/** ErrorReply is the JSON body of every error (api/errors.ts ErrorBody). */
export const ErrorReply = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for people.' }),
    code: Type.String({ description: 'What went wrong, for programs: see docs/errors.md.' }),
    line: Type.Optional(Type.Integer({ description: 'Line of the first problem in a refused source.' })),
    problems: Type.Optional(Type.Array(Type.String(), { description: 'Every problem of a refused source.' })),
  },
  { description: 'An error.' },
);

/** errorResponses declares ErrorReply for each of statuses, for a route's `response` schema. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorReply> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorReply]));
}
