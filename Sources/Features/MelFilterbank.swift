import Foundation

/// Kaldi's mel scale: `1127 ln(1 + f / 700)`.
@inline(__always)
public func melScale(_ hz: Float) -> Float { 1127 * logf(1 + hz / 700) }

/// Inverse of `melScale`.
@inline(__always)
public func inverseMelScale(_ mel: Float) -> Float { 700 * (expf(mel / 1127) - 1) }

/// One triangular filter, stored sparsely: weights for FFT bins
/// `offset ..< offset + weights.count`.
public struct MelBin: Equatable, Sendable {
    public var offset: Int
    public var weights: [Float]
}

/// Kaldi's piecewise-linear VTLN frequency warp (`MelBanks::VtlnWarpFreq`).
/// Inside `[lowFreq, highFreq]` a frequency is divided by `warp`, except near
/// the band edges: below `l = lowCutoff · max(1, warp)` and above
/// `h = highCutoff · min(1, warp)` two straight segments join the scaled part
/// to the band edges, which stay where they are. Outside the band: unchanged.
/// `warp` > 1 moves the filters down in frequency (a longer vocal tract, a
/// deeper voice read as a higher one), < 1 up.
public func vtlnWarpFrequency(_ freq: Float, warp: Float, lowCutoff: Float, highCutoff: Float,
                              lowFreq: Float, highFreq: Float) -> Float {
    if freq < lowFreq || freq > highFreq { return freq }
    let l = lowCutoff * max(1, warp)
    let h = highCutoff * min(1, warp)
    let scale = 1 / warp
    let fl = scale * l, fh = scale * h
    let scaleLeft = (fl - lowFreq) / (l - lowFreq)
    let scaleRight = (highFreq - fh) / (highFreq - h)
    if freq < l { return lowFreq + scaleLeft * (freq - lowFreq) }
    if freq < h { return scale * freq }
    return highFreq + scaleRight * (freq - highFreq)
}

/// Kaldi's triangular mel filterbank (`MelBanks`) over the FFT bins
/// k = 0 … N/2 − 1 of an N-point FFT (the Nyquist bin gets no weight, as in
/// Kaldi). Filters are equally spaced on the mel scale between `lowFreq` and
/// `highFreq` (≤ 0: offset from Nyquist); each rises linearly in mel from its
/// left edge to its centre and falls to its right edge. With `vtlnWarp` ≠ 1
/// each filter's edges and centre are moved by `vtlnWarpFrequency` (cut-offs
/// `vtlnLow`, `vtlnHigh`; `vtlnHigh` ≤ 0: offset from Nyquist), as Kaldi's
/// `--vtln-warp` does.
public func melFilterbank(bins numBins: Int, fftSize: Int, sampleRate: Float,
                          lowFreq: Float, highFreq: Float,
                          vtlnWarp: Float = 1, vtlnLow: Float = 100, vtlnHigh: Float = -500) -> [MelBin] {
    let numFftBins = fftSize / 2
    let nyquist = 0.5 * sampleRate
    let high = highFreq > 0 ? highFreq : nyquist + highFreq
    let vtlnHighHz = vtlnHigh > 0 ? vtlnHigh : nyquist + vtlnHigh
    let fftBinWidth = sampleRate / Float(fftSize)
    let melLow = melScale(lowFreq), melHigh = melScale(high)
    let delta = (melHigh - melLow) / Float(numBins + 1)
    func warped(_ mel: Float) -> Float {
        guard vtlnWarp != 1 else { return mel }
        return melScale(vtlnWarpFrequency(inverseMelScale(mel), warp: vtlnWarp, lowCutoff: vtlnLow, highCutoff: vtlnHighHz,
                                          lowFreq: lowFreq, highFreq: high))
    }
    return (0..<numBins).map { b in
        let left = warped(melLow + Float(b) * delta)
        let center = warped(melLow + Float(b + 1) * delta)
        let right = warped(melLow + Float(b + 2) * delta)
        var first = -1
        var weights: [Float] = []
        for k in 0..<numFftBins {
            let mel = melScale(fftBinWidth * Float(k))
            if mel > left && mel < right {
                let w = mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center)
                if first < 0 { first = k }
                // Bins between the first and this one are all inside the triangle (mel is monotonic).
                weights.append(w)
            }
        }
        return MelBin(offset: max(first, 0), weights: weights)
    }
}

/// Filterbanks of one extractor at other VTLN warps, made on first use and
/// shared between threads (training draws a warp per utterance).
final class WarpedFilterbanks: @unchecked Sendable {
    private let lock = NSLock()
    private var banks: [UInt32: [MelBin]] = [:]
    private let make: @Sendable (Float) -> [MelBin]

    init(_ make: @escaping @Sendable (Float) -> [MelBin]) { self.make = make }

    /// The filterbanks of `mel` over an `fftSize`-point FFT at `sampleRate`.
    convenience init(mel: MelOptions, sampleRate: Float, fftSize: Int) {
        self.init { w in
            melFilterbank(bins: mel.numBins, fftSize: fftSize, sampleRate: sampleRate, lowFreq: mel.lowFreq, highFreq: mel.highFreq,
                          vtlnWarp: w, vtlnLow: mel.vtlnLow, vtlnHigh: mel.vtlnHigh)
        }
    }

    func bank(_ warp: Float) -> [MelBin] {
        lock.lock()
        defer { lock.unlock() }
        if let b = banks[warp.bitPattern] { return b }
        let b = make(warp)
        banks[warp.bitPattern] = b
        return b
    }
}

/// A dense `[numBins, N/2 + 1]` copy of a filterbank (for tests and plots).
public func denseFilterbank(_ bank: [MelBin], fftSize: Int) -> [[Float]] {
    bank.map { bin in
        var row = [Float](repeating: 0, count: fftSize / 2 + 1)
        for (j, w) in bin.weights.enumerated() { row[bin.offset + j] = w }
        return row
    }
}
