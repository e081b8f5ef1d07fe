import { expect } from 'chai';
import { wholeNumber } from './env.ts';

describe('bench env: wholeNumber', () => {
  it('the fallback when unset, the number when a whole number in range, else an error naming the variable, the range and the value', () => {
    expect(wholeNumber('N', undefined, 7)).to.equal(7);
    expect(wholeNumber('N', '1', 7)).to.equal(1);
    expect(wholeNumber('N', '9', 7, 1, 9)).to.equal(9);
    expect(() => wholeNumber('N', '0', 7)).to.throw('N: expected a whole number >= 1, got "0"');
    expect(() => wholeNumber('N', '1.5', 7)).to.throw('N: expected a whole number >= 1, got "1.5"');
    expect(() => wholeNumber('N', '', 7)).to.throw('N: expected a whole number >= 1, got ""');
    expect(() => wholeNumber('R', '10', 3, 1, 9)).to.throw('R: expected a whole number from 1 to 9, got "10"');
    expect(() => wholeNumber('R', '0', 3, 1, 9)).to.throw('R: expected a whole number from 1 to 9, got "0"');
  });
});
