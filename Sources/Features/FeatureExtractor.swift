import ASRCore
import Foundation

/// A feature extractor: waveform in, `[T, D]` features out. Implementations
/// are immutable and may be shared between threads.
public protocol FeatureExtracting: Sendable {
    /// D, the number of values per frame.
    var dimension: Int { get }
    /// Sample rate the extractor expects, Hz.
    var sampleRate: Float { get }
    /// Features `[T, D]` of `samples` (values in [-1, 1] at `sampleRate`).
    func compute(_ samples: [Float]) -> Matrix
    /// The same with the mel filterbank warped by `vtlnWarp` instead of the
    /// options' factor (training draws one per utterance).
    func compute(_ samples: [Float], vtlnWarp: Float) -> Matrix
}

/// Applies a sparse filterbank to a spectrum.
@inline(__always)
func applyFilterbank(_ bank: [MelBin], _ spectrum: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    for (b, bin) in bank.enumerated() {
        var e: Float = 0
        bin.weights.withUnsafeBufferPointer { w in
            let s = spectrum + bin.offset
            for j in 0..<w.count { e += w[j] * s[j] }
        }
        out[b] = e
    }
}

/// Log-mel filterbank features, Kaldi-compatible (`compute-fbank-feats`).
public final class FbankExtractor: FeatureExtracting {
    public let options: FbankOptions
    let frontEnd: SpectralFrontEnd
    /// The filterbank (sparse), over the FFT bins, at `options.vtlnWarp`.
    public let filterbank: [MelBin]
    let warped: WarpedFilterbanks

    public init(_ options: FbankOptions) {
        self.options = options
        frontEnd = SpectralFrontEnd(options.frame)
        warped = WarpedFilterbanks(mel: options.mel, sampleRate: options.frame.sampleRate, fftSize: frontEnd.fftSize)
        filterbank = warped.bank(options.vtlnWarp)
    }

    public var dimension: Int { options.mel.numBins + (options.useEnergy ? 1 : 0) }
    public var sampleRate: Float { options.frame.sampleRate }

    public func compute(_ samples: [Float]) -> Matrix { compute(samples, filterbank: filterbank) }

    public func compute(_ samples: [Float], vtlnWarp: Float) -> Matrix {
        compute(samples, filterbank: vtlnWarp == options.vtlnWarp ? filterbank : warped.bank(vtlnWarp))
    }

    func compute(_ samples: [Float], filterbank: [MelBin]) -> Matrix {
        let layout = frontEnd.layout
        let T = layout.frameCount(sampleCount: samples.count)
        let D = dimension
        var out = Matrix(rows: T, cols: D)
        let bins = options.mel.numBins
        let melOffset = options.useEnergy && !options.htkCompat ? 1 : 0
        let energyIndex = options.htkCompat ? bins : 0
        let energyKind: EnergyKind = options.useEnergy ? (options.rawEnergy ? .raw : .windowed) : .none
        let logFloor = options.energyFloor > 0 ? logf(options.energyFloor) : -Float.infinity
        let eps = Float.ulpOfOne
        out.storage.withUnsafeMutableBufferPointer { o in
            frontEnd.forEachFrame(samples, energy: energyKind, usePower: options.usePower) { t, spectrum, logEnergy in
                let row = o.baseAddress! + t * D
                applyFilterbank(filterbank, spectrum, into: row + melOffset)
                if options.useLogFbank {
                    for b in 0..<bins { row[melOffset + b] = logf(max(row[melOffset + b], eps)) }
                }
                if options.useEnergy { row[energyIndex] = max(logEnergy, logFloor) }
            }
        }
        return out
    }
}

/// Mel-frequency cepstral coefficients, Kaldi-compatible (`compute-mfcc-feats`).
public final class MfccExtractor: FeatureExtracting {
    public let options: MfccOptions
    let frontEnd: SpectralFrontEnd
    public let filterbank: [MelBin]
    let warped: WarpedFilterbanks
    /// `[numCeps, numBins]` orthonormal DCT-II rows.
    public let dct: Matrix
    /// Lifter coefficients, one per cepstrum.
    public let lifter: [Float]

    public init(_ options: MfccOptions) {
        self.options = options
        frontEnd = SpectralFrontEnd(options.frame)
        warped = WarpedFilterbanks(mel: options.mel, sampleRate: options.frame.sampleRate, fftSize: frontEnd.fftSize)
        filterbank = warped.bank(options.vtlnWarp)
        dct = dctMatrix(rows: options.numCeps, cols: options.mel.numBins)
        lifter = cepstralLifter(count: options.numCeps, q: options.cepstralLifter)
    }

    public var dimension: Int { options.numCeps }
    public var sampleRate: Float { options.frame.sampleRate }

    public func compute(_ samples: [Float]) -> Matrix { compute(samples, filterbank: filterbank) }

    public func compute(_ samples: [Float], vtlnWarp: Float) -> Matrix {
        compute(samples, filterbank: vtlnWarp == options.vtlnWarp ? filterbank : warped.bank(vtlnWarp))
    }

    func compute(_ samples: [Float], filterbank: [MelBin]) -> Matrix {
        let T = frontEnd.layout.frameCount(sampleCount: samples.count)
        let C = options.numCeps, bins = options.mel.numBins
        var out = Matrix(rows: T, cols: C)
        let energyKind: EnergyKind = options.useEnergy ? (options.rawEnergy ? .raw : .windowed) : .none
        let logFloor = options.energyFloor > 0 ? logf(options.energyFloor) : -Float.infinity
        let eps = Float.ulpOfOne
        let mel = UnsafeMutablePointer<Float>.allocate(capacity: bins)
        defer { mel.deallocate() }
        out.storage.withUnsafeMutableBufferPointer { o in
            dct.storage.withUnsafeBufferPointer { d in
                frontEnd.forEachFrame(samples, energy: energyKind) { t, spectrum, logEnergy in
                    applyFilterbank(filterbank, spectrum, into: mel)
                    for b in 0..<bins { mel[b] = logf(max(mel[b], eps)) }
                    let row = o.baseAddress! + t * C
                    for c in 0..<C {
                        var s: Float = 0
                        let dr = d.baseAddress! + c * bins
                        for b in 0..<bins { s += dr[b] * mel[b] }
                        row[c] = s * lifter[c]
                    }
                    if options.useEnergy { row[0] = max(logEnergy, logFloor) }
                    if options.htkCompat {
                        var energy = row[0]
                        for c in 0..<(C - 1) { row[c] = row[c + 1] }
                        if !options.useEnergy { energy *= Float(2).squareRoot() }
                        row[C - 1] = energy
                    }
                }
            }
        }
        return out
    }
}

/// Orthonormal DCT-II rows (Kaldi `ComputeDctMatrix`):
/// `M[k, n] = √(1/N)` for k = 0, `√(2/N) cos(π/N (n + ½) k)` otherwise.
public func dctMatrix(rows K: Int, cols N: Int) -> Matrix {
    var m = Matrix(rows: K, cols: N)
    for k in 0..<K {
        let norm = k == 0 ? (1.0 / Double(N)).squareRoot() : (2.0 / Double(N)).squareRoot()
        for n in 0..<N {
            m[k, n] = Float(norm * cos(Double.pi / Double(N) * (Double(n) + 0.5) * Double(k)))
        }
    }
    return m
}

/// Kaldi's cepstral lifter `1 + Q/2 · sin(π i / Q)`; all ones when Q = 0.
public func cepstralLifter(count: Int, q: Float) -> [Float] {
    guard q != 0 else { return [Float](repeating: 1, count: count) }
    return (0..<count).map { Float(1 + 0.5 * Double(q) * sin(Double.pi * Double($0) / Double(q))) }
}
