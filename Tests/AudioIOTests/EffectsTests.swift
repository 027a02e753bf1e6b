import Foundation
import Testing
import ASRCore
@testable import AudioIO
import _TestSupport

private func sine(_ hz: Float, seconds: Float = 1, rate: Int = 16000, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(seconds * Float(rate))).map { amplitude * sinf(2 * .pi * hz * Float($0) / Float(rate)) }
}

/// Level change in dB of a filtered sine, measured on its second half (after the transient).
private func gainDb(_ f: Biquad, at hz: Float, rate: Int = 16000) -> Float {
    let x = sine(hz, rate: rate)
    let y = f.apply(x)
    let half = x.count / 2
    return 10 * log10f(meanPower(Array(y[half...])) / meanPower(Array(x[half...])))
}

/// Frequency of the strongest DFT bin of x (Hz), searched around `near` with 0.5 Hz steps.
private func peakFrequency(_ x: [Float], rate: Int, near: Float) -> Float {
    var best: Float = 0, bestPower = -Float.infinity
    var f = near * 0.8
    while f < near * 1.25 {
        var re: Double = 0, im: Double = 0
        for (i, v) in x.enumerated() {
            let a = 2 * Double.pi * Double(f) * Double(i) / Double(rate)
            re += Double(v) * cos(a); im += Double(v) * sin(a)
        }
        let p = Float(re * re + im * im)
        if p > bestPower { bestPower = p; best = f }
        f += 0.5
    }
    return best
}

@Suite struct EffectsTests {
    /// RBJ low/high-pass: −3 dB at the cut-off (analytic response ±0.05 dB), the
    /// pass band within 0.5 dB and two octaves into the stop band ≥ 20 dB down,
    /// measured on sines.
    @Test func bandLimitFilters() {
        let lp = Biquad.lowPass(cutoff: 1000, rate: 16000), hp = Biquad.highPass(cutoff: 1000, rate: 16000)
        #expect(abs(lp.responseDb(at: 1000, rate: 16000) + 3.01) < 0.05)
        #expect(abs(hp.responseDb(at: 1000, rate: 16000) + 3.01) < 0.05)
        #expect(abs(gainDb(lp, at: 125)) < 0.5 && gainDb(lp, at: 4000) < -20)
        #expect(abs(gainDb(hp, at: 6000)) < 0.5 && gainDb(hp, at: 250) < -20)
        #expect(abs(gainDb(lp, at: 1000) + 3.01) < 0.2)
    }

    /// Peaking EQ: the requested gain at the centre (±0.05 dB analytic, ±0.3 dB
    /// measured) and unity three octaves away (±0.5 dB).
    @Test func peakingEqualiser() {
        for g: Float in [-8, 6] {
            let f = Biquad.peaking(center: 1000, gainDb: g, q: 1, rate: 16000)
            #expect(abs(f.responseDb(at: 1000, rate: 16000) - g) < 0.05)
            #expect(abs(gainDb(f, at: 1000) - g) < 0.3)
            #expect(abs(gainDb(f, at: 7000)) < 0.5 && abs(gainDb(f, at: 125)) < 0.5)
        }
    }

    /// 8-bit μ-law keeps a half-scale sine at a signal-to-quantisation-noise
    /// ratio of 35–42 dB (G.711's ~38 dB) and is symmetric.
    @Test func muLawQuantisationNoise() {
        let x = sine(440, amplitude: 0.5)
        let y = muLawRoundTrip(x)
        let noise = zip(x, y).map { $0 - $1 }
        let sqnr = 10 * log10f(meanPower(x) / meanPower(noise))
        #expect(sqnr > 35 && sqnr < 42, "\(sqnr) dB")
        #expect(muLawRoundTrip([0.3, -0.3]) == [muLawRoundTrip([0.3])[0], -muLawRoundTrip([0.3])[0]])
        #expect(muLawRoundTrip([1.5, -2])[0] <= 1 && muLawRoundTrip([1.5, -2])[1] >= -1)
    }

    @Test func clipping() {
        let y = clip(sine(300), level: 0.2)
        #expect(y.allSatisfy { abs($0) <= 0.2 } && y.contains(0.2) && y.contains(-0.2))
    }

    /// WSOLA: tempo × f gives 1/f of the duration (±1 sample) and keeps the
    /// frequency of a tone (±1%); its level stays within 1 dB.
    @Test(arguments: [Float(0.8), 0.9, 1.15, 1.3])
    func tempoKeepsPitch(tempo: Float) {
        let x = sine(220, seconds: 1)
        let y = timeStretch(x, tempo: tempo, rate: 16000)
        #expect(abs(y.count - Int((Float(x.count) / tempo).rounded())) <= 1)
        let f = peakFrequency(Array(y[800..<(y.count - 800)]), rate: 16000, near: 220)
        #expect(abs(f - 220) / 220 < 0.01, "\(f) Hz")
        #expect(abs(10 * log10f(meanPower(Array(y[800..<(y.count - 800)])) / meanPower(x))) < 1)
    }

    /// The feedback echo's impulse response is 1, g, g², … every `delay` samples and
    /// zero between (to 1e-6: g^k by repeated products vs powf), same length as the input.
    @Test func feedbackEchoImpulseResponse() {
        var x = [Float](repeating: 0, count: 1000)
        x[0] = 1
        let y = feedbackEcho(x, delay: 160, feedback: 0.4)
        #expect(y.count == x.count)
        for n in 0..<y.count {
            let expected: Float = n % 160 == 0 ? powf(0.4, Float(n / 160)) : 0
            #expect(abs(y[n] - expected) <= 1e-6, "y[\(n)] = \(y[n]), expected \(expected)")
        }
        #expect(feedbackEcho([1, 2], delay: 5, feedback: 0.3) == [1, 2])
    }

    /// The synthetic room response decays as asked: T20 measured by Schroeder
    /// integration within 10% of the requested RT60, and the direct-to-reverberant
    /// energy ratio as requested (±0.01 dB).
    @Test(arguments: [Float(0.2), 0.4, 0.7])
    func roomResponseHasRequestedRT60(rt60: Float) {
        for seed: UInt64 in 1...3 {
            var g = SeededGenerator(seed: seed)
            let h = syntheticRoomImpulseResponse(rt60: rt60, drrDb: 3, rate: 16000, rng: &g)
            let measured = reverberationTime(h, rate: 16000)
            #expect(abs(measured - rt60) / rt60 < 0.1, "requested \(rt60) s, measured \(measured) s")
            let tail = h.dropFirst().reduce(0) { $0 + $1 * $1 }
            #expect(abs(10 * log10f(1 / tail) - 3) < 0.01)
        }
    }
}
