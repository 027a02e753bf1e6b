/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64).
///
/// Same seed → same sequence on every machine; used for dither, shuffling,
/// augmentation and weight initialisation.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareGaussian: Float?

    /// The full generator state (for checkpoints).
    public var state: [UInt64] {
        get { [s.0, s.1, s.2, s.3, spareGaussian.map { UInt64($0.bitPattern) } ?? UInt64.max] }
        set {
            precondition(newValue.count == 5)
            s = (newValue[0], newValue[1], newValue[2], newValue[3])
            spareGaussian = newValue[4] == UInt64.max ? nil : Float(bitPattern: UInt32(truncatingIfNeeded: newValue[4]))
        }
    }

    /// A generator for one item of a seeded stream, e.g. (seed, epoch, utterance).
    public init(seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) {
        self.init(seed: seed ^ (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F) ^ 0x1234_5678)
    }

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal sample (Box–Muller, pairs cached).
    public mutating func nextGaussian() -> Float {
        if let g = spareGaussian {
            spareGaussian = nil
            return g
        }
        var u1: Float
        repeat { u1 = nextUniform() } while u1 <= 0
        let u2 = nextUniform()
        let r = (-2 * logf(u1)).squareRoot()
        let theta = 2 * Float.pi * u2
        spareGaussian = r * sinf(theta)
        return r * cosf(theta)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
