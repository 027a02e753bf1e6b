import ASRKit
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// What a server accepts, and where it listens.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0 = any free port (the one chosen is passed to `onRunning`).
    public var port = 8080
    /// Largest request body of `POST /transcribe`, bytes.
    public var maxBodyBytes = 64 << 20
    /// Longest audio of a request or a stream, seconds.
    public var maxSeconds = 3600.0
    /// Streams: a partial result every this many seconds of an utterance.
    public var partialEvery = 0.25
    /// Decodes at once (requests and stream blocks wait their turn beyond this).
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init() {}
}

/// The HTTP and WebSocket front of a loaded model (`asr serve`), on Hummingbird:
///
/// - `GET /health` → `{"status": "ok", "model": …, "sample_rate": …}`
/// - `POST /transcribe` with an audio file as the body (any format libsndfile
///   reads; long audio is cut at pauses) → `{"text", "duration", "words"}`
/// - `GET /stream` upgraded to a WebSocket (`?sample_rate=R`, default the
///   model's): binary messages of 16-bit little-endian mono PCM, a text message
///   `{"type": "end"}` (or closing) to finish; the server sends `StreamEvent`s
///   as JSON text messages (partials as they change, a final per utterance) and
///   closes after the last final.
///
/// Bad audio, an empty or oversized body, or too long a recording is a 4xx with
/// `{"error": reason}`; on a stream, an `{"type": "error", "error": reason}` message and a close.
/// All clients share one `Transcriber`; decoding runs on `workers` threads off
/// the event loops. SIGTERM or SIGINT stop it cleanly: it stops accepting and
/// lets the requests under way finish.
public struct TranscriptionServer: Sendable {
    public let transcriber: Transcriber
    public let options: ServerOptions
    let compute: ComputeQueue

    public init(transcriber: Transcriber, options: ServerOptions) {
        self.transcriber = transcriber
        self.options = options
        compute = ComputeQueue(workers: options.workers)
    }

    /// Serves until SIGTERM/SIGINT; `onRunning(port)` once it listens.
    public func run(logger: Logger = Logger(label: "asr.serve"), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/health") { _, _ in self.health() }
        router.post("/transcribe") { request, _ in try await self.transcribe(request) }
        router.ws("/stream", shouldUpgrade: { request, _ in
            if let reason = Self.streamRateProblem(request.uri.queryParameters.get("sample_rate")) {
                throw HTTPError(.badRequest, message: reason)
            }
            return .upgrade([:])
        }) { inbound, outbound, context in
            let rate = context.request.uri.queryParameters.get("sample_rate").flatMap { Int($0) } ?? self.transcriber.bundle.info.sampleRate
            try await self.stream(inbound: inbound, outbound: outbound, sampleRate: rate)
        }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: .init(maxFrameSize: 1 << 20))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "asr"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    // MARK: Health

    struct Health: Encodable {
        var status: String, model: String, sampleRate: Int, tokens: Int, decoding: String
        enum CodingKeys: String, CodingKey { case status, model, tokens, decoding; case sampleRate = "sample_rate" }
    }

    func health() -> Response {
        Self.json(Health(status: "ok", model: transcriber.bundle.directory, sampleRate: transcriber.bundle.info.sampleRate,
                         tokens: transcriber.bundle.tokens.tokens.count, decoding: transcriber.decoding.summary(resources: transcriber.resources)))
    }

    // MARK: POST /transcribe

    struct Result: Encodable {
        var text: String, duration: Double, words: [TimedUnit]
    }

    func transcribe(_ request: Request) async throws -> Response {
        // Read the body whole even when it is over the limit (up to a drain cap), so the
        // client sees the 413 instead of a connection reset in the middle of its upload.
        var body = ByteBuffer()
        var total = 0
        let drainCap = options.maxBodyBytes * 4 + (16 << 20)
        for try await chunk in request.body {
            total += chunk.readableBytes
            if total <= options.maxBodyBytes {
                var chunk = chunk
                body.writeBuffer(&chunk)
            } else if total > drainCap {
                break
            }
        }
        guard total <= options.maxBodyBytes else {
            return Self.error(.contentTooLarge, "request body over \(options.maxBodyBytes) bytes (asr serve --max-body-mb)")
        }
        guard body.readableBytes > 0 else { return Self.error(.badRequest, "empty body: send the audio file as the request body") }
        let bytes = Data(body.readableBytesView)
        let maxSeconds = options.maxSeconds
        let transcriber = self.transcriber
        return try await compute.run { () -> Response in
            let path = NSTemporaryDirectory() + "/asr-serve-\(UUID().uuidString)"
            guard FileManager.default.createFile(atPath: path, contents: bytes) else {
                return Self.error(.internalServerError, "cannot write a temporary file in \(NSTemporaryDirectory())")
            }
            defer { try? FileManager.default.removeItem(atPath: path) }
            let named = { (e: Any) in "\(e)".replacingOccurrences(of: path, with: "request body") }
            let info: AudioInfo
            do { info = try AudioFile.info(path) } catch { return Self.error(.badRequest, named(error)) }
            guard info.duration <= maxSeconds else {
                return Self.error(.contentTooLarge, String(format: "audio of %.1f s; this server takes up to %g s (asr serve --max-seconds)", info.duration, maxSeconds))
            }
            let r = transcriber.transcribe(files: [path])[0]
            guard let t = r.transcript else { return Self.error(.badRequest, named(r.error ?? "unreadable audio")) }
            return Self.json(Result(text: t.text, duration: r.duration, words: t.words))
        }
    }

    // MARK: WebSocket /stream

    static func streamRateProblem(_ value: String?) -> String? {
        guard let value else { return nil }
        guard let r = Int(value), (1000...AudioLimits.maxSampleRate).contains(r) else {
            return "sample_rate=\(value): expected an integer from 1000 to \(AudioLimits.maxSampleRate) Hz"
        }
        return nil
    }

    struct StreamError: Encodable { var type = "error"; var error: String }

    func stream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, sampleRate: Int) async throws {
        let state = StreamState(session: StreamingSession(transcriber: transcriber, options: StreamingOptions(
            segmentation: transcriber.decoding.segmentation, partialEvery: options.partialEvery)),
                                resampler: try StreamResampler(from: sampleRate, to: transcriber.bundle.info.sampleRate))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func send(_ events: [StreamEvent]) async throws {
            for e in events { try await outbound.write(.text(String(decoding: try enc.encode(e), as: UTF8.self))) }
        }
        func fail(_ reason: String) async throws {
            try await outbound.write(.text(String(decoding: try enc.encode(StreamError(error: reason)), as: UTF8.self)))
            try await outbound.close(.policyViolation, reason: String(reason.prefix(120)))
        }
        var heard = 0
        var odd: UInt8?
        for try await message in inbound.messages(maxSize: 1 << 20) {
            switch message {
            case .binary(let buffer):
                var bytes = [UInt8](buffer.readableBytesView)
                if let b = odd { bytes.insert(b, at: 0); odd = nil }
                if bytes.count % 2 == 1 { odd = bytes.removeLast() }
                let samples = stride(from: 0, to: bytes.count, by: 2).map { i in
                    Float(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)) / 32768
                }
                heard += samples.count
                if Double(heard) / Double(sampleRate) > options.maxSeconds {
                    return try await fail("stream longer than \(options.maxSeconds) s (asr serve --max-seconds)")
                }
                try await send(try await compute.run { try state.accept(samples) })
            case .text(let text):
                let kind = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["type"] as? String
                guard kind == "end" else {
                    return try await fail("text message \(text.prefix(60)): expected {\"type\": \"end\"}; audio goes in binary messages")
                }
                try await send(try await compute.run { try state.finish() })
                try await outbound.close(.normalClosure, reason: nil)
                return
            }
        }
        // The client closed without {"type": "end"}: its last utterance is still finished, and sent if the socket lets us.
        try? await send(try await compute.run { try state.finish() })
    }

    // MARK: Responses

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? enc.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        json(["error": reason], status: status)
    }
}

/// One stream's session and resampler, used by one connection at a time
/// (its messages are handled in order, each on the compute queue).
final class StreamState: @unchecked Sendable {
    let session: StreamingSession
    let resampler: StreamResampler
    init(session: StreamingSession, resampler: StreamResampler) {
        self.session = session
        self.resampler = resampler
    }
    func accept(_ samples: [Float]) throws -> [StreamEvent] { session.accept(try resampler.process(samples)) }
    func finish() throws -> [StreamEvent] { session.accept(try resampler.finish()) + session.finish() }
}

/// CPU work off the event loops and the cooperative pool, at most `workers` at once.
final class ComputeQueue: Sendable {
    private let queue = DispatchQueue(label: "asr.serve.compute", attributes: .concurrent)
    private let slots: DispatchSemaphore

    init(workers: Int) { slots = DispatchSemaphore(value: workers) }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.slots.wait()
                defer { self.slots.signal() }
                FloatEnvironment.flushDenormals()
                continuation.resume(with: Swift.Result { try body() })
            }
        }
    }
}
