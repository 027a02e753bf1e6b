import ASRCore
import Foundation

/// Which log energy of each frame to report alongside its spectrum.
enum EnergyKind {
    case none
    /// After dither and DC removal, before pre-emphasis and window (Kaldi raw_energy).
    case raw
    /// Of the windowed, pre-emphasised frame.
    case windowed
}

/// Frames a waveform and yields each frame's power (or magnitude) spectrum,
/// following Kaldi's `ExtractWindow` + `ProcessWindow` exactly: reflect at the
/// edges (snip_edges = false), scale, dither, remove DC, raw energy,
/// pre-emphasis (`x[i] −= c·x[i−1]` from the end, `x[0] −= c·x[0]`), window,
/// zero-pad, FFT. Immutable and shareable across threads; each call to
/// `forEachFrame` uses its own buffers.
struct SpectralFrontEnd: Sendable {
    let options: FrameOptions
    let layout: FrameLayout
    let window: [Float]
    /// FFT size N.
    let fftSize: Int

    init(_ options: FrameOptions) {
        self.options = options
        layout = FrameLayout(options)
        window = windowFunction(options.windowType, count: options.windowSize, blackmanCoeff: options.blackmanCoeff)
        fftSize = options.paddedWindowSize
    }

    /// Number of spectrum values per frame (N/2 + 1).
    var spectrumSize: Int { fftSize / 2 + 1 }

    /// Calls `body(t, spectrum, logEnergy)` for every frame t of `samples`
    /// (values in [-1, 1]). `spectrum` holds N/2 + 1 values, valid only during
    /// the call. `logEnergy` is `log(max(Σx², FLT_EPSILON))` of the kind asked, or 0.
    func forEachFrame(_ samples: [Float], energy: EnergyKind, usePower: Bool = true,
                      _ body: (Int, UnsafeMutablePointer<Float>, Float) -> Void) {
        let n = samples.count
        let frames = layout.frameCount(sampleCount: n)
        guard frames > 0 else { return }
        let length = layout.length
        let fft = RealFFT(size: fftSize)
        let spectrum = UnsafeMutablePointer<Float>.allocate(capacity: spectrumSize)
        defer { spectrum.deallocate() }
        let x = fft.input  // the frame, zero-padded to N
        for i in length..<fftSize { x[i] = 0 }
        let scale = options.waveformScale
        let preemph = options.preemphCoeff
        var rng = SeededGenerator(seed: options.ditherSeed)
        let eps = Float.ulpOfOne  // FLT_EPSILON, Kaldi's floor before log
        samples.withUnsafeBufferPointer { wave in
            window.withUnsafeBufferPointer { win in
                for t in 0..<frames {
                    let start = layout.firstSample(ofFrame: t)
                    if start >= 0 && start + length <= n {
                        for i in 0..<length { x[i] = wave[start + i] * scale }
                    } else {
                        for i in 0..<length { x[i] = wave[FrameLayout.reflect(start + i, count: n)] * scale }
                    }
                    if options.dither != 0 {
                        for i in 0..<length { x[i] += options.dither * rng.nextGaussian() }
                    }
                    if options.removeDcOffset {
                        var sum: Float = 0
                        for i in 0..<length { sum += x[i] }
                        let mean = sum / Float(length)
                        for i in 0..<length { x[i] -= mean }
                    }
                    var logEnergy: Float = 0
                    if case .raw = energy { logEnergy = logf(max(sumOfSquares(x, length), eps)) }
                    if preemph != 0 {
                        var i = length - 1
                        while i > 0 { x[i] -= preemph * x[i - 1]; i -= 1 }
                        x[0] -= preemph * x[0]
                    }
                    for i in 0..<length { x[i] *= win[i] }
                    if case .windowed = energy { logEnergy = logf(max(sumOfSquares(x, length), eps)) }
                    fft.powerSpectrum(into: spectrum)
                    if !usePower {
                        for k in 0..<spectrumSize { spectrum[k] = spectrum[k].squareRoot() }
                    }
                    body(t, spectrum, logEnergy)
                }
            }
        }
    }
}

@inline(__always)
func sumOfSquares(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    var s: Float = 0
    for i in 0..<n { s += x[i] * x[i] }
    return s
}
