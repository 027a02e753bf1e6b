import ASRCore
import AudioIO
import Features
import Foundation

/// Waveform and feature perturbations for training, all driven by a seeded
/// generator so an epoch is reproducible (and resumable) exactly.
public enum Augmenter {
    /// The waveform perturbations of `o`, in the order sound meets them: the
    /// talker (speed, tempo, pitch), other talkers (babble), the room (reverb, echo),
    /// level (gain) and noise, the channel (band limit, equaliser, telephone),
    /// and clipping. Random draws happen only for what `o` turns on, so a recipe
    /// without the newer perturbations draws exactly what it drew before them.
    /// With `speedCache`, the speed-perturbed waveform of utterance `index` is taken
    /// from (or put into) the cache instead of being resampled again: same result.
    /// `babble`: the number of other utterances and how to read one (by index).
    public static func waveform(_ x: [Float], rate: Int, options o: AugmentOptions, rng: inout SeededGenerator,
                                speedCache: SpeedPerturbationCache? = nil, index: Int = 0,
                                babble: (count: Int, samples: (Int) -> [Float])? = nil) throws -> [Float] {
        var y = x
        func uniform(_ r: [Float]) -> Float { r[0] + (r[1] - r[0]) * rng.nextUniform() }
        func happens(_ p: Float) -> Bool { p > 0 && rng.nextUniform() < p }
        if !o.speeds.isEmpty {
            let f = o.speeds[Int(rng.next() % UInt64(o.speeds.count))]
            if f != 1 { y = try speedCache.map { try $0.samples(index, factor: f) { try speed(x, factor: f, rate: rate) } } ?? speed(x, factor: f, rate: rate) }
        }
        if happens(o.tempoProbability) { y = timeStretch(y, tempo: uniform(o.tempo), rate: rate) }
        if happens(o.pitchProbability) {
            // Tempo 1/p keeps the pitch and makes it p times longer; playing it p times faster shifts the pitch by p.
            let p = powf(2, uniform(o.pitchSemitones) / 12)
            y = try speed(timeStretch(y, tempo: 1 / p, rate: rate), factor: p, rate: rate)
        }
        if happens(o.trimProbability) { y = trimmedToSpeech(y, rate: rate) }
        if let babble, babble.count > 0, happens(o.babbleProbability) {
            let talkers = o.babbleTalkers[0] + Int(rng.next() % UInt64(o.babbleTalkers[1] - o.babbleTalkers[0] + 1))
            var mix = [Float](repeating: 0, count: y.count)
            let speech = meanPower(y)
            for _ in 0..<talkers {
                let other = babble.samples(Int(rng.next() % UInt64(babble.count)))
                guard !other.isEmpty else { continue }
                let offset = Int(rng.next() % UInt64(other.count))
                let gain = (speech / max(meanPower(other), 1e-12) / powf(10, uniform(o.babbleSnrDb) / 10)).squareRoot()
                for i in 0..<y.count { mix[i] += gain * other[(offset + i) % other.count] }
            }
            for i in 0..<y.count { y[i] += mix[i] }
        }
        if happens(o.reverbProbability) {
            let h = syntheticRoomImpulseResponse(rt60: uniform(o.reverbRt60), drrDb: uniform(o.reverbDrrDb), rate: rate, rng: &rng)
            let before = meanPower(y)
            y = Array(convolve(y, h).prefix(y.count))
            let g = (before / max(meanPower(y), 1e-20)).squareRoot()
            for i in 0..<y.count { y[i] *= g }
        }
        if happens(o.echoProbability) {
            let delay = max(1, Int((uniform(o.echoDelayMs) / 1000 * Float(rate)).rounded()))
            let before = meanPower(y)
            y = feedbackEcho(y, delay: delay, feedback: uniform(o.echoFeedback))
            let g = (before / max(meanPower(y), 1e-20)).squareRoot()
            for i in 0..<y.count { y[i] *= g }
        }
        if o.gainDb[1] > o.gainDb[0] || o.gainDb[0] != 0 {
            let g = powf(10, uniform(o.gainDb) / 20)
            for i in 0..<y.count { y[i] *= g }
        }
        if o.noiseProbability > 0 && rng.nextUniform() < o.noiseProbability {
            addColouredNoise(&y, snrDb: uniform(o.noiseSnrDb), rng: &rng)
        }
        if happens(o.bandLimitProbability) {
            y = Biquad.highPass(cutoff: uniform(o.highpassHz), rate: rate).apply(y)
            y = Biquad.lowPass(cutoff: min(uniform(o.lowpassHz), 0.45 * Float(rate)), rate: rate).apply(y)
        }
        if happens(o.eqProbability) {
            for _ in 0..<2 {
                let f = 200 * powf(25, rng.nextUniform())  // 200–5000 Hz, log-uniform
                y = Biquad.peaking(center: min(f, 0.45 * Float(rate)), gainDb: uniform(o.eqGainDb), q: 1, rate: rate).apply(y)
            }
        }
        if happens(o.telephoneProbability) && rate > 8000 {
            let narrow = try AudioFile.resample(Audio(samples: y, sampleRate: rate), to: 8000, quality: .fastest).samples
            let line = Audio(samples: muLawRoundTrip(narrow), sampleRate: 8000)
            let back = try AudioFile.resample(line, to: rate, quality: .fastest).samples
            y = (0..<y.count).map { $0 < back.count ? back[$0] : 0 }
        }
        if happens(o.clipProbability) {
            var peak: Float = 0
            for v in y { peak = max(peak, abs(v)) }
            y = clip(y, level: peak * uniform(o.clipLevel))
        }
        return y
    }

    /// `x` from its first to its last voiced 10 ms frame, voiced by `PauseSegmenter`'s
    /// rule (what a piece of a cut recording keeps at padding 0); `x` when no frame is voiced.
    static func trimmedToSpeech(_ x: [Float], rate: Int) -> [Float] {
        var e = PauseSegmenter.Energies(sampleRate: rate)
        e.add(x)
        e.finish()
        let threshold = PauseSegmenter().threshold(e.values)
        guard let first = e.values.firstIndex(where: { $0 >= threshold }),
              let last = e.values.lastIndex(where: { $0 >= threshold }) else { return x }
        let frame = PauseSegmenter.samplesPerFrame(rate: rate)
        return Array(x[(first * frame)..<min(x.count, (last + 1) * frame)])
    }

    /// Tempo and pitch × `factor`: the samples played as if recorded at rate·factor, resampled back to rate.
    static func speed(_ x: [Float], factor f: Float, rate: Int) throws -> [Float] {
        try AudioFile.resample(Audio(samples: x, sampleRate: Int((Float(rate) * f).rounded())), to: rate, quality: .fastest).samples
    }

    /// Adds coloured noise at `snrDb` below the signal's mean power: a random mix
    /// of white and brown (integrated) noise.
    public static func addColouredNoise(_ y: inout [Float], snrDb snr: Float, rng: inout SeededGenerator) {
        let power = meanPower(y)
        let colour = rng.nextUniform()
        var noise = [Float](repeating: 0, count: y.count)
        var brown: Float = 0
        for i in 0..<y.count {
            let w = rng.nextGaussian()
            brown = 0.98 * brown + 0.2 * w
            noise[i] = (1 - colour) * w + colour * brown
        }
        let np = meanPower(noise)
        if np > 0 && power > 0 {
            let scale = (power / np / powf(10, snr / 10)).squareRoot()
            for i in 0..<y.count { y[i] += scale * noise[i] }
        }
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
/// of a digits training epoch. Copies are kept until they fill `budgetBytes`;
/// later ones are resampled each time they are drawn (the memory of training
/// never grows with the corpus past the budget). The result is the same with or
/// without it (the resampler is deterministic). Each utterance's slots are
/// touched only by the thread handling that utterance, and an utterance appears
/// once in a batch; the byte count is shared under a lock.
public final class SpeedPerturbationCache: @unchecked Sendable {
    /// The factors other than 1 (those are resampled).
    public let factors: [Float]
    /// Estimated size of every copy.
    public let bytes: Int
    /// Bytes the copies may take.
    public let budgetBytes: Int
    let count: Int
    let slots: UnsafeMutablePointer<[Float]?>
    private let lock = NSLock()
    private var used = 0

    /// nil when nothing is perturbed or the budget is 0. `sampleCounts`: length of each utterance.
    public init?(speeds: [Float], sampleCounts: [Int], budgetBytes: Int) {
        factors = Array(Set(speeds.filter { $0 != 1 && $0 > 0 })).sorted()
        let total = sampleCounts.reduce(0, +)
        bytes = Int(factors.reduce(0.0) { $0 + Double(total) / Double($1) } * Double(MemoryLayout<Float>.size))
        guard !factors.isEmpty, !sampleCounts.isEmpty, budgetBytes > 0 else { return nil }
        self.budgetBytes = budgetBytes
        count = sampleCounts.count
        slots = .allocate(capacity: count * factors.count)
        slots.initialize(repeating: nil, count: count * factors.count)
    }

    deinit {
        slots.deinitialize(count: count * factors.count)
        slots.deallocate()
    }

    /// The waveform of utterance `index` at `factor`: the kept copy, or computed
    /// (and kept while the budget allows).
    public func samples(_ index: Int, factor: Float, orCompute compute: () throws -> [Float]) rethrows -> [Float] {
        guard index >= 0, index < count, let k = factors.firstIndex(of: factor) else { return try compute() }
        let slot = slots + index * factors.count + k
        if let y = slot.pointee { return y }
        let y = try compute()
        let size = y.count * MemoryLayout<Float>.size
        lock.lock()
        let keep = used + size <= budgetBytes
        if keep { used += size }
        lock.unlock()
        if keep { slot.pointee = y }
        return y
    }

    /// Bytes of the copies kept now.
    public var usedBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return used
    }

    /// Waveforms held now (for tests and logs).
    public var filled: Int { (0..<(count * factors.count)).reduce(0) { $0 + (slots[$1] == nil ? 0 : 1) } }
}
