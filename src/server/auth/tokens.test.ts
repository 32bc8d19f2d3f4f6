import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, hashesEqual, newTokenSecret, sha256 } from './tokens.js';

describe('token secrets', () => {
  it('are long, random and recognisable', () => {
    const a = newTokenSecret();
    assert.match(a, /^osp_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newTokenSecret());
  });

  it('compare by hash, whatever the length of the guess', () => {
    assert.equal(hashesEqual(sha256('a'), sha256('a')), true);
    assert.equal(hashesEqual(sha256('a'), sha256('ab')), false);
    assert.equal(hashesEqual(sha256('a'), Buffer.alloc(3)), false);
  });

  it('are read from Bearer headers only', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    assert.equal(bearerToken('Basic abc'), null);
    assert.equal(bearerToken('Bearer'), null);
    assert.equal(bearerToken('Bearer a b'), null);
    assert.equal(bearerToken(undefined), null);
  });
});
