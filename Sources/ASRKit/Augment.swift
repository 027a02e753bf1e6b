import ASRCore
import AudioIO
import Foundation

/// Waveform and feature perturbations for training, all driven by a seeded
/// generator so an epoch is reproducible (and resumable) exactly.
public enum Augmenter {
    /// Speed perturbation, gain and additive noise on a waveform at `rate` Hz.
    /// With `speedCache`, the speed-perturbed waveform of utterance `index` is taken
    /// from (or put into) the cache instead of being resampled again: same result.
    public static func waveform(_ x: [Float], rate: Int, options o: AugmentOptions, rng: inout SeededGenerator,
                                speedCache: SpeedPerturbationCache? = nil, index: Int = 0) -> [Float] {
        var y = x
        if !o.speeds.isEmpty {
            let f = o.speeds[Int(rng.next() % UInt64(o.speeds.count))]
            if f != 1 {
                // Play the samples as if recorded at rate·f, resampled back to rate: tempo and pitch × f.
                let fake = Int((Float(rate) * f).rounded())
                let perturb = { (try? AudioFile.resample(Audio(samples: x, sampleRate: fake), to: rate, quality: .fastest))?.samples }
                if let r = speedCache.map({ $0.samples(index, factor: f, orCompute: perturb) }) ?? perturb() {
                    y = r
                }
            }
        }
        if o.gainDb[1] > o.gainDb[0] || o.gainDb[0] != 0 {
            let g = powf(10, (o.gainDb[0] + (o.gainDb[1] - o.gainDb[0]) * rng.nextUniform()) / 20)
            for i in 0..<y.count { y[i] *= g }
        }
        if o.noiseProbability > 0 && rng.nextUniform() < o.noiseProbability {
            let snr = o.noiseSnrDb[0] + (o.noiseSnrDb[1] - o.noiseSnrDb[0]) * rng.nextUniform()
            var power: Float = 0
            for v in y { power += v * v }
            power /= Float(max(y.count, 1))
            // Coloured noise: a random mix of white and brown (integrated) noise.
            let colour = rng.nextUniform()
            var noise = [Float](repeating: 0, count: y.count)
            var brown: Float = 0
            var np: Float = 0
            for i in 0..<y.count {
                let w = rng.nextGaussian()
                brown = 0.98 * brown + 0.2 * w
                noise[i] = (1 - colour) * w + colour * brown
                np += noise[i] * noise[i]
            }
            np /= Float(max(y.count, 1))
            if np > 0 && power > 0 {
                let scale = (power / np / powf(10, snr / 10)).squareRoot()
                for i in 0..<y.count { y[i] += scale * noise[i] }
            }
        }
        return y
    }

    /// SpecAugment: frequency and time masks set to 0 (the mean after CMVN).
    public static func specAugment(_ x: inout Matrix, options o: SpecAugmentOptions, rng: inout SeededGenerator) {
        let T = x.rows, D = x.cols
        guard T > 0 else { return }
        for _ in 0..<o.freqMasks where o.freqWidth > 0 {
            let w = Int(rng.next() % UInt64(o.freqWidth + 1))
            let f0 = Int(rng.next() % UInt64(max(D - w, 1)))
            for t in 0..<T { for d in f0..<min(D, f0 + w) { x[t, d] = 0 } }
        }
        for _ in 0..<o.timeMasks where o.timeWidth > 0 {
            let w = min(Int(rng.next() % UInt64(o.timeWidth + 1)), T / 5)
            let t0 = Int(rng.next() % UInt64(max(T - w, 1)))
            for t in t0..<min(T, t0 + w) { for d in 0..<D { x[t, d] = 0 } }
        }
    }
}

/// Speed-perturbed copies of the training utterances, so that each (utterance,
/// speed) pair is resampled once instead of every epoch: libsamplerate took ~23%
/// of a digits training epoch. The result is the same with or without it (the
/// resampler is deterministic). Each utterance's slots are touched only by the
/// thread handling that utterance, and an utterance appears once in a batch.
public final class SpeedPerturbationCache: @unchecked Sendable {
    /// The factors other than 1 (those are resampled).
    public let factors: [Float]
    /// Estimated size when full.
    public let bytes: Int
    let count: Int
    let slots: UnsafeMutablePointer<[Float]?>

    /// nil when nothing is perturbed or the copies would exceed `budgetBytes`.
    /// `sampleCounts`: length of each utterance.
    public init?(speeds: [Float], sampleCounts: [Int], budgetBytes: Int) {
        factors = Array(Set(speeds.filter { $0 != 1 && $0 > 0 })).sorted()
        let total = sampleCounts.reduce(0, +)
        bytes = Int(factors.reduce(0.0) { $0 + Double(total) / Double($1) } * Double(MemoryLayout<Float>.size))
        guard !factors.isEmpty, !sampleCounts.isEmpty, bytes <= budgetBytes else { return nil }
        count = sampleCounts.count
        slots = .allocate(capacity: count * factors.count)
        slots.initialize(repeating: nil, count: count * factors.count)
    }

    deinit {
        slots.deinitialize(count: count * factors.count)
        slots.deallocate()
    }

    /// Default budget: a quarter of physical memory, at most 4 GiB.
    public static var defaultBudget: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 4, 4 << 30)) }

    /// The cached waveform of utterance `index` at `factor`, computed (and kept) on first use.
    public func samples(_ index: Int, factor: Float, orCompute compute: () -> [Float]?) -> [Float]? {
        guard index >= 0, index < count, let k = factors.firstIndex(of: factor) else { return compute() }
        let slot = slots + index * factors.count + k
        if let y = slot.pointee { return y }
        let y = compute()
        slot.pointee = y
        return y
    }

    /// Waveforms held now (for tests and logs).
    public var filled: Int { (0..<(count * factors.count)).reduce(0) { $0 + (slots[$1] == nil ? 0 : 1) } }
}
