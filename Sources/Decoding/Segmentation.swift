import ASRCore
import Foundation

/// How a long recording is cut into pieces the model decodes one at a time
/// (`decode.segmentation`): at pauses found by frame energy, each piece at most
/// `maxSeconds`. The model was trained on utterances of seconds; an hour through
/// a BiLSTM at once would take gigabytes and decode worse.
public struct SegmentationOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Audio longer than this (seconds) is cut; shorter audio is decoded whole.
    /// 0 = always cut.
    public var longerThan = 30.0
    /// Longest piece, seconds. A stretch with no pause in it is cut at its quietest 10 ms.
    public var maxSeconds = 15.0
    /// Shortest silence that separates pieces, seconds.
    public var minPause = 0.25
    /// A 10 ms frame is silent below the recording's noise floor (its 10th
    /// percentile of frame energy) plus this many dB — and never above the 95th
    /// percentile minus 20 dB, so that a loud steady noise does not hide speech.
    public var thresholdDb = 12.0
    /// Silence kept at each end of a piece, seconds. 0 by default: pieces start
    /// and end at the threshold already, and digital silence (exact zeros, as
    /// between joined files) drags per-utterance CMVN far from anything the model
    /// heard — on a 20-minute file of digits dev utterances, 3.99% WER at 0,
    /// 9.80% at 0.1 s, 27.6% at 0.2 s. Noisy recordings may want some.
    public var padding = 0.0
    /// Neighbouring pieces are joined while the whole lasts at most this long,
    /// seconds; 0 = never. Joining gives a model trained on long utterances more
    /// context; one trained on single utterances (the demo's digits) wants 0.
    public var mergeSeconds = 0.0

    public init() {}

    public func validate() throws {
        func invalid(_ key: String, _ reason: String) -> ConfigError { .invalidValue(source: "", key: "segmentation.\(key)", reason: reason) }
        guard longerThan >= 0, longerThan.isFinite else { throw invalid("longer_than", "expected seconds ≥ 0 (0 = always cut), found \(longerThan)") }
        guard maxSeconds >= 1, maxSeconds.isFinite else { throw invalid("max_seconds", "expected seconds ≥ 1, found \(maxSeconds)") }
        guard minPause >= 0.02, minPause < maxSeconds else { throw invalid("min_pause", "expected 0.02 s ≤ min_pause < max_seconds, found \(minPause)") }
        guard thresholdDb > 0, thresholdDb.isFinite else { throw invalid("threshold_db", "expected dB > 0, found \(thresholdDb)") }
        guard mergeSeconds >= 0, mergeSeconds <= maxSeconds else { throw invalid("merge_seconds", "expected 0 ≤ merge_seconds ≤ max_seconds, found \(mergeSeconds)") }
        guard padding >= 0, padding < maxSeconds / 2 else { throw invalid("padding", "expected 0 ≤ padding < max_seconds / 2, found \(padding)") }
    }
}
