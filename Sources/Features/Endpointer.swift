import Foundation

/// Finds utterances in live audio as it arrives: the same 10 ms frame energies
/// and threshold rule as `PauseSegmenter` (noise floor + `thresholdDb`, never
/// above the loud frames − 20 dB, never below −70 dBFS), but causal — the floor
/// and the loud level are percentiles of the last `historySeconds` of the stream,
/// kept as a histogram, so memory does not grow with the stream. An utterance
/// starts at its first voiced frame and ends at its last voiced frame once
/// `minPause` of silence follows it; one that reaches `maxSeconds` is cut at
/// its quietest frame in its second half and goes on from there.
public struct Endpointer: Sendable {
    public enum Event: Equatable, Sendable {
        /// An utterance begins at this frame (10 ms frames from the stream's start).
        case started(frame: Int)
        /// The utterance over these frames is complete.
        case ended(Range<Int>)
    }

    public let sampleRate: Int
    public let minPause: Double
    public let maxSeconds: Double
    public let thresholdDb: Double
    public let historySeconds: Double
    /// Frames completed so far.
    public private(set) var frames = 0
    /// The first frame of the utterance under way, if one is.
    public private(set) var utteranceStart: Int?

    private let frameLength: Int
    private var sum: Double = 0
    private var filled = 0
    // Histogram of frame energies over the last `history` frames: bins of 0.5 dB from −110 dB.
    private static let binLow: Float = -110, binWidth: Float = 0.5, binCount = 260
    private var histogram = [Int](repeating: 0, count: Endpointer.binCount)
    private var recentBins: [Int] = []
    private var recentNext = 0
    private let history: Int
    private let minPauseFrames: Int
    private let maxFrames: Int
    // The utterance under way: its last voiced frame and its frames' energies (for a forced cut).
    private var lastVoiced = 0
    private var energies: [Float] = []

    public init(sampleRate: Int, minPause: Double = 0.25, maxSeconds: Double = 15, thresholdDb: Double = 12,
                historySeconds: Double = 30) {
        self.sampleRate = sampleRate
        self.minPause = minPause
        self.maxSeconds = maxSeconds
        self.thresholdDb = thresholdDb
        self.historySeconds = historySeconds
        frameLength = PauseSegmenter.samplesPerFrame(rate: sampleRate)
        let frames = { (s: Double) in max(1, Int((s / PauseSegmenter.frameSeconds).rounded())) }
        history = frames(historySeconds)
        minPauseFrames = frames(minPause)
        maxFrames = frames(maxSeconds)
    }

    /// Samples per 10 ms frame.
    public var samplesPerFrame: Int { frameLength }

    /// Feeds samples (any block size); the events their completed frames caused.
    public mutating func add(_ samples: [Float]) -> [Event] {
        var events: [Event] = []
        for x in samples {
            sum += Double(x) * Double(x)
            filled += 1
            if filled == frameLength { frame(&events) }
        }
        return events
    }

    /// The stream has ended: the last partial frame, and the utterance under way, closed.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        if filled > 0 { frame(&events) }
        if let s = utteranceStart {
            events.append(.ended(s..<(lastVoiced + 1)))
            utteranceStart = nil
        }
        return events
    }

    /// The silence threshold (dB) now.
    public var threshold: Float {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return PauseSegmenter.absoluteSilenceDb }
        func pct(_ p: Double) -> Float {
            let rank = Int(p * Double(total - 1))
            var seen = 0
            for (b, c) in histogram.enumerated() {
                seen += c
                if seen > rank { return Self.binLow + (Float(b) + 0.5) * Self.binWidth }
            }
            return Self.binLow + Float(Self.binCount) * Self.binWidth
        }
        return PauseSegmenter.threshold(floor: pct(0.10), loud: pct(0.95), thresholdDb: thresholdDb)
    }

    private mutating func frame(_ events: inout [Event]) {
        let e = Float(10 * log10(sum / Double(filled) + 1e-10))
        sum = 0
        filled = 0
        let f = frames
        frames += 1
        // Into the history (the oldest frame out once it is full).
        let bin = min(Self.binCount - 1, max(0, Int((e - Self.binLow) / Self.binWidth)))
        if recentBins.count < history {
            recentBins.append(bin)
        } else {
            histogram[recentBins[recentNext]] -= 1
            recentBins[recentNext] = bin
            recentNext = (recentNext + 1) % history
        }
        histogram[bin] += 1
        let voiced = e >= threshold
        guard let start = utteranceStart else {
            if voiced {
                utteranceStart = f
                lastVoiced = f
                energies = [e]
                events.append(.started(frame: f))
            }
            return
        }
        energies.append(e)
        if voiced { lastVoiced = f }
        if f - lastVoiced >= minPauseFrames {
            events.append(.ended(start..<(lastVoiced + 1)))
            utteranceStart = nil
            energies = []
        } else if f + 1 - start >= maxFrames {
            // No pause long enough: cut at the quietest frame of the second half.
            let half = energies.count / 2
            var cut = half
            for k in half..<energies.count where energies[k] < energies[cut] { cut = k }
            events.append(.ended(start..<(start + cut)))
            events.append(.started(frame: start + cut))
            utteranceStart = start + cut
            energies.removeFirst(cut)
            lastVoiced = max(lastVoiced, start + cut)
        }
    }
}
