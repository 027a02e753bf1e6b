import ASRCore

/// Analysis window shapes, as Kaldi defines them (`feature-window.cc`), with
/// `a = 2π / (N − 1)` and `i` the sample index in the frame.
public enum WindowType: String, StrictEnum, Sendable {
    /// `(0.5 − 0.5 cos(a·i))^0.85`: Kaldi's default, a Hann window that does not go to zero.
    case povey
    /// `0.54 − 0.46 cos(a·i)`.
    case hamming
    /// `0.5 − 0.5 cos(a·i)`, symmetric (a = 2π/(N−1)): Kaldi's "hanning". Not torch's
    /// periodic `hann_window` (2π/N), which kaldi-native-fbank also offers as "hann".
    case hann
    /// `sin(0.5·a·i)`.
    case sine
    /// All ones.
    case rectangular
    /// `c − 0.5 cos(a·i) + (0.5 − c) cos(2a·i)`, `c` = `blackmanCoeff`.
    case blackman

    public static var aliases: [String: WindowType] { ["hanning": .hann, "rect": .rectangular] }
}

/// How the waveform is cut into frames and each frame prepared for the FFT.
/// Defaults are Kaldi's (`FrameExtractionOptions`) except `dither`, which is
/// 0 here so features are deterministic unless asked otherwise.
public struct FrameOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Sample rate of the waveform the features are computed on, Hz.
    public var sampleRate: Float = 16000
    /// Frame length, milliseconds (Kaldi `frame_length_ms`).
    public var frameLengthMs: Float = 25
    /// Frame shift, milliseconds (Kaldi `frame_shift_ms`).
    public var frameShiftMs: Float = 10
    /// Standard deviation of Gaussian noise added to each sample, in units of
    /// the scaled waveform (int16 steps with the default `waveformScale`); 0 = off.
    /// Kaldi's default is 1.0.
    public var dither: Float = 0
    /// Seed for the dither noise (used only when `dither` ≠ 0).
    public var ditherSeed: UInt64 = 0
    /// Subtract each frame's mean before further processing.
    public var removeDcOffset = true
    /// Pre-emphasis coefficient: `x[i] −= c·x[i−1]`; 0 = off.
    public var preemphCoeff: Float = 0.97
    /// Window shape.
    public var windowType: WindowType = .povey
    /// Blackman window constant `c`.
    public var blackmanCoeff: Float = 0.42
    /// Zero-pad each frame to the next power of two before the FFT.
    public var roundToPowerOfTwo = true
    /// true: only frames that fit entirely in the signal (`1 + (N − L) / S` frames).
    /// false: `(N + S/2) / S` frames centred on multiples of the shift, the signal
    /// reflected at both ends.
    public var snipEdges = true
    /// Factor applied to samples in [-1, 1] before analysis. 32768 reproduces
    /// Kaldi, which reads 16-bit WAV samples as integers.
    public var waveformScale: Float = 32768

    public init() {}

    /// Samples per frame, `L`.
    public var windowSize: Int { Int(Double(sampleRate) * 0.001 * Double(frameLengthMs)) }
    /// Samples between frame starts, `S`.
    public var windowShift: Int { Int(Double(sampleRate) * 0.001 * Double(frameShiftMs)) }
    /// FFT size: `L` or the next power of two.
    public var paddedWindowSize: Int {
        let n = windowSize
        guard roundToPowerOfTwo else { return n }
        var p = 1
        while p < n { p <<= 1 }
        return p
    }

    public func validate() throws {
        func bad(_ key: String, _ why: String) -> ConfigError { .invalidValue(source: "", key: key, reason: why) }
        guard sampleRate.isFinite, sampleRate >= 1000, sampleRate <= 768_000 else {
            throw bad("sample_rate", "expected 1000…768000 Hz, found \(sampleRate)")
        }
        guard frameShiftMs.isFinite, frameShiftMs > 0, windowShift >= 1 else {
            throw bad("frame_shift_ms", "expected a shift of at least one sample, found \(frameShiftMs) ms")
        }
        guard frameLengthMs.isFinite, frameLengthMs > 0, windowSize >= 2 else {
            throw bad("frame_length_ms", "expected a frame of at least two samples, found \(frameLengthMs) ms")
        }
        guard windowSize <= 1 << 20 else { throw bad("frame_length_ms", "frame of \(windowSize) samples is too long") }
        guard dither.isFinite, dither >= 0 else { throw bad("dither", "expected ≥ 0, found \(dither)") }
        guard preemphCoeff.isFinite, preemphCoeff >= 0, preemphCoeff <= 1 else {
            throw bad("preemph_coeff", "expected 0…1, found \(preemphCoeff)")
        }
        guard waveformScale.isFinite, waveformScale > 0 else {
            throw bad("waveform_scale", "expected > 0, found \(waveformScale)")
        }
        guard blackmanCoeff.isFinite else { throw bad("blackman_coeff", "expected a finite number") }
    }
}

/// The triangular mel filterbank (Kaldi `MelBanksOptions`).
public struct MelOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Number of triangular filters.
    public var numBins = 23
    /// Lower edge of the lowest filter, Hz.
    public var lowFreq: Float = 20
    /// Upper edge of the highest filter, Hz; ≤ 0 means an offset from the
    /// Nyquist frequency (0 = Nyquist, −400 = Nyquist − 400 Hz).
    public var highFreq: Float = 0
    /// VTLN: below this frequency the warp joins the band's lower edge, Hz (Kaldi `vtln_low`).
    public var vtlnLow: Float = 100
    /// VTLN: above this frequency the warp joins the band's upper edge, Hz; ≤ 0
    /// means an offset from Nyquist (Kaldi `vtln_high`, default −500).
    public var vtlnHigh: Float = -500

    public init() {}

    public func validate() throws {
        guard numBins >= 3, numBins <= 1024 else {
            throw ConfigError.invalidValue(source: "", key: "num_bins", reason: "expected 3…1024 filters, found \(numBins)")
        }
        guard lowFreq.isFinite, lowFreq >= 0 else {
            throw ConfigError.invalidValue(source: "", key: "low_freq", reason: "expected ≥ 0 Hz, found \(lowFreq)")
        }
        guard highFreq.isFinite else {
            throw ConfigError.invalidValue(source: "", key: "high_freq", reason: "expected a number of Hz")
        }
    }

    /// Checks the band against a sample rate (needs the Nyquist frequency).
    public func validate(sampleRate: Float) throws {
        let nyquist = sampleRate / 2
        let high = highFreq > 0 ? highFreq : nyquist + highFreq
        guard lowFreq < nyquist, high > lowFreq, high <= nyquist else {
            throw ConfigError.invalidValue(
                source: "", key: "high_freq",
                reason: "band \(lowFreq)…\(high) Hz is empty or beyond Nyquist \(nyquist) Hz")
        }
    }

    /// Checks the VTLN cut-offs (needed once a warp ≠ 1 is used), as Kaldi's
    /// `MelBanks` does: low_freq < vtln_low < vtln_high < high_freq.
    public func validateVTLN(sampleRate: Float) throws {
        let nyquist = sampleRate / 2
        let high = highFreq > 0 ? highFreq : nyquist + highFreq
        let vHigh = vtlnHigh > 0 ? vtlnHigh : nyquist + vtlnHigh
        guard vtlnLow.isFinite, vtlnLow > lowFreq, vtlnLow < high else {
            throw ConfigError.invalidValue(source: "", key: "vtln_low", reason: "expected low_freq \(lowFreq) < vtln_low < \(high) Hz, found \(vtlnLow)")
        }
        guard vtlnHigh.isFinite, vHigh < high, vHigh > vtlnLow else {
            throw ConfigError.invalidValue(source: "", key: "vtln_high",
                                           reason: "expected vtln_low \(vtlnLow) < vtln_high < high_freq \(high) Hz, found \(vHigh) Hz")
        }
    }
}

/// Log-mel filterbank features (Kaldi `FbankOptions`).
public struct FbankOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    public var frame = FrameOptions()
    public var mel = MelOptions()
    /// Add the frame's log energy as an extra coefficient (first, or last with `htkCompat`).
    public var useEnergy = false
    /// Compute that energy before pre-emphasis and windowing (true) or after (false).
    public var rawEnergy = true
    /// Floor on the energy (absolute, not log); 0 = no floor.
    public var energyFloor: Float = 0
    /// Put the energy last instead of first (HTK order).
    public var htkCompat = false
    /// Log of the filterbank energies (floored at FLT_EPSILON); false = linear.
    public var useLogFbank = true
    /// Power spectrum (true) or magnitude spectrum (false).
    public var usePower = true
    /// VTLN warp factor of the mel filterbank (Kaldi `vtln_warp`); 1 = none.
    public var vtlnWarp: Float = 1

    public init() {}

    public func validate() throws {
        try validateSpectral(frame: frame, mel: mel, energyFloor: energyFloor, vtlnWarp: vtlnWarp)
    }
}

/// Mel-frequency cepstral coefficients (Kaldi `MfccOptions`).
public struct MfccOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    public var frame = FrameOptions()
    public var mel = MelOptions()
    /// Number of cepstra kept (including C0), ≤ `mel.numBins`.
    public var numCeps = 13
    /// Cepstral liftering constant `Q`: `c[i] *= 1 + Q/2 · sin(π i / Q)`; 0 = off.
    public var cepstralLifter: Float = 22
    /// Replace C0 by the frame's log energy.
    public var useEnergy = true
    /// Compute that energy before pre-emphasis and windowing (true) or after (false).
    public var rawEnergy = true
    /// Floor on the energy (absolute, not log); 0 = no floor.
    public var energyFloor: Float = 0
    /// HTK order: C0/energy last (and C0 scaled by √2 when `useEnergy` is false).
    public var htkCompat = false
    /// VTLN warp factor of the mel filterbank (Kaldi `vtln_warp`); 1 = none.
    public var vtlnWarp: Float = 1

    public init() {}

    public func validate() throws {
        try validateSpectral(frame: frame, mel: mel, energyFloor: energyFloor, vtlnWarp: vtlnWarp)
        guard numCeps >= 1, numCeps <= mel.numBins else {
            throw ConfigError.invalidValue(source: "", key: "num_ceps", reason: "expected 1…\(mel.numBins) (mel.num_bins), found \(numCeps)")
        }
        guard cepstralLifter.isFinite, cepstralLifter >= 0 else {
            throw ConfigError.invalidValue(source: "", key: "cepstral_lifter", reason: "expected ≥ 0, found \(cepstralLifter)")
        }
    }
}

/// Checks the parts fbank and MFCC share: frame, mel band, energy floor.
func validateSpectral(frame: FrameOptions, mel: MelOptions, energyFloor: Float, vtlnWarp: Float) throws {
    do { try frame.validate() } catch let e as ConfigError { throw e.relocated(source: "", prefix: "frame") }
    do {
        try mel.validate()
        try mel.validate(sampleRate: frame.sampleRate)
        if vtlnWarp != 1 { try mel.validateVTLN(sampleRate: frame.sampleRate) }
    } catch let e as ConfigError { throw e.relocated(source: "", prefix: "mel") }
    guard vtlnWarp.isFinite, (0.5...2).contains(vtlnWarp) else {
        throw ConfigError.invalidValue(source: "", key: "vtln_warp", reason: "expected a factor in 0.5…2, found \(vtlnWarp)")
    }
    guard energyFloor.isFinite, energyFloor >= 0 else {
        throw ConfigError.invalidValue(source: "", key: "energy_floor", reason: "expected ≥ 0, found \(energyFloor)")
    }
}

/// Which base features a pipeline computes.
public enum FeatureType: String, StrictEnum, Sendable {
    case fbank, mfcc
}

/// Mean/variance normalisation applied after deltas.
public enum CMVNMode: String, StrictEnum, Sendable {
    /// No normalisation.
    case none
    /// Each utterance normalised by its own mean (and variance, if `cmvnNormVars`).
    case utterance
    /// Statistics accumulated over the training set, saved with the model.
    case global
    /// Causal: each frame by the frames before it (`cmvn_window`), the training
    /// set's statistics standing in for the first `cmvn_prior_frames` (Kaldi's
    /// online CMVN). What a stream can compute as the audio arrives.
    case online

    /// Whether the mode needs the training set's statistics (`global`, `online`).
    public var needsStatistics: Bool { self == .global || self == .online }
}

/// The `features` section of a recipe: base features, deltas and CMVN.
public struct FeatureOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    public var type: FeatureType = .fbank
    /// Used when `type` is fbank.
    public var fbank = FbankOptions()
    /// Used when `type` is mfcc.
    public var mfcc = MfccOptions()
    /// Delta order appended: 0 none, 1 deltas, 2 deltas and delta-deltas.
    public var deltaOrder = 0
    /// Half-width of the delta regression window, frames (Kaldi `delta-window`).
    public var deltaWindow = 2
    /// Mean/variance normalisation.
    public var cmvn: CMVNMode = .none
    /// With CMVN, also scale each dimension to unit variance.
    public var cmvnNormVars = false
    /// Online CMVN: frames in the running window (Kaldi's `cmn-window`, 600 = 6 s).
    public var cmvnWindow = 600
    /// Online CMVN: frames of training-set statistics while the window holds fewer (Kaldi's `global-frames`).
    public var cmvnPriorFrames = 200
    /// Pitch features (3 a frame) appended after the deltas; off unless `enabled`.
    public var pitch = PitchOptions()

    public init() {}

    /// Frame settings of the active feature type.
    public var frame: FrameOptions {
        get { type == .fbank ? fbank.frame : mfcc.frame }
        set { if type == .fbank { fbank.frame = newValue } else { mfcc.frame = newValue } }
    }

    /// Output dimension after deltas.
    public var dimension: Int {
        let base = type == .fbank ? fbank.mel.numBins + (fbank.useEnergy ? 1 : 0) : mfcc.numCeps
        return base * (deltaOrder + 1) + (pitch.enabled ? PitchExtractor.dimension : 0)
    }

    public func validate() throws {
        switch type {
        case .fbank: do { try fbank.validate() } catch let e as ConfigError { throw e.relocated(source: "", prefix: "fbank") }
        case .mfcc: do { try mfcc.validate() } catch let e as ConfigError { throw e.relocated(source: "", prefix: "mfcc") }
        }
        guard (0...4).contains(deltaOrder) else {
            throw ConfigError.invalidValue(source: "", key: "delta_order", reason: "expected 0…4, found \(deltaOrder)")
        }
        if pitch.enabled {
            do {
                try pitch.validate()
                try pitch.validate(sampleRate: frame.sampleRate)
            } catch let e as ConfigError { throw e.relocated(source: "", prefix: "pitch") }
        }
        guard cmvnWindow >= 1 else {
            throw ConfigError.invalidValue(source: "", key: "cmvn_window", reason: "expected ≥ 1 frames, found \(cmvnWindow)")
        }
        guard cmvnPriorFrames >= 0 else {
            throw ConfigError.invalidValue(source: "", key: "cmvn_prior_frames", reason: "expected ≥ 0 frames, found \(cmvnPriorFrames)")
        }
        guard (1...10).contains(deltaWindow) else {
            throw ConfigError.invalidValue(source: "", key: "delta_window", reason: "expected 1…10 frames, found \(deltaWindow)")
        }
    }
}
