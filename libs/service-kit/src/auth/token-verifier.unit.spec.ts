import type { JWTPayload } from 'jose';
import { RememberingVerifier, TokenVerifier } from './token-verifier';

const counting = (payloads: Record<string, JWTPayload>): TokenVerifier & { calls: number } => {
  const verifier = {
    calls: 0,
    async verify(token: string) {
      verifier.calls++;
      const payload = payloads[token];
      if (!payload) throw new Error('signature verification failed');
      return payload;
    },
  };
  return verifier;
};

describe('RememberingVerifier', () => {
  it('given a verified token, when it is sent again before it expires, then it is not verified again', async () => {
    const inner = counting({ a: { sub: 'x', exp: 1_000 } });
    const verifier = new RememberingVerifier(inner, 30, 10, () => 500_000);
    await verifier.verify('a');
    await verifier.verify('a');
    expect(inner.calls).toBe(1);
  });

  it('given a remembered token, when it has expired (past the tolerance), then it is checked again and refused', async () => {
    let now = 500_000;
    const payloads: Record<string, JWTPayload> = { a: { sub: 'x', exp: 1_000 } };
    const inner = counting(payloads);
    const verifier = new RememberingVerifier(inner, 30, 10, () => now);
    await verifier.verify('a');
    now = 1_031_000;
    delete payloads.a; // the real verifier refuses an expired token
    await expect(verifier.verify('a')).rejects.toThrow('signature verification failed');
    expect(inner.calls).toBe(2);
  });

  it('never remembers a token that failed, and forgets the oldest past its capacity', async () => {
    const inner = counting({ a: { sub: 'a', exp: 9e9 }, b: { sub: 'b', exp: 9e9 }, c: { sub: 'c', exp: 9e9 } });
    const verifier = new RememberingVerifier(inner, 0, 2, () => 0);
    await expect(verifier.verify('forged')).rejects.toThrow();
    await expect(verifier.verify('forged')).rejects.toThrow();
    for (const token of ['a', 'b', 'c', 'a']) await verifier.verify(token);
    expect(inner.calls).toBe(2 + 4); // two forged attempts, a b c, then a again (evicted by c)
  });
});
