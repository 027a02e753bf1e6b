import ArgumentParser
import ASRKit
import ASRServer
import Foundation

/// `asr serve`: the model behind HTTP and a WebSocket until SIGTERM.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over HTTP and WebSocket: POST /transcribe, GET /stream (WebSocket), GET /health.",
        discussion: """
            Example: asr serve --model exp/digits --port 8080
                     curl --data-binary @a.wav http://127.0.0.1:8080/transcribe
            POST /transcribe takes an audio file as the body and answers {"text", "duration", "words"}.
            GET /stream?sample_rate=16000 upgrades to a WebSocket: send 16-bit little-endian mono PCM in binary \
            messages and {"type": "end"} as text; partial and final results come back as JSON text messages.
            Bad audio, an empty or oversized body or too long a recording gets a 4xx with {"error": reason}.
            SIGTERM or SIGINT stops the server after the requests under way.
            """)

    @OptionGroup var decoding: ModelDecodingFlags
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port; the one chosen is printed).") var port = 8080
    @Option(help: "Largest request body, MiB.") var maxBodyMb = 64
    @Option(help: "Longest audio of a request or a stream, seconds.") var maxSeconds = 3600.0
    @Option(help: "Streams: a partial result every this many seconds of an utterance.") var partialEvery = 0.25
    @Option(help: "Decodes at once (0 = one per core).") var workers = 0

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535, found \(port)") }
        if maxBodyMb < 1 { throw ValidationError("--max-body-mb must be ≥ 1, found \(maxBodyMb)") }
        if !(maxSeconds > 0) || !maxSeconds.isFinite { throw ValidationError("--max-seconds must be > 0, found \(maxSeconds)") }
        if !(partialEvery >= 0.01) || !partialEvery.isFinite { throw ValidationError("--partial-every must be ≥ 0.01 seconds, found \(partialEvery)") }
        if workers < 0 { throw ValidationError("--workers must be ≥ 0 (0 = one per core), found \(workers)") }
    }

    func run() throws {
        let transcriber = try decoding.transcriber()
        try StreamingSession.check(transcriber)
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.maxBodyBytes = maxBodyMb << 20
        options.maxSeconds = maxSeconds
        options.partialEvery = partialEvery
        if workers > 0 { options.workers = workers }
        let server = TranscriptionServer(transcriber: transcriber, options: options)
        let host = self.host, model = transcriber.bundle.directory
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { port in
                    FileHandle.standardOutput.write(Data("asr serve: listening on http://\(host):\(port) (model \(model))\n".utf8))
                }
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// The server task's error, read after it ends.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.withLock { stored } }
    func set(_ e: Error) { lock.withLock { stored = e } }
}
