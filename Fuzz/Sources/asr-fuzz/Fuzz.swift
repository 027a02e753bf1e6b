// One libFuzzer binary for all parsers; ASR_FUZZ_TARGET picks the one under test.
// Any thrown error is an expected answer to bad input; a crash, a trap (overflow,
// out-of-range index, force unwrap), an AddressSanitizer report, a hang or an
// allocation beyond libFuzzer's -rss_limit_mb is a finding.
import ASRCore
import ASRKit
import ASRText
import AudioIO
import CFuzzDriver
import Decoding
import Foundation

enum Target: String, CaseIterable {
    case audio, stream, recipe, manifest, kaldi, tokens, arpa, safetensors, npy, transcripts
}

nonisolated(unsafe) var target = Target.audio
nonisolated(unsafe) var scratch = ""

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    guard let name = ProcessInfo.processInfo.environment["ASR_FUZZ_TARGET"], let t = Target(rawValue: name) else {
        FileHandle.standardError.write(Data("ASR_FUZZ_TARGET must be one of: \(Target.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    target = t
    // Every input goes through files (the readers take paths): memory-backed /dev/shm when there is one.
    let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
    scratch = base.appendingPathComponent("asr-fuzz-\(name)-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: scratch + "/kaldi", withIntermediateDirectories: true)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    run(target, size == 0 ? Data() : Data(bytes: data!, count: size))
    return 0
}

/// The program's main (SwiftPM's name for it): libFuzzer's driver with the callback above.
@_cdecl("asr_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in testOneInput(data, size) }
}

/// The input written to a scratch file (the readers take paths, as users give them).
func file(_ name: String, _ bytes: Data) -> String {
    let p = scratch + "/" + name
    _ = FileManager.default.createFile(atPath: p, contents: bytes)
    return p
}

/// The input cut at its first `n − 1` zero bytes into `n` parts (files of a folder, two transcripts).
func parts(_ bytes: Data, _ n: Int) -> [Data] {
    var out: [Data] = []
    var rest = bytes[...]
    while out.count < n - 1, let z = rest.firstIndex(of: 0) {
        out.append(Data(rest[..<z]))
        rest = rest[(z + 1)...]
    }
    out.append(Data(rest))
    while out.count < n { out.append(Data()) }
    return out
}

func run(_ t: Target, _ bytes: Data) {
    switch t {
    case .audio:
        let p = file("a.audio", bytes)
        _ = try? AudioFile.info(p)
        _ = try? AudioFile.read(p, sampleRate: 16000)
        if let r = try? AudioReader(path: p) { while let b = try? r.read(frames: 4096), !b.isEmpty {} }
    case .stream:
        var rest = bytes[...]
        guard let s = try? PCMStream(name: "fuzz", rawSampleRate: 16000, source: { n in
            let k = min(n, rest.count, 97)   // odd pieces, as a pipe hands them over
            defer { rest = rest.dropFirst(k) }
            return Array(rest.prefix(k))
        }) else { return }
        var reads = 0
        while reads < 100_000, let b = try? s.read(frames: 333), !b.isEmpty { reads += 1 }
    case .recipe:
        if let r = try? StrictJSON.decode(Recipe.self, from: bytes, source: "fuzz.json") { _ = try? r.validate() }
    case .manifest:
        _ = try? DataSet.load(file("m.jsonl", bytes), normalize: TextNormalization(lowercase: true, stripPunctuation: true, collapseWhitespace: true))
    case .kaldi:
        for (name, part) in zip(["wav.scp", "text", "utt2spk"], parts(bytes, 3)) {
            _ = FileManager.default.createFile(atPath: scratch + "/kaldi/" + name, contents: part)
        }
        _ = try? DataSet.load(scratch + "/kaldi", normalize: TextNormalization())
    case .tokens:
        if let table = try? TokenTable.load(file("tokens.txt", bytes)) { _ = table.encode("a b 好棒棒") }
    case .arpa:
        if let lm = try? NGramLM.parse(arpa: String(decoding: bytes, as: UTF8.self)) { _ = lm.sentenceLog10Prob(["a", "b", "c"]); _ = lm.arpaText() }
    case .safetensors:
        _ = try? SafeTensors.decode(bytes)
    case .npy:
        _ = try? NPY.decode(bytes)
    case .transcripts:
        let p = parts(bytes, 2)
        let (ref, hyp) = (file("ref.txt", p[0]), file("hyp.txt", p[1]))
        guard let a = try? TranscriptFile.readLines(ref), let b = try? TranscriptFile.readLines(hyp),
              let (fa, fb) = try? TranscriptFile.detectPair(reference: a, referencePath: ref, hypothesis: b, hypothesisPath: hyp),
              let refs = try? TranscriptFile.parse(a, format: fa, side: .reference, path: ref),
              let hyps = try? TranscriptFile.parse(b, format: fb, side: .hypothesis, path: hyp) else { return }
        let byID = Dictionary(hyps.map { ($0.id, $0.text) }, uniquingKeysWith: { x, _ in x })
        var scorer = Scorer()
        for r in refs.prefix(200) { scorer.add(id: r.id, reference: r.text, hypothesis: byID[r.id] ?? "") }
    }
}
