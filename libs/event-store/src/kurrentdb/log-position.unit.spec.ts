import { compareKurrentPositions, decodeKurrentPosition, encodeKurrentPosition } from './log-position';

describe('KurrentDB log positions', () => {
  it('encode as <commit>/<prepare> and decode back exactly, beyond 2^53', () => {
    const position = { commit: 18446744073709551615n, prepare: 9007199254740993n };

    expect(encodeKurrentPosition(position)).toBe('18446744073709551615/9007199254740993');
    expect(decodeKurrentPosition(encodeKurrentPosition(position))).toEqual(position);
  });

  it.each(['', '12', '12/', '/12', '-1/0', '1/2/3', '0x10/1', ' 1/1'])('refuse %p', (text) => {
    expect(() => decodeKurrentPosition(text)).toThrow(/not a KurrentDB log position/);
  });

  it('order by commit position, then prepare position', () => {
    const positions = ['20/20', '10/5', '10/10', '9/30', '10/7'].map(decodeKurrentPosition);

    expect(positions.sort(compareKurrentPositions).map(encodeKurrentPosition)).toEqual(['9/30', '10/5', '10/7', '10/10', '20/20']);
    expect(compareKurrentPositions(decodeKurrentPosition('3/3'), decodeKurrentPosition('3/3'))).toBe(0);
  });
});
