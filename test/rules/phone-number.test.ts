import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePhoneNumber } from '../../shared/rules/phone-number';

describe('normalisePhoneNumber', () => {
  it('reduces every common way of writing a mobile number to the same digits', () => {
    for (const form of [
      '13800138000',
      '+86 138-0013-8000',
      '8613800138000',
      '0086 13800138000',
      '+8613800138000',
    ]) {
      assert.equal(normalisePhoneNumber(form), '13800138000', form);
    }
  });

  it('keeps the trunk 0 of a fixed line, adding it back to an international form', () => {
    assert.equal(normalisePhoneNumber('05923391657'), '05923391657');
    assert.equal(normalisePhoneNumber('+86 592 3391657'), '05923391657');
    assert.equal(normalisePhoneNumber('(0592) 339-1657'), '05923391657');
    // Beijing's area code is 10: written internationally it starts with 1, and is no mobile.
    assert.equal(normalisePhoneNumber('+86 10 8888 9999'), '01088889999');
    assert.equal(normalisePhoneNumber('0086 10 8888 9999'), normalisePhoneNumber('010-8888-9999'));
  });

  it('leaves service numbers such as 400 lines alone', () => {
    assert.equal(normalisePhoneNumber('400-800-1234'), '4008001234');
    assert.equal(normalisePhoneNumber('95555'), '95555');
  });
});
