/**
 * The CRC-32 of two byte sequences put end to end, from their own CRC-32s and the second one's length: what
 * zlib's manual calls crc32_combine(crc1, crc2, len2). Lets blocks compressed in parallel, each with its own
 * CRC, end in the CRC-32 that gzip's trailer holds for the whole input (RFC 1952 §2.3.1, CRC32).
 *
 * The math, for the CRC-32 of RFC 1952 §8 (polynomial P = 0xEDB88320 bit-reflected, register preset to all
 * ones, result complemented). Feeding a byte string M into the register is linear over GF(2):
 * R(s, M) = s·x^(8|M|) mod P ⊕ R(0, M). With CRC(M) = R(~0, M) ⊕ ~0:
 *   CRC(A‖B) = R(~0, A)·x^(8|B|) ⊕ R(0, B) ⊕ ~0
 *            = (CRC(A) ⊕ ~0)·x^(8|B|) ⊕ R(0, B) ⊕ ~0
 *            = CRC(A)·x^(8|B|) ⊕ CRC(B)            since CRC(B) = ~0·x^(8|B|) ⊕ R(0, B) ⊕ ~0.
 * So only x^(8|B|) mod P is needed, by square-and-multiply: about 2·log2(8|B|) products of 32-bit polynomials.
 */

/** The CRC-32 polynomial without its x^32 term, bit-reflected (RFC 1952 §8). */
const POLYNOMIAL = 0xedb88320;
/** x^0 = 1 in the reflected representation, where bit 31 holds the coefficient of x^0 and bit 0 that of x^31. */
const ONE = 0x80000000;
/** x^1. */
const X = 0x40000000;

/** a·b mod P, both reflected polynomials of degree < 32. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  let factor = b;
  // For each term x^i of a, from x^0 up, add factor = b·x^i; shifting right multiplies by x, and the term pushed
  // past x^31 is x^32, which is reduced by adding P.
  for (let term = ONE; term !== 0; term >>>= 1) {
    if ((a & term) !== 0) product ^= factor;
    factor = (factor & 1) !== 0 ? (factor >>> 1) ^ POLYNOMIAL : factor >>> 1;
  }
  return product >>> 0;
}

/** x^n mod P, for any safe integer n >= 0. */
function xPowerModP(n: number): number {
  let result = ONE;
  let square = X;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) result = multiplyModP(result, square);
    square = multiplyModP(square, square);
  }
  return result;
}

/** CRC-32 of A‖B from crcA = CRC-32(A), crcB = CRC-32(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0)
    throw new RangeError(`lengthB must be a byte count, got ${lengthB}`);
  return (multiplyModP(xPowerModP(8 * lengthB), crcA >>> 0) ^ crcB) >>> 0;
}
