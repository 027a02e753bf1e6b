import Foundation

/// Cuts a long recording at its pauses: log energy per 10 ms frame, a
/// threshold from the recording's own level (noise floor + `thresholdDb`,
/// capped below its loud frames, never below −70 dBFS), silences of at least `minPause` as cut
/// points, pieces merged up to `mergeSeconds` (default: not at all), a stretch without a pause cut at
/// its quietest frame. Pieces with no frame above the threshold are dropped.
/// Energies are fed block by block, so an hour needs 360,000 floats, not its audio.
public struct PauseSegmenter: Sendable {
    public static let frameSeconds = 0.01
    /// Samples in one 10 ms frame at `rate` Hz (at least 1).
    public static func samplesPerFrame(rate: Int) -> Int { max(1, Int((Double(rate) * frameSeconds).rounded())) }
    public var maxSeconds: Double
    public var minPause: Double
    public var thresholdDb: Double
    public var padding: Double
    /// Neighbouring pieces are joined while the whole lasts at most this long,
    /// seconds; 0 = never (a model trained on single utterances hears one at a time).
    public var mergeSeconds: Double

    public init(maxSeconds: Double = 15, minPause: Double = 0.25, thresholdDb: Double = 12, padding: Double = 0,
                mergeSeconds: Double = 0) {
        self.mergeSeconds = mergeSeconds
        self.maxSeconds = maxSeconds
        self.minPause = minPause
        self.thresholdDb = thresholdDb
        self.padding = padding
    }

    /// Frame energies (dB) of audio fed in blocks of any size.
    public struct Energies: Sendable {
        public let sampleRate: Int
        public private(set) var values: [Float] = []
        private var sum: Double = 0
        private var filled = 0
        private let frameLength: Int

        public init(sampleRate: Int) {
            self.sampleRate = sampleRate
            frameLength = PauseSegmenter.samplesPerFrame(rate: sampleRate)
        }

        public mutating func add(_ samples: [Float]) {
            for x in samples {
                sum += Double(x) * Double(x)
                filled += 1
                if filled == frameLength { flush() }
            }
        }

        /// Closes the last, partial frame.
        public mutating func finish() { if filled > 0 { flush() } }

        private mutating func flush() {
            values.append(Float(10 * log10(sum / Double(filled) + 1e-10)))
            sum = 0
            filled = 0
        }
    }

    /// Frames quieter than this are silent whatever the recording's level, dBFS
    /// (16-bit dither is near −90; speech sits at −40 to −10).
    public static let absoluteSilenceDb: Float = -70

    /// The rule, from the noise floor (10th percentile of frame energy, dB) and the
    /// loud level (95th): floor + `thresholdDb`, never above loud − 20, never below −70 dBFS.
    /// Shared with the live `Endpointer`.
    public static func threshold(floor: Float, loud: Float, thresholdDb: Double) -> Float {
        max(min(floor + Float(thresholdDb), loud - 20), absoluteSilenceDb)
    }

    /// The silence threshold (dB) for these frame energies.
    public func threshold(_ e: [Float]) -> Float {
        guard !e.isEmpty else { return 0 }
        let sorted = e.sorted()
        func pct(_ p: Double) -> Float { sorted[min(sorted.count - 1, Int(p * Double(sorted.count - 1)))] }
        return Self.threshold(floor: pct(0.10), loud: pct(0.95), thresholdDb: thresholdDb)
    }

    /// Pieces as frame ranges (10 ms frames) of the recording whose energies are `e`.
    public func segments(_ e: [Float]) -> [Range<Int>] {
        let n = e.count
        guard n > 0 else { return [] }
        let thr = threshold(e)
        let silent = e.map { $0 < thr }
        let frames = { (s: Double) in max(1, Int((s / Self.frameSeconds).rounded())) }
        let maxLen = frames(maxSeconds), minPauseLen = frames(minPause), pad = Int((padding / Self.frameSeconds).rounded())
        // Pauses: runs of silent frames at least minPause long.
        var pauses: [Range<Int>] = []
        var i = 0
        while i < n {
            guard silent[i] else { i += 1; continue }
            var j = i
            while j < n && silent[j] { j += 1 }
            if j - i >= minPauseLen || i == 0 || j == n { pauses.append(i..<j) }
            i = j
        }
        // Speech between pauses (`islands`), then merged while they fit maxLen.
        var islands: [Range<Int>] = []
        var start = 0
        for p in pauses {
            if p.lowerBound > start { islands.append(start..<p.lowerBound) }
            start = p.upperBound
        }
        if start < n { islands.append(start..<n) }
        var pieces: [Range<Int>] = []
        for island in islands {
            // A stretch longer than maxLen is cut at its quietest frame in the second half of each window.
            var s = island.lowerBound
            while island.upperBound - s > maxLen {
                let window = (s + maxLen / 2)..<(s + maxLen)
                let cut = window.min { e[$0] < e[$1] }!
                pieces.append(s..<cut)
                s = cut
            }
            pieces.append(s..<island.upperBound)
        }
        // Merge neighbours (with the pause between them) while the whole fits mergeSeconds.
        let mergeLen = min(maxLen, Int((mergeSeconds / Self.frameSeconds).rounded()))
        var merged: [Range<Int>] = []
        for p in pieces {
            if let last = merged.last, p.upperBound - last.lowerBound <= mergeLen {
                merged[merged.count - 1] = last.lowerBound..<p.upperBound
            } else {
                merged.append(p)
            }
        }
        // Padding: some of the silence around each piece, never into a neighbour.
        var out: [Range<Int>] = []
        for (k, p) in merged.enumerated() {
            let lo = max(k > 0 ? merged[k - 1].upperBound : 0, p.lowerBound - pad)
            let hi = min(k + 1 < merged.count ? merged[k + 1].lowerBound : n, p.upperBound + pad)
            out.append(lo..<hi)
        }
        return out.filter { r in r.contains { !silent[$0] } }
    }
}
