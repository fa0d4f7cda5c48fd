// docs/errors.md ↔ API_ERRORS (Fastify test/internals/errors.test.js), and how errors map to codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PersistError, SourceError } from '../sources/source.ts';
import { RECORD_ERROR_CODES, RecordError } from '../store/record.ts';
import { API_ERRORS, ApiError, errorBody } from './errors.ts';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

function documented(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of docs.split('\n')) {
    const m = /^\| `([A-Z_]+)` +\| (\d{3}) +\|/.exec(line);
    if (m === null) continue;
    assert.ok(!rows.has(m[1]!), `docs/errors.md lists ${m[1]} twice`);
    rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

test('docs/errors.md lists exactly the codes of API_ERRORS, with their statuses', () => {
  assert.deepEqual([...documented()].sort(), Object.entries(API_ERRORS).sort());
});

test('every code of the spec (behavior.md §6) is an API code', () => {
  for (const code of [
    'RECORD_NOT_FOUND',
    'RECORD_EXISTS',
    'INVALID_RECORD_TYPE',
    'INVALID_TTL',
    'INVALID_NAME',
    'INVALID_VALUE',
    'RELOAD_FAILED',
    'UNAUTHORIZED',
    'PERSIST_FAILED',
  ]) {
    assert.ok(code in API_ERRORS, code);
  }
});

test('every RecordError code maps to a documented code', () => {
  for (const code of RECORD_ERROR_CODES) {
    const { status, body } = errorBody(new RecordError(code, 'x'));
    assert.equal(API_ERRORS[body.code], status, code);
  }
  // A change set naming one RRset twice is the client's mistake, not a failed reload.
  assert.equal(errorBody(new RecordError('RELOAD_FAILED', 'x')).body.code, 'INVALID_REQUEST');
});

test('errors map to their codes; anything unknown is a 500 that reveals nothing', () => {
  assert.deepEqual(errorBody(new ApiError('NOT_FOUND', 'no route')), {
    status: 404,
    body: { error: 'no route', code: 'NOT_FOUND' },
  });
  assert.deepEqual(errorBody(new PersistError('file /x: cannot write: no space left on device')), {
    status: 503,
    body: { error: 'file /x: cannot write: no space left on device', code: 'PERSIST_FAILED' },
  });
  assert.deepEqual(
    errorBody(new SourceError('file /x', [{ message: 'records[1]: bad', line: 9 }, { message: 'other' }])),
    {
      status: 422,
      body: {
        error: 'file /x: line 9: records[1]: bad; other',
        code: 'RELOAD_FAILED',
        line: 9,
        problems: ['line 9: records[1]: bad', 'other'],
      },
    },
  );
  assert.deepEqual(errorBody(new SyntaxError('Unexpected end of JSON input')).body.code, 'INVALID_REQUEST');
  assert.deepEqual(errorBody(Object.assign(new Error('bad length'), { statusCode: 400 })), {
    status: 400,
    body: { error: 'bad length', code: 'INVALID_REQUEST' },
  });
  assert.deepEqual(errorBody(new Error('secret')), {
    status: 500,
    body: { error: 'internal error', code: 'INTERNAL_ERROR' },
  });
  assert.deepEqual(errorBody('a string thrown').status, 500);
});
