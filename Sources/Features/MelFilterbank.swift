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

/// Kaldi's triangular mel filterbank (`MelBanks`, no VTLN) over the FFT bins
/// k = 0 … N/2 − 1 of an N-point FFT (the Nyquist bin gets no weight, as in
/// Kaldi). Filters are equally spaced on the mel scale between `lowFreq` and
/// `highFreq` (≤ 0: offset from Nyquist); each rises linearly in mel from its
/// left edge to its centre and falls to its right edge.
public func melFilterbank(bins numBins: Int, fftSize: Int, sampleRate: Float,
                          lowFreq: Float, highFreq: Float) -> [MelBin] {
    let numFftBins = fftSize / 2
    let nyquist = 0.5 * sampleRate
    let high = highFreq > 0 ? highFreq : nyquist + highFreq
    let fftBinWidth = sampleRate / Float(fftSize)
    let melLow = melScale(lowFreq), melHigh = melScale(high)
    let delta = (melHigh - melLow) / Float(numBins + 1)
    return (0..<numBins).map { b in
        let left = melLow + Float(b) * delta
        let center = melLow + Float(b + 1) * delta
        let right = melLow + Float(b + 2) * delta
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

/// A dense `[numBins, N/2 + 1]` copy of a filterbank (for tests and plots).
public func denseFilterbank(_ bank: [MelBin], fftSize: Int) -> [[Float]] {
    bank.map { bin in
        var row = [Float](repeating: 0, count: fftSize / 2 + 1)
        for (j, w) in bin.weights.enumerated() { row[bin.offset + j] = w }
        return row
    }
}
