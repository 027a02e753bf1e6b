import Foundation
import Testing
@testable import ASRCore
@testable import Features
import _TestSupport

@Suite struct FFTTests {
    /// FFTW's real FFT against an O(N²) DFT in Double, for power-of-two and
    /// other sizes. Tolerance: 1e-4 relative to the spectrum's largest magnitude.
    @Test(arguments: [2, 8, 64, 400, 512, 1024, 1000])
    func matchesNaiveDFT(size: Int) {
        var rng = SeededGenerator(seed: UInt64(size))
        let x = (0..<size).map { _ in rng.nextGaussian() }
        let fft = RealFFT(size: size)
        let got = fft.spectrum(of: x)
        let ref = Reference.dft(x)
        #expect(got.count == size / 2 + 1)
        let scale = ref.map { ($0.re * $0.re + $0.im * $0.im).squareRoot() }.max()!
        var worst = 0.0
        for k in 0..<ref.count {
            worst = max(worst, abs(Double(got[k].re) - ref[k].re), abs(Double(got[k].im) - ref[k].im))
        }
        #expect(worst / scale < 1e-4)
    }

    @Test func powerSpectrumOfCosineIsOneBin() {
        let n = 512, k0 = 37
        let fft = RealFFT(size: n)
        for i in 0..<n { fft.input[i] = Float(cos(2 * Double.pi * Double(k0 * i) / Double(n))) }
        var p = [Float](repeating: 0, count: n / 2 + 1)
        p.withUnsafeMutableBufferPointer { fft.powerSpectrum(into: $0.baseAddress!) }
        // |X[k0]|² = (N/2)² exactly in theory; within 1e-3 relative in Float.
        #expect(abs(p[k0] - Float(n * n / 4)) / Float(n * n / 4) < 1e-3)
        #expect(p.enumerated().filter { $0.offset != k0 }.allSatisfy { $0.element < 1e-3 })
    }

    /// Planning from many threads at once must not crash (the planner is locked).
    @Test func concurrentPlanning() async {
        await withTaskGroup(of: Float.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let fft = RealFFT(size: 96 + 2 * i)
                    return fft.spectrum(of: [Float](repeating: 1, count: 96 + 2 * i))[0].re
                }
            }
            for await dc in group { #expect(dc >= 96) }
        }
    }
}

@Suite struct FramingTests {
    @Test func windowsFollowKaldi() {
        let n = 400
        let a = 2 * Double.pi / Double(n - 1)
        let hann = windowFunction(.hann, count: n)
        let povey = windowFunction(.povey, count: n)
        let hamming = windowFunction(.hamming, count: n)
        let blackman = windowFunction(.blackman, count: n)
        for i in [0, 1, 57, 199, 200, 399] {
            let c = cos(a * Double(i))
            #expect(abs(hann[i] - Float(0.5 - 0.5 * c)) < 1e-7)
            #expect(abs(povey[i] - Float(pow(0.5 - 0.5 * c, 0.85))) < 1e-7)
            #expect(abs(hamming[i] - Float(0.54 - 0.46 * c)) < 1e-7)
            #expect(abs(blackman[i] - Float(0.42 - 0.5 * c + 0.08 * cos(2 * a * Double(i)))) < 1e-7)
        }
        #expect(windowFunction(.rectangular, count: 5) == [1, 1, 1, 1, 1])
        #expect(hann[0] == 0 && abs(hann[399]) < 1e-7)  // symmetric, ends at zero
        #expect(WindowType(name: "hanning") == .hann)
    }

    /// Frame counts: snip_edges true `1 + (N − L)/S`, false `(N + S/2)/S`.
    @Test func frameCounts() {
        let snip = FrameLayout(length: 400, shift: 160, snipEdges: true)
        let centred = FrameLayout(length: 400, shift: 160, snipEdges: false)
        #expect(snip.frameCount(sampleCount: 399) == 0)
        #expect(snip.frameCount(sampleCount: 400) == 1)
        #expect(snip.frameCount(sampleCount: 16000) == 98)
        #expect(centred.frameCount(sampleCount: 16000) == 100)
        #expect(centred.frameCount(sampleCount: 79) == 0)
        #expect(centred.frameCount(sampleCount: 80) == 1)
        #expect(centred.firstSample(ofFrame: 0) == 80 - 200)
        #expect(centred.firstSample(ofFrame: 3) == 3 * 160 + 80 - 200)
    }

    @Test func reflection() {
        // Kaldi: −1 → 0, −2 → 1, N → N−1, N+1 → N−2.
        #expect(FrameLayout.reflect(-1, count: 10) == 0)
        #expect(FrameLayout.reflect(-2, count: 10) == 1)
        #expect(FrameLayout.reflect(10, count: 10) == 9)
        #expect(FrameLayout.reflect(11, count: 10) == 8)
        #expect(FrameLayout.reflect(-25, count: 10) == 4)  // bounces until inside
        #expect(FrameLayout.reflect(5, count: 10) == 5)
    }

    @Test func optionSizes() {
        var o = FrameOptions()
        #expect(o.windowSize == 400 && o.windowShift == 160 && o.paddedWindowSize == 512)
        o.sampleRate = 8000
        #expect(o.windowSize == 200 && o.paddedWindowSize == 256)
        o.roundToPowerOfTwo = false
        #expect(o.paddedWindowSize == 200)
    }
}

@Suite struct MelTests {
    @Test func melScaleIsKaldis() {
        #expect(abs(melScale(1000) - 1127 * logf(1 + 1000.0 / 700)) < 1e-3)
        #expect(abs(inverseMelScale(melScale(3456)) - 3456) < 0.05)
    }

    /// Every filter is a triangle: peaks ≤ 1, weights in (0, 1], contiguous,
    /// centres increasing; nothing outside low…high; Nyquist bin unused.
    @Test func filterShapes() {
        let bank = melFilterbank(bins: 23, fftSize: 512, sampleRate: 16000, lowFreq: 20, highFreq: -400)
        #expect(bank.count == 23)
        var lastPeak = -1
        for bin in bank {
            #expect(!bin.weights.isEmpty)
            #expect(bin.weights.allSatisfy { $0 > 0 && $0 <= 1 })
            let peak = bin.offset + bin.weights.indices.max(by: { bin.weights[$0] < bin.weights[$1] })!
            #expect(peak > lastPeak)
            lastPeak = peak
            let lowBin = 20.0 / (16000.0 / 512)
            let highBin = (8000.0 - 400) / (16000.0 / 512)
            #expect(Double(bin.offset) > lowBin - 1)
            #expect(Double(bin.offset + bin.weights.count - 1) < highBin)
        }
        let dense = denseFilterbank(bank, fftSize: 512)
        #expect(dense.allSatisfy { $0[256] == 0 })
    }
}

@Suite struct DeltaTests {
    @Test func kaldiScales() {
        let s = deltaScales(order: 2, window: 2)
        #expect(s[0] == [1])
        #expect(closeness(s[1], [-0.2, -0.1, 0, 0.1, 0.2], abs: 1e-7).passes)
        // Kaldi's delta-delta filter: [4, 4, 1, −4, −10, −4, 1, 4, 4] / 100.
        #expect(closeness(s[2], [0.04, 0.04, 0.01, -0.04, -0.1, -0.04, 0.01, 0.04, 0.04], abs: 1e-7).passes)
    }

    /// First-order deltas against the regression formula written out, with edge
    /// frames repeated; second order in the interior equals deltas of deltas.
    @Test func againstBruteForce() {
        var rng = SeededGenerator(seed: 3)
        let T = 17, D = 3
        let x = Matrix(rows: T, cols: D, storage: (0..<(T * D)).map { _ in rng.nextGaussian() })
        let y = addDeltas(x, order: 2, window: 2)
        #expect(y.rows == T && y.cols == 3 * D)
        func at(_ m: Matrix, _ t: Int, _ d: Int) -> Float { m[min(max(t, 0), m.rows - 1), d] }
        var delta = Matrix(rows: T, cols: D)
        for t in 0..<T {
            for d in 0..<D {
                var s: Float = 0
                for j in 1...2 { s += Float(j) * (at(x, t + j, d) - at(x, t - j, d)) }
                delta[t, d] = s / 10
                #expect(abs(y[t, d] - x[t, d]) == 0)
                #expect(abs(y[t, D + d] - delta[t, d]) < 1e-6)
            }
        }
        for t in 4..<(T - 4) {
            for d in 0..<D {
                var s: Float = 0
                for j in 1...2 { s += Float(j) * (delta[t + j, d] - delta[t - j, d]) }
                #expect(abs(y[t, 2 * D + d] - s / 10) < 1e-5)
            }
        }
    }
}

@Suite struct CMVNTests {
    @Test func utteranceCMVNGivesZeroMeanUnitVariance() {
        var rng = SeededGenerator(seed: 5)
        let x = Matrix(rows: 200, cols: 4, storage: (0..<800).map { i in 3 + Float(1 + i % 4) * rng.nextGaussian() + Float(i % 4) })
        let y = applyUtteranceCMVN(x, normVars: true)
        for d in 0..<4 {
            let col = (0..<200).map { Double(y[$0, d]) }
            let mean = col.reduce(0, +) / 200
            let variance = col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 200
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-4)
        }
        let z = applyUtteranceCMVN(x, normVars: false)
        let meanOnly = (0..<200).map { Double(z[$0, 2]) }.reduce(0, +) / 200
        #expect(abs(meanOnly) < 1e-5)
    }

    /// Global stats accumulated in pieces equal stats over the whole; they
    /// survive a JSON round trip exactly.
    @Test func globalStatsSaveAndLoad() throws {
        var rng = SeededGenerator(seed: 9)
        let a = Matrix(rows: 30, cols: 3, storage: (0..<90).map { _ in rng.nextGaussian() })
        let b = Matrix(rows: 20, cols: 3, storage: (0..<60).map { _ in rng.nextGaussian() + 2 })
        var s1 = CMVNStats(dimension: 3); s1.accumulate(a)
        var s2 = CMVNStats(dimension: 3); s2.accumulate(b)
        s1.merge(s2)
        var whole = CMVNStats(dimension: 3)
        whole.accumulate(Matrix(rows: 50, cols: 3, storage: a.storage + b.storage))
        #expect(s1.count == 50)
        for d in 0..<3 { #expect(abs(s1.sum[d] - whole.sum[d]) < 1e-9) }
        let dir = TestPaths.temporaryDirectory("cmvn")
        let p = dir.appendingPathComponent("cmvn.json").path
        try s1.save(to: p)
        #expect(try CMVNStats.load(from: p) == s1)
        FileManager.default.createFile(atPath: p, contents: Data(#"{"count": 3}"#.utf8))
        #expect(throws: FileError.self) { try CMVNStats.load(from: p) }
    }

    /// Online CMVN against the rule computed per frame from scratch in Double
    /// (the window's frames, the prior scaled to the missing frames): 1e-5
    /// absolute, over a window shorter than the input and a prior longer than
    /// the first frames; and causal: a prefix's result is the whole's first rows.
    @Test(arguments: [(7, 5, false), (7, 5, true), (300, 200, false), (1, 0, false), (4, 0, true)])
    func onlineCMVNFollowsTheRule(window: Int, priorFrames: Int, normVars: Bool) {
        var rng = SeededGenerator(seed: 11)
        let T = 40, D = 3
        let x = Matrix(rows: T, cols: D, storage: (0..<(T * D)).map { i in 2 + Float(i % D) + rng.nextGaussian() * Float(1 + i % D) })
        var prior = CMVNStats(dimension: D)
        prior.accumulate(Matrix(rows: 50, cols: D, storage: (0..<(50 * D)).map { _ in rng.nextGaussian() * 2 + 1 }))
        let y = applyOnlineCMVN(x, prior: prior, window: window, priorFrames: priorFrames, normVars: normVars)
        var worst = 0.0
        for t in 0..<T {
            let frames = max(0, t - window + 1)...t
            let lack = Double(max(0, priorFrames - frames.count))
            for d in 0..<D {
                var s = prior.sum[d] * lack / prior.count, s2 = prior.sumSquares[d] * lack / prior.count
                for u in frames { s += Double(x[u, d]); s2 += Double(x[u, d]) * Double(x[u, d]) }
                let n = Double(frames.count) + lack
                var want = Double(x[t, d]) - s / n
                if normVars { want /= max(s2 / n - (s / n) * (s / n), 1e-20).squareRoot() }
                worst = max(worst, abs(want - Double(y[t, d])))
            }
        }
        #expect(worst < 1e-5, "window \(window), prior \(priorFrames): \(worst)")
        let head = Matrix(rows: 13, cols: D, storage: Array(x.storage[0..<(13 * D)]))
        let early = applyOnlineCMVN(head, prior: prior, window: window, priorFrames: priorFrames, normVars: normVars)
        #expect(early.storage == Array(y.storage[0..<(13 * D)]))
    }
}

@Suite struct FeatureOptionTests {
    @Test func validationNamesTheKey() {
        var o = FeatureOptions()
        o.fbank.frame.frameShiftMs = 0
        #expect(throws: ConfigError.invalidValue(source: "", key: "fbank.frame.frame_shift_ms",
                                                 reason: "expected a shift of at least one sample, found 0.0 ms")) {
            try o.validate()
        }
        var m = FeatureOptions()
        m.type = .mfcc
        m.mfcc.numCeps = 40
        #expect(throws: ConfigError.self) { try m.validate() }
        var h = FeatureOptions()
        h.fbank.mel.highFreq = 9000
        #expect(throws: ConfigError.self) { try h.validate() }
    }

    @Test func decodesSnakeCaseRecipeSection() throws {
        let json = #"{"type": "mfcc", "mfcc": {"num_ceps": 20, "mel": {"num_bins": 40}, "frame": {"window_type": "hanning", "snip_edges": false}}, "delta_order": 2}"#
        let o = try StrictJSON.decode(FeatureOptions.self, from: Data(json.utf8), source: "r.json")
        #expect(o.type == .mfcc && o.mfcc.numCeps == 20 && o.mfcc.mel.numBins == 40)
        #expect(o.mfcc.frame.windowType == .hann && !o.mfcc.frame.snipEdges)
        #expect(o.dimension == 60)
        #expect(throws: ConfigError.self) {
            try StrictJSON.decode(FeatureOptions.self, from: Data(#"{"mfcc": {"frame": {"snip_edge": false}}}"#.utf8), source: "r.json")
        }
    }

    @Test func emptyAndShortSignals() {
        let fb = FbankExtractor(FbankOptions())
        #expect(fb.compute([]).rows == 0)
        #expect(fb.compute([Float](repeating: 0.1, count: 399)).rows == 0)
        // Silence: all log energies at the FLT_EPSILON floor, never −inf or NaN.
        let silent = fb.compute([Float](repeating: 0, count: 1600))
        #expect(silent.rows == 8)
        #expect(silent.storage.allSatisfy { $0 == logf(Float.ulpOfOne) })
        let mf = MfccExtractor(MfccOptions())
        let m = mf.compute([Float](repeating: 0, count: 1600))
        #expect(m.storage.allSatisfy { $0.isFinite })
    }

    /// Dither is seeded: same seed same features, other seed different.
    @Test func ditherIsSeeded() {
        var o = FbankOptions()
        o.frame.dither = 1
        let x = (0..<4000).map { Float(sin(Double($0) * 0.05)) * 0.01 }
        let a = FbankExtractor(o).compute(x), b = FbankExtractor(o).compute(x)
        #expect(a == b)
        o.frame.ditherSeed = 1
        #expect(FbankExtractor(o).compute(x) != a)
    }
}

@Suite struct ConvolutionTests {
    /// FFT convolution equals the direct sum Σ x[i] h[n − i] (max abs difference ≤ 1e-4 on unit-scale inputs).
    @Test(arguments: [(1, 1), (5, 3), (100, 37), (1000, 513), (17, 4096)])
    func matchesDirectSum(nx: Int, nh: Int) {
        var g = SeededGenerator(seed: UInt64(nx * 7 + nh))
        let x = (0..<nx).map { _ in g.nextGaussian() }, h = (0..<nh).map { _ in g.nextGaussian() / Float(nh).squareRoot() }
        var direct = [Float](repeating: 0, count: nx + nh - 1)
        for i in 0..<nx { for j in 0..<nh { direct[i + j] += x[i] * h[j] } }
        let fast = convolve(x, h)
        #expect(fast.count == direct.count)
        #expect(closeness(fast, direct, abs: 1e-4).passes)
        #expect(convolve([], h).isEmpty)
    }
}
