import ASRCore
import AudioIO
import Foundation

/// Waveform and feature perturbations for training, all driven by a seeded
/// generator so an epoch is reproducible (and resumable) exactly.
public enum Augmenter {
    /// Speed perturbation, gain and additive noise on a waveform at `rate` Hz.
    public static func waveform(_ x: [Float], rate: Int, options o: AugmentOptions, rng: inout SeededGenerator) -> [Float] {
        var y = x
        if !o.speeds.isEmpty {
            let f = o.speeds[Int(rng.next() % UInt64(o.speeds.count))]
            if f != 1 {
                // Play the samples as if recorded at rate·f, resampled back to rate: tempo and pitch × f.
                let fake = Int((Float(rate) * f).rounded())
                if let r = try? AudioFile.resample(Audio(samples: y, sampleRate: fake), to: rate, quality: .fastest) {
                    y = r.samples
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
