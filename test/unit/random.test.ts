import { randomHex, randomUint32 } from '../../src/random';

describe('random (crypto pool)', () => {
  test('hex of the asked length; values never repeat across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      // 12 bytes does not divide the 4096-byte pool: requests straddle every refill
      const h = randomHex(12);
      expect(h).toMatch(/^[0-9a-f]{24}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(5000);
    expect(randomHex(0)).toBe('');
    expect(randomHex(1000)).toMatch(/^[0-9a-f]{2000}$/); // larger than one take: straight from crypto
    expect(() => randomHex(-1)).toThrow(/out of range/);
  });

  test('randomUint32 covers the unsigned 32-bit range', () => {
    const xs = Array.from({ length: 4000 }, () => randomUint32());
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(3990);
    // each of the top bits is set in roughly half the values (a stuck byte would show)
    for (const bit of [31, 24, 16, 8, 0]) {
      const ones = xs.filter((x) => (x >>> bit) & 1).length;
      expect(ones).toBeGreaterThan(1700);
      expect(ones).toBeLessThan(2300);
    }
  });
});
