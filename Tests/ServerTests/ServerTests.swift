import Foundation
import Testing
import ASRCore
import AudioIO
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import _TestSupport

/// `asr serve` end to end: the binary started as a process on a free loopback
/// port, a real HTTP client (Hummingbird's) and a real WebSocket client, a
/// model trained on espeak-ng digits for the occasion; stopped with SIGTERM.
@Suite(.serialized) struct ServerTests {
    static let corpus: URL = try! SyntheticCorpus.digits(count: 60, seed: 3)

    /// A small model that says something (150 epochs, a few seconds).
    static let model: String = {
        let dir = TestPaths.temporaryDirectory("serve")
        let c = corpus.path
        let json = """
        {"name": "serve",
         "data": {"train": "\(c)/train.jsonl", "dev": "\(c)/dev.jsonl"},
         "tokens": {"normalize": {"lowercase": true}},
         "features": {"fbank": {"mel": {"num_bins": 24}}, "cmvn": "global"},
         "model": {"hidden_size": 24, "num_layers": 2, "frame_stacking": 3},
         "train": {"epochs": 150, "batch_size": 6, "optimizer": {"learning_rate": 0.01}, "threads": 2},
         "output": {"dir": "\(dir.path)/exp"}}
        """
        let recipe = dir.appendingPathComponent("serve.json").path
        try! json.write(toFile: recipe, atomically: true, encoding: .utf8)
        let r = try! CLI.run(["train", recipe])
        precondition(r.status == 0, r.stderr)
        return dir.appendingPathComponent("exp/serve").path
    }()

    /// A running `asr serve` and the port it chose.
    final class Server: @unchecked Sendable {
        let process = Process()
        let port: Int
        let stderr = Pipe()

        init(_ args: [String]) throws {
            process.executableURL = CLI.productsDirectory.appendingPathComponent("asr")
            process.arguments = ["serve", "--model", ServerTests.model, "--port", "0"] + args
            let out = Pipe()
            process.standardOutput = out
            process.standardError = stderr
            try process.run()
            // The first line says where it listens: "asr serve: listening on http://127.0.0.1:PORT (…)".
            var line = Data()
            let fd = out.fileHandleForReading.fileDescriptor
            var byte: UInt8 = 0
            while !line.contains(UInt8(ascii: "\n")) {
                let n = read(fd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                guard n == 1 else { break }
                line.append(byte)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let r = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                  let p = Int(text[r].split(separator: ":").last!) else {
                process.terminate()
                throw FileError.malformed(path: "asr serve", reason: "no port in \(text): \(String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            }
            port = p
        }

        /// SIGTERM; the exit status, or nil if it did not stop within `seconds`.
        func stop(seconds: Double = 20) -> Int32? {
            process.terminate()
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); return nil }
            return process.terminationStatus
        }
    }

    static func wavFiles() throws -> [String] {
        let wavDir = corpus.appendingPathComponent("wav").path
        return try FileManager.default.contentsOfDirectory(atPath: wavDir).filter { $0.hasPrefix("test") }.sorted().map { "\(wavDir)/\($0)" }
    }

    static func json(_ b: ByteBuffer?) -> [String: Any] {
        guard let b else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(b.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// What `asr transcribe` says of a file with the same model (the reference for the server).
    static func cliText(_ file: String) throws -> String {
        let r = try CLI.run(["transcribe", "--model", model, file])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A stream over the WebSocket: 16-bit PCM in 100 ms binary messages, then {"type": "end"};
    /// the JSON messages that came back, until the server closed.
    static func stream(port: Int, samples: [Float], rate: Int = 16000, endMessage: String = #"{"type": "end"}"#) async throws -> [[String: Any]] {
        let received = Locked<[String]>([])
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/stream?sample_rate=\(rate)", logger: Logger(label: "test")) { inbound, outbound, _ in
            let pcm = samples.map { Int16(max(-32768, min(32767, ($0 * 32768).rounded()))) }
            for s in stride(from: 0, to: pcm.count, by: rate / 10) {
                var buffer = ByteBuffer()
                for v in pcm[s..<min(s + rate / 10, pcm.count)] { buffer.writeInteger(v, endianness: .little) }
                try await outbound.write(.binary(buffer))
            }
            try await outbound.write(.text(endMessage))
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let t) = message { received.mutate { $0.append(t) } }
            }
        }
        return received.value.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
    }

    /// Test utterances joined with 0.8 s of silence, as samples at 16 kHz.
    static func joined(_ files: [String]) throws -> [Float] {
        let pause = [Float](repeating: 0, count: 12800)
        return try files.reduce(pause) { try $0 + AudioFile.read($1, sampleRate: 16000).samples + pause }
    }

    @Test func healthTranscribeStreamAndShutdown() async throws {
        let server = try Server(["--workers", "2"])
        let files = try Self.wavFiles()
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            #expect(Self.json(health.body)["status"] as? String == "ok" && Self.json(health.body)["sample_rate"] as? Int == 16000)
            // POST /transcribe: the text `asr transcribe` gives for the same file, with word timings.
            for f in files.prefix(3) {
                let body = try Data(contentsOf: URL(fileURLWithPath: f))
                let r = try await client.post("/transcribe", body: ByteBuffer(bytes: body))
                #expect(r.status == .ok, "\(Self.json(r.body))")
                let j = Self.json(r.body)
                #expect(j["text"] as? String == (try Self.cliText(f)), "\(f): \(j)")
                #expect((j["duration"] as? Double ?? 0) > 0 && j["words"] is [Any])
            }
            // Bad requests: 4xx with a reason.
            let garbage = try await client.post("/transcribe", body: ByteBuffer(string: "this is not audio at all, just text"))
            #expect(garbage.status == .badRequest)
            #expect((Self.json(garbage.body)["error"] as? String ?? "").contains("request body"), "\(Self.json(garbage.body))")
            let empty = try await client.post("/transcribe", body: ByteBuffer())
            #expect(empty.status == .badRequest && (Self.json(empty.body)["error"] as? String ?? "").contains("empty body"))
            let missing = try await client.get("/nothing-here")
            #expect(missing.status == .notFound)
        }
        // The WebSocket: partials, then one final per utterance, times in order; the
        // finals' text is what `asr transcribe --stream` says of the same audio.
        let samples = try Self.joined(Array(files.prefix(4)))
        let events = try await Self.stream(port: server.port, samples: samples)
        let finals = events.filter { $0["type"] as? String == "final" }
        #expect(finals.count >= 2, "\(events)")
        #expect(events.contains { $0["type"] as? String == "partial" })
        let starts = finals.compactMap { $0["start"] as? Double }, ends = finals.compactMap { $0["end"] as? Double }
        #expect(starts.count == finals.count && zip(ends, starts.dropFirst()).allSatisfy { $0 <= $1 })
        let wav = TestPaths.temporaryDirectory("serve-stream").appendingPathComponent("joined.wav").path
        try AudioFile.write(Audio(samples: samples, sampleRate: 16000), to: wav)
        let cli = try CLI.run(["transcribe", "--model", Self.model, "--stream", wav])
        let cliFinals = cli.stdout.split(separator: "\n").compactMap { line -> String? in
            let j = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return j?["type"] as? String == "final" ? j?["text"] as? String : nil
        }
        #expect(finals.compactMap { $0["text"] as? String } == cliFinals, "the server's stream says what the CLI's does")
        // At 8 kHz (resampled by the server) it still runs through.
        let low = try AudioFile.resample(Audio(samples: samples, sampleRate: 16000), to: 8000).samples
        let lowEvents = try await Self.stream(port: server.port, samples: low, rate: 8000)
        #expect(lowEvents.contains { $0["type"] as? String == "final" }, "\(lowEvents)")
        // A text message that is not {"type": "end"}: an error message, then the server closes.
        let wrong = try await Self.stream(port: server.port, samples: Array(samples.prefix(1600)), endMessage: "hello")
        #expect(wrong.last?["type"] as? String == "error" && (wrong.last?["error"] as? String ?? "").contains("expected"), "\(wrong)")
        // A bad sample rate is refused before the upgrade.
        await #expect(throws: (any Error).self) { _ = try await Self.stream(port: server.port, samples: [0], rate: 12) }
        #expect(server.stop() == 0, "SIGTERM stops it cleanly")
    }

    /// Limits: a body over --max-body-mb is 413, audio over --max-seconds is 413 (POST)
    /// and an error message on a stream; concurrent clients all get their answers.
    @Test func limitsAndConcurrentClients() async throws {
        let server = try Server(["--max-body-mb", "1", "--max-seconds", "20"])
        let files = try Self.wavFiles()
        let dir = TestPaths.temporaryDirectory("serve-limits")
        let long = dir.appendingPathComponent("long.wav").path
        try AudioFileStub.tone(long, seconds: 25)   // 800 KB: under the body limit, over the duration limit
        let expected = try files.prefix(4).map { try Self.cliText($0) }
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let big = try await client.post("/transcribe", body: ByteBuffer(bytes: [UInt8](repeating: 0, count: (1 << 20) + 10)))
            #expect(big.status == .contentTooLarge, "\(big.status)")
            let tooLong = try await client.post("/transcribe", body: ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: long))))
            #expect(tooLong.status == .contentTooLarge && (Self.json(tooLong.body)["error"] as? String ?? "").contains("--max-seconds"),
                    "\(Self.json(tooLong.body))")
        }
        let tone = try AudioFile.read(long, sampleRate: 16000).samples
        let cut = try await Self.stream(port: server.port, samples: tone)
        #expect(cut.last?["type"] as? String == "error" && (cut.last?["error"] as? String ?? "").contains("--max-seconds"), "\(cut.suffix(2))")
        // 4 HTTP clients and 4 streams at once, sharing the model: every answer as alone.
        let port = server.port
        let bodies = try files.prefix(4).map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let samples = try Self.joined(Array(files.prefix(3)))
        let alone = try await Self.stream(port: port, samples: samples).filter { $0["type"] as? String == "final" }.compactMap { $0["text"] as? String }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (k, body) in bodies.enumerated() {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        let r = try await client.post("/transcribe", body: ByteBuffer(bytes: body))
                        #expect(r.status == .ok && Self.json(r.body)["text"] as? String == expected[k], "\(r.status) \(Self.json(r.body)) vs \(expected[k])")
                    }
                }
                group.addTask {
                    let finals = try await Self.stream(port: port, samples: samples).filter { $0["type"] as? String == "final" }
                    #expect(finals.compactMap { $0["text"] as? String } == alone)
                }
            }
            try await group.waitForAll()
        }
        #expect(server.stop() == 0)
    }
}

/// A value shared with a `@Sendable` closure.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ v: Value) { stored = v }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
