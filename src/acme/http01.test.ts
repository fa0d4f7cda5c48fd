// HTTP-01 tokens and key authorisations (RFC 8555 §8.1, §8.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcmeError } from './errors.ts';
import { http01Token, isToken, keyAuthorizationOf, planPut, planRemove } from './http01.ts';
import { EMPTY_STATE } from './state.ts';

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';

test('a token is 1–256 base64url characters', () => {
  assert.equal(http01Token(TOKEN), TOKEN);
  assert.ok(isToken('a'));
  assert.ok(isToken('x'.repeat(256)));
  for (const bad of ['', 'x'.repeat(257), 'a.b', 'a/b', 'a=b', 'a b', '..', 42]) {
    assert.throws(() => http01Token(bad), AcmeError, String(bad));
  }
});

test('a key authorisation is the token, a dot, and a base64url thumbprint', () => {
  const good = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
  assert.equal(keyAuthorizationOf(TOKEN, good), good);
  for (const bad of [
    TOKEN,
    `${TOKEN}.`,
    `other.thumb`,
    `${TOKEN}.a.b`,
    `${TOKEN}.a b`,
    `${TOKEN}x.thumb`,
    5,
  ]) {
    assert.throws(() => keyAuthorizationOf(TOKEN, bad), /keyAuthorization must be/, String(bad));
  }
});

test('planPut replaces a token; planRemove says whether it was there', () => {
  const one = planPut(EMPTY_STATE, { token: 't', keyAuthorization: 't.a', expires: 1 });
  const two = planPut(one, { token: 't', keyAuthorization: 't.b', expires: 2 });
  assert.deepEqual(two.http01, [{ token: 't', keyAuthorization: 't.b', expires: 2 }]);
  assert.deepEqual(planRemove(two, 't'), { state: EMPTY_STATE, removed: true });
  assert.equal(planRemove(two, 'u').removed, false);
});
